// Package api is an items service over DynamoDB whose every write is
// ownership-guarded by ddbguard: the owner check is the write's condition,
// so it holds at the moment of the write, not at some earlier read.
//
// Routes (all need a bearer token; see Authenticate):
//
//	POST   /items                create (201); the id is the client's, checked, or generated
//	GET    /items/{id}           read (200), with the version as ETag
//	PUT    /items/{id}           replace name, notes and tags (200)
//	PATCH  /items/{id}           change some of them (200)
//	DELETE /items/{id}           delete (204)
//	POST   /items/{id}/transfer  give the item to another user (204)
//
// If-Match with an ETag makes a write conditional on that version (412 when
// it is not current). Errors are RFC 9457 problem details. An item that is
// someone else's answers 404 exactly as a missing one does.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/ddbguard/ddbguard"
)

// Config is what New needs.
type Config struct {
	// DB is the DynamoDB client; *dynamodb.Client satisfies it.
	DB ddbguard.API
	// Table is the items table; its partition key is "id", a string.
	Table string
	// Tokens verifies the bearer tokens that identify callers.
	Tokens Verifier
	// Log receives server errors and the guard's refusals; nil discards.
	Log *slog.Logger
	// Timeout bounds the DynamoDB work of one request; 0 means 5 seconds.
	Timeout time.Duration
	// Now is the clock of the timestamps; nil means time.Now.
	Now func() time.Time
}

// Server serves the items API. It is safe for concurrent use.
type Server struct {
	g       *ddbguard.Guard
	log     *slog.Logger
	timeout time.Duration
	now     func() time.Time
	mux     *http.ServeMux
}

// New returns the items service described by cfg.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil || cfg.Tokens == nil {
		return nil, errors.New("api: Config needs DB and Tokens")
	}
	s := &Server{log: cfg.Log, timeout: cfg.Timeout, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = 5 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	g, err := ddbguard.New(cfg.DB, schema(cfg.Table),
		ddbguard.WithKeyValidator(validKey),
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
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// audit logs every refused or conflicted guarded operation. The event
// names the caller and the key, never the owner or the item's data.
func (s *Server) audit(ctx context.Context, e ddbguard.AuditEvent) {
	s.log.InfoContext(ctx, "guard refused", "op", e.Op, "table", e.Table,
		"key", e.Key.PK, "caller", e.Caller, "reason", e.Reason)
}
