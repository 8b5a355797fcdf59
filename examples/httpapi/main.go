// Command httpapi serves the items API of package api: CRUD and transfer
// over DynamoDB, every write ownership-guarded by ddbguard.
//
//	export ITEMS_TOKEN_KEY=$(openssl rand -hex 32)
//	go run ./httpapi -endpoint http://127.0.0.1:8000 -create-table
//	TOKEN=$(go run ./httpapi -issue-token alice)
//	curl -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
//	     -d '{"name":"first"}' localhost:8080/items
//
// ITEMS_TOKEN_KEY (hex, at least 32 bytes) keys the HMAC bearer tokens, the
// part of package api to replace with your identity provider. SIGINT or
// SIGTERM stops the server gracefully.
//
// The DynamoDB client comes from config.LoadDefaultConfig, as in production;
// -endpoint (default $DDBGUARD_DYNAMODB_ENDPOINT) points it at DynamoDB
// Local instead of AWS. See newClient in client.go.
package main

import (
	"context"
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
	"syscall"
	"time"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// envTokenKey names the environment variable holding the token key. A key
// is never a flag: flags show in the process list.
const envTokenKey = "ITEMS_TOKEN_KEY"

// options are the command's flags.
type options struct {
	addr, endpoint, table, issueToken string
	createTable                       bool
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
	fs.StringVar(&o.issueToken, "issue-token", "", "print a bearer token for this user, valid for an hour, and exit")
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
		tok, err := tokens.Issue(o.issueToken, time.Hour)
		if err != nil {
			log.Error(err.Error())
			return 2
		}
		fmt.Fprintln(stdout, tok)
		return 0
	}
	if err := serve(ctx, o, tokens, log, ready); err != nil {
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

// serve runs the server until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, o options, tokens *api.HMACTokens, log *slog.Logger, ready chan<- string) error {
	db, err := newClient(ctx, o.endpoint)
	if err != nil {
		return err
	}
	if o.createTable {
		if err := createTable(ctx, db, o.table); err != nil {
			return err
		}
	}
	h, err := api.New(api.Config{DB: db, Table: o.table, Tokens: tokens, Log: log})
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
