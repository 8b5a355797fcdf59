// Command httpapi serves the items API of package api: CRUD, listing,
// transfer and an audited admin route over DynamoDB, every write
// ownership-guarded by ddbguard and confined to the token's tenant.
//
//	export ITEMS_TOKEN_KEY=$(openssl rand -hex 32) ITEMS_CURSOR_KEY=$(openssl rand -hex 32)
//	go run ./httpapi -endpoint http://127.0.0.1:8000 -create-table
//	TOKEN=$(go run ./httpapi -issue-token alice -tenant acme)
//	curl -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
//	     -d '{"name":"first"}' localhost:8080/items
//
// ITEMS_TOKEN_KEY (hex, at least 32 bytes) keys the HMAC bearer tokens, the
// part of package api to replace with your identity provider.
// ITEMS_CURSOR_KEY (32 bytes, hex or base64) seals the cursors of
// GET /items; every instance needs the same key, and cursors survive a
// restart only if the key does. Without it the server refuses to start,
// unless -dev, which makes up a key and says loudly that cursors will not
// survive a restart. SIGINT or SIGTERM stops the server gracefully.
//
// The DynamoDB client comes from config.LoadDefaultConfig, as in production;
// -endpoint (default $DDBGUARD_DYNAMODB_ENDPOINT) points it at DynamoDB
// Local instead of AWS. See newClient in client.go.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// envTokenKey and envCursorKey name the environment variables holding the
// token key and the cursor key. A key is never a flag: flags show in the
// process list.
const (
	envTokenKey  = "ITEMS_TOKEN_KEY"
	envCursorKey = "ITEMS_CURSOR_KEY"
)

// options are the command's flags.
type options struct {
	addr, endpoint, table, issueToken, tenant string
	createTable, admin, dev                   bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run is the command; it returns the exit status. When ready is not nil,
// it receives the listening address once the server accepts connections.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	var o options
	fs := flag.NewFlagSet("httpapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", ":8080", "listen address")
	fs.StringVar(&o.endpoint, "endpoint", os.Getenv(envEndpoint), "DynamoDB endpoint such as DynamoDB Local's; empty means AWS (default $"+envEndpoint+")")
	fs.StringVar(&o.table, "table", "items", "DynamoDB table")
	fs.BoolVar(&o.createTable, "create-table", false, "create the table if it does not exist")
	fs.StringVar(&o.issueToken, "issue-token", "", "print a bearer token for this user, valid for an hour, and exit (needs -tenant)")
	fs.StringVar(&o.tenant, "tenant", "", "with -issue-token: the tenant the token is confined to")
	fs.BoolVar(&o.admin, "admin", false, "with -issue-token: the token may use the admin routes of its tenant")
	fs.BoolVar(&o.dev, "dev", false, "development only: without $"+envCursorKey+", make up a cursor key (list cursors then die with the process)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	tokens, err := tokenKey()
	if err != nil {
		log.Error(err.Error())
		return 2
	}
	if o.issueToken != "" {
		if o.tenant == "" {
			log.Error("-issue-token needs -tenant: the server refuses tokens without a tenant")
			return 2
		}
		tok, err := tokens.Issue(api.Claims{User: o.issueToken, Tenant: o.tenant, Admin: o.admin}, time.Hour)
		if err != nil {
			log.Error(err.Error())
			return 2
		}
		fmt.Fprintln(stdout, tok)
		return 0
	}
	cursorKey, err := cursorKey(o.dev, log)
	if err != nil {
		log.Error(err.Error())
		return 2
	}
	if err := serve(ctx, o, tokens, cursorKey, log, ready); err != nil {
		log.Error(err.Error())
		return 1
	}
	return 0
}

// tokenKey builds the token verifier from ITEMS_TOKEN_KEY.
func tokenKey() (*api.HMACTokens, error) {
	key, err := hex.DecodeString(os.Getenv(envTokenKey))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("set %s to a hex key of at least 32 bytes, e.g. $(openssl rand -hex 32)", envTokenKey)
	}
	tokens, err := api.NewHMACTokens(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envTokenKey, err)
	}
	return tokens, nil
}

// cursorKey reads ITEMS_CURSOR_KEY: 32 bytes, as 64 hex digits or in
// base64 (standard or URL alphabet, padded or not). When it is unset, the
// server refuses to start: a key made up at startup differs on every
// instance and after every restart, and the cursors clients hold would
// then answer 400. Only with dev is one made up, with a warning.
func cursorKey(dev bool, log *slog.Logger) ([]byte, error) {
	v := strings.TrimSpace(os.Getenv(envCursorKey))
	if v == "" {
		if !dev {
			return nil, fmt.Errorf("set %s to 32 random bytes in hex, e.g. $(openssl rand -hex 32), the same on every instance (or pass -dev for a throwaway key)", envCursorKey)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		log.Warn("DEVELOPMENT MODE: " + envCursorKey + " is not set, so -dev made up a random cursor key. " +
			"List cursors will not survive a restart and will not work on any other instance. Never run -dev in production.")
		return key, nil
	}
	if key, err := hex.DecodeString(v); err == nil && len(key) == 32 {
		return key, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(v); err == nil && len(key) == 32 {
			return key, nil
		}
	}
	return nil, fmt.Errorf("%s must be 32 bytes, as 64 hex digits or in base64, e.g. $(openssl rand -hex 32)", envCursorKey)
}

// serve runs the server until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, o options, tokens *api.HMACTokens, cursorKey []byte, log *slog.Logger, ready chan<- string) error {
	db, err := newClient(ctx, o.endpoint)
	if err != nil {
		return err
	}
	if o.createTable {
		if err := createTable(ctx, db, o.table); err != nil {
			return err
		}
	}
	// The audit trail (api.Config.Audit) goes to stderr as JSON lines, next
	// to this text log; send it wherever your audit records are kept.
	h, err := api.New(api.Config{DB: db, Table: o.table, Tokens: tokens, CursorKey: cursorKey, Log: log})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "table", o.table)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
