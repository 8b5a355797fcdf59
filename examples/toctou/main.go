// Command toctou attacks two implementations of one small items service on
// DynamoDB and counts what the attacks break.
//
// The naive implementation checks ownership the usual way: it reads the
// item, compares the owner (and version) in Go, and then writes with no
// condition. The guarded one uses ddbguard: the check is the write's
// ConditionExpression, evaluated by DynamoDB in the same moment as the
// write. Four scenarios run against both, each for -rounds rounds with
// -workers concurrent requests:
//
//  1. transfer: the owner transfers the item while her updates are in flight;
//  2. recreate: the item is deleted and re-created by another user while the
//     first user's updates are in flight;
//  3. lost-update: two writers send the same expected version;
//  4. create-race: two users create the same id at once.
//
// A checker independent of both reads the final state (a history of every
// write, the owner, the version) and counts violations. The naive service
// shows them; the guarded one must show none, and the command exits 1 if
// it does.
//
// Every request spends -think between its decision and its write, standing
// for application work; the naive service reads before it, the guarded one
// does not read at all.
//
// The output starts with a legend (what naive, guarded and a violation
// are), then one progress line per scenario, the table, one violation of the
// run told from the item's history, and a conclusion.
//
// Run it with `make demo`, which starts DynamoDB Local, or point it at a
// running DynamoDB with -endpoint or DDBGUARD_DYNAMODB_ENDPOINT (from
// examples/: go run ./toctou). The last line printed is
//
//	summary: naive_violations=N guarded_violations=M
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("toctou", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.IntVar(&cfg.rounds, "rounds", 20, "rounds per scenario and implementation")
	fs.IntVar(&cfg.workers, "workers", 8, "concurrent requests in a round (at least 2)")
	fs.DurationVar(&cfg.think, "think", 2*time.Millisecond, "application work between a request's check and its write")
	endpoint := fs.String("endpoint", os.Getenv(envEndpoint), "DynamoDB endpoint (default $"+envEndpoint+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.rounds < 1 || cfg.workers < 2 || cfg.think < 0 {
		fmt.Fprintln(stderr, "toctou: need -rounds >= 1, -workers >= 2 and -think >= 0")
		return 2
	}
	if strings.TrimSpace(*endpoint) == "" {
		fmt.Fprintf(stderr, "toctou: no DynamoDB endpoint. Run `make demo`, which starts DynamoDB Local,\n"+
			"or start one (`make dynamodb-start`) and set %s or -endpoint.\n", envEndpoint)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := newClient(ctx, *endpoint)
	if err != nil {
		fmt.Fprintf(stderr, "toctou: %v\n", err)
		return 2
	}
	table, err := newTable(ctx, db)
	if err != nil {
		fmt.Fprintf(stderr, "toctou: %v (is DynamoDB running at %s?)\n", err, *endpoint)
		return 1
	}
	defer dropTable(db, table)

	fmt.Fprint(stdout, legend+"\n")
	fmt.Fprintf(stdout, "toctou: table %s, %d rounds, %d workers, think %v\n", table, cfg.rounds, cfg.workers, cfg.think)
	results, err := runAll(ctx, &env{db: db, table: table, cfg: cfg}, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "toctou: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout)
	if err := printTable(stdout, results); err != nil {
		return 1
	}
	narrate(stdout, results)
	naive, guarded := totals(results)
	fmt.Fprintf(stdout, "summary: naive_violations=%d guarded_violations=%d\n", naive, guarded)
	if guarded > 0 {
		return 1
	}
	return 0
}

// newTable creates the run's own table, so that runs never share items.
func newTable(ctx context.Context, db *dynamodb.Client) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	name := "ddbguard-toctou-" + hex.EncodeToString(b[:])
	return name, createTable(ctx, db, name)
}

// dropTable deletes the run's table, even after an interrupt.
func dropTable(db *dynamodb.Client, table string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
}
