package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// config is the run's settings, from the flags.
type config struct {
	rounds  int           // rounds per scenario and implementation
	workers int           // concurrent requests in a round
	think   time.Duration // application work between check and write
}

// impl is an implementation under test, with the client that counts its
// requests (the checker's requests are not counted).
type impl struct {
	name string
	svc  Items
	api  *countingAPI
}

// result is one scenario run against one implementation.
type result struct {
	scenario   string
	impl       string
	attempts   int64
	violations int
	requests   int64
	busy       time.Duration
	story      *story // the first violation seen, if any
}

// newImpls returns the two implementations, each with its own counter.
func newImpls(db *dynamodb.Client, table string, think time.Duration) ([]impl, error) {
	nc, gc := &countingAPI{api: db}, &countingAPI{api: db}
	g, err := newGuarded(gc, table, think)
	if err != nil {
		return nil, err
	}
	return []impl{
		{name: "naive", svc: &naive{db: nc, table: table, think: think}, api: nc},
		{name: "guarded", svc: g, api: gc},
	}, nil
}

// runAll runs every scenario against both implementations and prints a
// progress line per scenario to out.
func runAll(ctx context.Context, e *env, out io.Writer) ([]result, error) {
	impls, err := newImpls(e.db, e.table, e.cfg.think)
	if err != nil {
		return nil, err
	}
	// A server that just started answers slowly until it warms up: run
	// every scenario briefly first, unmeasured, so that no scenario's
	// numbers carry the warm-up.
	warm := *e
	warm.cfg.rounds = 2
	for _, sc := range scenarios {
		if _, err := runScenario(ctx, &warm, sc, impls, "warmup-"); err != nil {
			return nil, err
		}
	}
	var all []result
	for i, sc := range scenarios {
		start := time.Now()
		rs, err := runScenario(ctx, e, sc, impls, "")
		if err != nil {
			return all, err
		}
		all = append(all, rs...)
		parts := make([]string, len(rs))
		for j, r := range rs {
			parts[j] = fmt.Sprintf("%s %d violations in %d attempts", r.impl, r.violations, r.attempts)
		}
		fmt.Fprintf(out, "[%d/%d] %s (%s): %s (%.1fs)\n", i+1, len(scenarios), sc.name, sc.about,
			strings.Join(parts, "; "), time.Since(start).Seconds())
	}
	return all, nil
}

// runScenario runs the rounds of sc against every implementation, taking
// turns round by round (and changing who goes first) so that all meet the
// same server conditions. Item ids start with prefix.
func runScenario(ctx context.Context, e *env, sc scenario, impls []impl, prefix string) ([]result, error) {
	tallies := make([]tally, len(impls))
	rs := make([]result, len(impls))
	for j, im := range impls {
		rs[j] = result{scenario: sc.name, impl: im.name, requests: -im.api.n.Load()}
	}
	for round := range e.cfg.rounds {
		for k := range impls {
			j := (round + k) % len(impls)
			im, t := impls[j], &tallies[j]
			v, err := sc.round(ctx, e, im.svc, t, fmt.Sprintf("%s%s-%s-%d", prefix, sc.name, im.name, round))
			if err == nil && t.err != nil {
				err = fmt.Errorf("unexpected answer from the service: %w", t.err)
			}
			if err != nil {
				return nil, fmt.Errorf("%s, %s, round %d: %w", sc.name, im.name, round, err)
			}
			rs[j].violations += v
		}
	}
	for j, im := range impls {
		rs[j].attempts = tallies[j].attempts.Load()
		rs[j].requests += im.api.n.Load()
		rs[j].busy = tallies[j].busy
		rs[j].story = tallies[j].story
	}
	return rs, nil
}

// printTable writes the results as an aligned table.
func printTable(out io.Writer, results []result) error {
	const row = "%-12s %-14s %9v %10v %12v %8v\n"
	if _, err := fmt.Fprintf(out, row, "scenario", "implementation", "attempts", "violations", "requests/op", "ops/s"); err != nil {
		return err
	}
	for _, r := range results {
		perOp, perSec := 0.0, 0.0
		if r.attempts > 0 {
			perOp = float64(r.requests) / float64(r.attempts)
		}
		if r.busy > 0 {
			perSec = float64(r.attempts) / r.busy.Seconds()
		}
		_, err := fmt.Fprintf(out, row, r.scenario, r.impl, r.attempts, r.violations,
			fmt.Sprintf("%.2f", perOp), fmt.Sprintf("%.0f", perSec))
		if err != nil {
			return err
		}
	}
	return nil
}

// totals sums the violations of each implementation.
func totals(results []result) (naive, guarded int) {
	for _, r := range results {
		switch r.impl {
		case "naive":
			naive += r.violations
		case "guarded":
			guarded += r.violations
		}
	}
	return naive, guarded
}
