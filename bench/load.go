package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ddbguard/ddbguard"
)

// Point is one end-to-end measurement: one strategy, one scenario, one
// concurrency.
type Point struct {
	Strategy    string
	Scenario    string // "update" or "update, not owner"
	Concurrency int
	Ops         int64         // operations that ended as expected
	Unexpected  int64         // operations that did not; a sound run has none
	Requests    int64         // requests sent, all operations together
	Elapsed     time.Duration // wall time of the measuring windows
	P50, P99    time.Duration // latency of one operation
	latencies   []time.Duration
}

// OpsPerSec returns the throughput.
func (p Point) OpsPerSec() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Ops) / p.Elapsed.Seconds()
}

// RequestsPerOp returns the requests sent per operation.
func (p Point) RequestsPerOp() float64 {
	if n := p.Ops + p.Unexpected; n > 0 {
		return float64(p.Requests) / float64(n)
	}
	return 0
}

// merge adds q's measurements to p's.
func (p *Point) merge(q Point) {
	p.Ops += q.Ops
	p.Unexpected += q.Unexpected
	p.Requests += q.Requests
	p.Elapsed += q.Elapsed
	p.latencies = append(p.latencies, q.latencies...)
	slices.Sort(p.latencies)
	p.P50, p.P99 = percentile(p.latencies, 0.50), percentile(p.latencies, 0.99)
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// OpFunc is one operation of a load: worker is the worker's index, seq the
// operation's number within that worker.
type OpFunc func(ctx context.Context, worker, seq int) error

// Load runs op from conc workers until d has passed, and measures it. An
// operation is as expected when errors.Is(err, want) (want nil: no error).
func (e *E2E) Load(ctx context.Context, conc int, d time.Duration, want error, op OpFunc) Point {
	type result struct {
		ok, bad int64
		lat     []time.Duration
	}
	results := make([]result, conc)
	before := int64(e.API.Requests())
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			r := &results[w]
			r.lat = make([]time.Duration, 0, 1024)
			for seq := 0; time.Now().Before(deadline) && ctx.Err() == nil; seq++ {
				t0 := time.Now()
				err := op(ctx, w, seq)
				r.lat = append(r.lat, time.Since(t0))
				if (want == nil && err == nil) || (want != nil && errors.Is(err, want)) {
					r.ok++
				} else {
					r.bad++
				}
			}
		})
	}
	wg.Wait()
	p := Point{Concurrency: conc, Elapsed: time.Since(start), Requests: int64(e.API.Requests()) - before}
	var all []time.Duration
	for _, r := range results {
		p.Ops += r.ok
		p.Unexpected += r.bad
		all = append(all, r.lat...)
	}
	p.merge(Point{latencies: all})
	return p
}

// Plan says what Run measures.
type Plan struct {
	Concurrency        []int         // of the success-path comparison
	FailureConcurrency []int         // of the failure-path comparison
	Point              time.Duration // measuring time per strategy and point
	Rounds             int           // the time of a point is split in rounds, strategies alternating
	Warmup             time.Duration // unmeasured load before anything else
	ItemsPerWorker     int
}

// DefaultPlan is the plan of make bench: 2 s per strategy and point.
func DefaultPlan() Plan {
	return Plan{
		Concurrency:        []int{1, 8, 32},
		FailureConcurrency: []int{1, 8},
		Point:              2 * time.Second,
		Rounds:             8,
		Warmup:             5 * time.Second,
		ItemsPerWorker:     8,
	}
}

// Results are the end-to-end measurements.
type Results struct {
	// Success holds, for each concurrency, the naive read-check-write then
	// the guarded update of the caller's own item.
	Success []Point
	// Failure holds, for each failure concurrency, the explaining
	// conditional write then the guarded update, by a caller who does not
	// own the item.
	Failure []Point
	// Requests counts the requests of one operation per outcome.
	Requests []RequestRow
}

// Run seeds the table and measures according to plan, logging progress
// to log.
func (e *E2E) Run(ctx context.Context, plan Plan, log io.Writer) (*Results, error) {
	workers := slices.Max(append(slices.Clone(plan.Concurrency), plan.FailureConcurrency...))
	ids := make([][]string, workers)
	var all []string
	for w := range ids {
		for k := range plan.ItemsPerWorker {
			ids[w] = append(ids[w], "load-"+strconv.Itoa(w)+"-"+strconv.Itoa(k))
		}
		all = append(all, ids[w]...)
	}
	if err := e.Seed(ctx, Owner, all...); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	update := func(caller string, f func(*E2E, context.Context, Write) error) OpFunc {
		return func(ctx context.Context, w, seq int) error {
			return f(e, ctx, Write{Caller: caller, ID: ids[w][seq%len(ids[w])], Title: "t" + strconv.Itoa(seq)})
		}
	}
	naive := update(Owner, (*E2E).UpdateNaive)
	guarded := update(Owner, (*E2E).UpdateGuarded)
	explainFail := update(Intruder, (*E2E).UpdateExplain)
	guardedFail := update(Intruder, (*E2E).UpdateGuarded)

	fmt.Fprintf(log, "e2e: warm-up %v\n", plan.Warmup)
	for _, op := range []OpFunc{naive, guarded, explainFail, guardedFail} {
		e.Load(ctx, min(4, workers), plan.Warmup/4, nil, op)
	}
	res := &Results{}
	compare := func(scenario string, conc int, want error, names [2]string, ops [2]OpFunc) []Point {
		pts := []Point{{Strategy: names[0], Scenario: scenario, Concurrency: conc}, {Strategy: names[1], Scenario: scenario, Concurrency: conc}}
		for range plan.Rounds {
			for i := range pts {
				pts[i].merge(e.Load(ctx, conc, plan.Point/time.Duration(plan.Rounds), want, ops[i]))
			}
		}
		for _, p := range pts {
			fmt.Fprintf(log, "e2e: %-28s %-18s c=%-3d %8.0f ops/s  p50 %-10v p99 %-10v %.2f req/op\n",
				p.Strategy, p.Scenario, p.Concurrency, p.OpsPerSec(), p.P50, p.P99, p.RequestsPerOp())
		}
		return pts
	}
	for _, c := range plan.Concurrency {
		res.Success = append(res.Success, compare("update", c, nil,
			[2]string{StrategyNaive, StrategyGuarded}, [2]OpFunc{naive, guarded})...)
	}
	for _, c := range plan.FailureConcurrency {
		res.Failure = append(res.Failure, compare("update, not owner", c, ddbguard.ErrNotOwner,
			[2]string{StrategyExplain, StrategyGuarded}, [2]OpFunc{explainFail, guardedFail})...)
	}
	rows, err := e.CountRequests(ctx)
	if err != nil {
		return nil, err
	}
	res.Requests = rows
	for _, p := range append(slices.Clone(res.Success), res.Failure...) {
		if p.Unexpected > 0 {
			return res, fmt.Errorf("%s %s c=%d: %d operations ended unexpectedly", p.Strategy, p.Scenario, p.Concurrency, p.Unexpected)
		}
	}
	return res, nil
}
