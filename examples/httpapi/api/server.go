// Package api is an items service over DynamoDB whose every write is
// ownership-guarded by ddbguard: the owner check is the write's condition,
// so it holds at the moment of the write, not at some earlier read.
//
// Routes (all need a bearer token naming a tenant; see Authenticate):
//
//	POST   /items                     create (201); the id is the client's, checked, or generated
//	GET    /items                     the caller's own items, a page at a time (200)
//	GET    /items/{id}                read (200), with the version as ETag
//	PUT    /items/{id}                replace name, notes and tags (200)
//	PATCH  /items/{id}                change some of them (200)
//	DELETE /items/{id}                delete (204)
//	POST   /items/{id}/transfer       give the item to another user (204)
//	POST   /admin/items/{id}/close    an admin closes any item of the tenant (200), audited
//
// Every route is confined to the token's tenant (ddbguard's ForTenant):
// another tenant's items do not exist for it. If-Match with an ETag makes a
// write conditional on that version (412 when it is not current). Errors
// are RFC 9457 problem details. An item that is someone else's answers 404
// exactly as a missing one does.
package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/ddbguard/ddbguard"
)

// Config is what New needs.
type Config struct {
	// DB is the DynamoDB client; *dynamodb.Client satisfies it.
	DB ddbguard.API
	// Table is the items table, laid out as Schema says: partition key
	// "tenant", sort key "id" (strings), and the OwnerIndex index.
	Table string
	// Tokens verifies the bearer tokens that identify callers.
	Tokens Verifier
	// CursorKey seals the cursors of GET /items (ddbguard.WithCursorKey):
	// 32 random bytes, the same on every instance and across restarts, or
	// the cursors handed out stop working. Required.
	CursorKey []byte
	// Audit receives the audit trail, one JSON line per event: every admin
	// operation, whatever its outcome, every refused or conflicted guarded
	// operation, and every refused use of an admin route. nil means
	// os.Stderr.
	Audit io.Writer
	// Log receives server errors; nil discards.
	Log *slog.Logger
	// Timeout bounds the DynamoDB work of one request; 0 means 5 seconds.
	Timeout time.Duration
	// Now is the clock of the timestamps; nil means time.Now.
	Now func() time.Time
}

// Server serves the items API. It is safe for concurrent use.
type Server struct {
	g       *ddbguard.Guard // the bare Guard: handlers use its tenant views
	log     *slog.Logger
	audits  *slog.Logger
	timeout time.Duration
	now     func() time.Time
	mux     *http.ServeMux
}

// cursorKeyLen is the length of Config.CursorKey: an AES-256 key.
const cursorKeyLen = 32

// New returns the items service described by cfg.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil || cfg.Tokens == nil {
		return nil, errors.New("api: Config needs DB and Tokens")
	}
	if len(cfg.CursorKey) != cursorKeyLen {
		return nil, errors.New("api: Config.CursorKey must be 32 bytes")
	}
	s := &Server{log: cfg.Log, timeout: cfg.Timeout, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	audit := cfg.Audit
	if audit == nil {
		audit = os.Stderr
	}
	s.audits = slog.New(slog.NewJSONHandler(audit, nil))
	if s.timeout <= 0 {
		s.timeout = 5 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	g, err := ddbguard.New(cfg.DB, Schema(cfg.Table),
		ddbguard.WithKeyValidator(validKey),
		ddbguard.WithCursorKey(cfg.CursorKey),
		ddbguard.WithAudit(s.audit))
	if err != nil {
		return nil, err
	}
	s.g = g
	s.routes(cfg.Tokens)
	return s, nil
}

func (s *Server) routes(tokens Verifier) {
	items := http.NewServeMux()
	items.HandleFunc("POST /items", s.create)
	items.HandleFunc("GET /items", s.list)
	items.HandleFunc("GET /items/{id}", s.get)
	items.HandleFunc("PUT /items/{id}", s.replace)
	items.HandleFunc("PATCH /items/{id}", s.patch)
	items.HandleFunc("DELETE /items/{id}", s.delete)
	items.HandleFunc("POST /items/{id}/transfer", s.transfer)

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.Handle("/items", Authenticate(tokens, items))
	s.mux.Handle("/items/", Authenticate(tokens, items))

	admin := http.NewServeMux()
	admin.HandleFunc("POST /admin/items/{id}/close", s.closeItem)
	s.mux.Handle("/admin/", Authenticate(tokens, admin))
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}
