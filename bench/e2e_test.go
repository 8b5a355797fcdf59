package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ddbguard/ddbguard"
)

// newE2E returns an E2E on the DynamoDB named by
// DDBGUARD_DYNAMODB_ENDPOINT, skipping the test when it is unset (failing
// instead when DDBGUARD_REQUIRE_DYNAMODB=1, as make test sets it).
func newE2E(t *testing.T) *E2E {
	t.Helper()
	endpoint := strings.TrimSpace(os.Getenv("DDBGUARD_DYNAMODB_ENDPOINT"))
	if endpoint == "" {
		msg := "DDBGUARD_DYNAMODB_ENDPOINT is not set: this test needs DynamoDB (make test starts DynamoDB Local)"
		if os.Getenv("DDBGUARD_REQUIRE_DYNAMODB") == "1" {
			t.Fatal(msg + "; DDBGUARD_REQUIRE_DYNAMODB=1 makes this a failure")
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	e, err := NewE2E(ctx, NewClient(endpoint, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(ctx); err != nil {
			t.Errorf("delete table: %v", err)
		}
	})
	return e
}

// TestCountRequests_guardedIsOneRequestInEveryOutcome checks the claim the
// report makes: ddbguard sends one request per operation whatever the
// outcome (every success path, List pages included), two only for a
// refused write under WithoutOldItem, and every strategy reaches the
// expected outcome.
func TestCountRequests_guardedIsOneRequestInEveryOutcome(t *testing.T) {
	e := newE2E(t)
	rows, err := e.CountRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for _, r := range rows {
		ops[r.Op] = true
		if len(r.Wrong) > 0 {
			t.Errorf("%s %s: unexpected outcomes %q", r.Op, r.Outcome, r.Wrong)
		}
		want := int64(1)
		if r.Op == "update, WithoutOldItem" && r.Want != nil {
			want = 2
		}
		if n := r.Requests[StrategyGuarded]; n != want || r.Expected != want {
			t.Errorf("%s %s: ddbguard sent %d requests (expected %d), want %d", r.Op, r.Outcome, n, r.Expected, want)
		}
		if r.Op == "update" && r.Outcome == "success" && r.Requests[StrategyNaive] != 2 {
			t.Errorf("naive update sent %d requests, want 2", r.Requests[StrategyNaive])
		}
		if r.Want != nil && r.Requests[StrategyExplain] != 0 && r.Requests[StrategyExplain] != 2 {
			t.Errorf("%s %s: explaining write sent %d requests, want 2", r.Op, r.Outcome, r.Requests[StrategyExplain])
		}
	}
	for _, op := range []string{"update", "create", "delete", "tx (2 updates)", "list (one page)", "update, WithoutOldItem"} {
		if !ops[op] {
			t.Errorf("no requests counted for %s", op)
		}
	}
}

// TestRun_shortPlan runs the whole end-to-end plan in miniature: every
// operation must end as expected and the points must be complete.
func TestRun_shortPlan(t *testing.T) {
	e := newE2E(t)
	plan := Plan{Concurrency: []int{1, 2}, FailureConcurrency: []int{2}, Point: 60 * time.Millisecond,
		Rounds: 2, Warmup: 20 * time.Millisecond, ItemsPerWorker: 2}
	res, err := e.Run(context.Background(), plan, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Success) != 4 || len(res.Failure) != 2 {
		t.Fatalf("points: %d success, %d failure", len(res.Success), len(res.Failure))
	}
	for _, p := range append(res.Success, res.Failure...) {
		if p.Ops == 0 || p.P50 <= 0 || p.P99 < p.P50 {
			t.Errorf("%s %s c=%d: incomplete point %+v", p.Strategy, p.Scenario, p.Concurrency, p)
		}
	}
	for _, p := range res.Success {
		want := map[string]float64{StrategyNaive: 2, StrategyGuarded: 1}[p.Strategy]
		if p.RequestsPerOp() != want {
			t.Errorf("%s: %.2f requests per update, want %v", p.Strategy, p.RequestsPerOp(), want)
		}
	}
	if !strings.Contains(ddbguard.ErrNotOwner.Error(), "not owner") {
		t.Fatal("sentinel text changed")
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
