package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// TestMain says, once, how many tests needed DynamoDB and were skipped.
func TestMain(m *testing.M) { os.Exit(ddbguardtest.Main(m)) }

// testConfig is a small run: a few seconds in all, and still enough rounds
// that every scenario catches the naive service out.
var testConfig = config{rounds: 6, workers: 4, think: 2 * time.Millisecond}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, s := ddbguardtest.LocalTable(t, ddbguard.Schema{Table: "toctou", PartitionKey: attrID})
	return &env{db: db, table: s.Table, cfg: testConfig}
}

func TestAttacks_guardedHasNoViolations_naiveHasSomeInEveryScenario(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var progress bytes.Buffer
	results, err := runAll(ctx, e, &progress)
	require.NoError(t, err)
	require.Len(t, results, 2*len(scenarios))
	assert.Equal(t, len(scenarios), strings.Count(progress.String(), "\n"), "one progress line per scenario")

	for _, r := range results {
		assert.Positive(t, r.attempts, "%s/%s", r.scenario, r.impl)
		switch r.impl {
		case "guarded":
			assert.Zero(t, r.violations, "guarded %s", r.scenario)
			assert.Equal(t, r.attempts, r.requests, "guarded %s: one request per operation", r.scenario)
		case "naive":
			assert.Positive(t, r.violations, "naive %s: the attack should succeed", r.scenario)
			assert.Greater(t, r.requests, r.attempts, "naive %s: a read before each write", r.scenario)
		default:
			t.Errorf("unknown implementation %q", r.impl)
		}
	}
	naive, guarded := totals(results)
	assert.Positive(t, naive)
	assert.Zero(t, guarded)
}

func TestRun_printsTableAndSummaryAsLastLine(t *testing.T) {
	ddbguardtest.LocalTable(t, ddbguard.Schema{PartitionKey: attrID}) // skips, or fails, without an endpoint; run reads it from the environment
	var stdout, stderr bytes.Buffer
	code := run([]string{"-rounds", "2", "-workers", "4"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())

	out := stdout.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	// The output explains itself: legend, table, one violation, conclusion.
	legendAt, tableAt := strings.Index(out, "What this demo does"), strings.Index(out, "scenario     implementation")
	storyAt, shortAt := strings.Index(out, "One violation from this run"), strings.Index(out, "In short:")
	for _, word := range []string{"naive ", "guarded ", "violation "} {
		assert.Contains(t, out[:max(0, tableAt)], "\n  "+word, "the legend says what %q means", word)
	}
	assert.True(t, legendAt >= 0 && legendAt < tableAt && tableAt < storyAt && storyAt < shortAt, "legend, table, story, conclusion in that order:\n%s", out)
	assert.Regexp(t, `(?m)^  - .* was told: .*\.$`, out, "who was told what")
	assert.Regexp(t, `(?m)^    => \S.* <- .+$`, out, "the violating write is marked in the item's history")
	assert.Len(t, regexp.MustCompile(`(?m)^In short: .*\.$`).FindAllString(out, -1), 1, "one sentence of conclusion")
	assert.Regexp(t, regexp.MustCompile(`^summary: naive_violations=[1-9][0-9]* guarded_violations=0$`), last)
	for _, sc := range scenarios {
		assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(sc.name)+` +naive +\d+ +\d+ +\d+\.\d\d +\d+$`), stdout.String())
		assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(sc.name)+` +guarded +\d+ +0 +1\.00 +\d+$`), stdout.String())
	}
}

func TestRun_withoutEndpoint_explainsAndExits2(t *testing.T) {
	t.Setenv(envEndpoint, "")
	var stdout, stderr bytes.Buffer
	code := run(nil, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "make demo")
	assert.Contains(t, stderr.String(), envEndpoint)
	assert.Empty(t, stdout.String())
}

func TestRun_badFlags_exit2(t *testing.T) {
	for _, args := range [][]string{
		{"-workers", "1"},
		{"-rounds", "0"},
		{"-think", "-1ms"},
		{"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(append(args, "-endpoint", "http://127.0.0.1:1"), &stdout, &stderr), "%v", args)
		assert.NotEmpty(t, stderr.String(), "%v", args)
	}
}

func TestStaleWrites_countsUpdatesByWhoeverDidNotOwnTheItemThen(t *testing.T) {
	tests := []struct {
		name    string
		history []string
		want    int
	}{
		{"owner only", []string{"create alice", "update alice", "update alice"}, 0},
		{"update after transfer", []string{"create alice", "update alice", "transfer bob", "update alice", "update alice"}, 2},
		{"new owner updates", []string{"create alice", "transfer bob", "update bob"}, 0},
		{"ghost of a deleted item", []string{"update alice"}, 1},
		{"update of a re-created item", []string{"create bob", "update alice"}, 1},
		{"versioned entries", []string{"create alice", "update alice 2", "update bob 3"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, staleWrites(&item{History: tt.history}))
		})
	}
	assert.Zero(t, staleWrites(nil), "no item, no write")
}

func TestLostUpdates_countsAcknowledgedUpdatesTheVersionDoesNotShow(t *testing.T) {
	assert.Zero(t, lostUpdates(&item{Version: 2}, 1, 1))
	assert.Zero(t, lostUpdates(&item{Version: 1}, 1, 0))
	assert.Equal(t, 1, lostUpdates(&item{Version: 2}, 1, 2), "two told success, one version")
	assert.Equal(t, 2, lostUpdates(nil, 1, 2), "item gone")
}

func TestFalseCreates_flagsACreatorWhoDoesNotOwnTheItem(t *testing.T) {
	assert.Zero(t, falseCreates(&item{Owner: alice}, alice))
	assert.Equal(t, 1, falseCreates(&item{Owner: bob}, alice))
	assert.Equal(t, 1, falseCreates(nil, alice))
}

func TestTransferStory_marksTheFirstUpdateThatLandedAfterTheTransfer(t *testing.T) {
	it := &item{Owner: bob, Value: "w0-2", History: []string{
		"create alice", "update alice w0-0", "transfer bob", "update alice w1-0", "update alice w0-2",
	}}
	s := transferStory("x-1", it, func(v string) bool { return v == "w1-0" })
	require.NotNil(t, s)
	assert.Equal(t, 3, s.mark)
	assert.Contains(t, s.told[1], `"w1-0", and was told: updated.`)
	assert.Contains(t, s.end, "bob's now")

	var out bytes.Buffer
	narrate(&out, []result{{scenario: "transfer", impl: "naive", violations: 2, story: s}, {impl: "guarded"}})
	assert.Contains(t, out.String(), "scenario transfer, naive service, item x-1")
	assert.Contains(t, out.String(), "    => update alice w1-0")
	assert.Contains(t, out.String(), "the guarded service had 0.")

	assert.Nil(t, transferStory("x-2", &item{History: []string{"create alice", "update alice w0-0", "transfer bob"}}, nil),
		"no stale write, no story")
}

func TestLostUpdateStory_showsBothWritersToldTheySaved(t *testing.T) {
	it := &item{Version: 2, Value: "laptop", History: []string{"create alice", "update alice 2 phone", "update alice 2 laptop"}}
	s := lostUpdateStory("x-3", it)
	require.NotNil(t, s)
	require.Len(t, s.told, 2)
	assert.Contains(t, s.told[0], "phone sent an update expecting version 1, and was told: saved as version 2.")
	assert.Equal(t, 2, s.mark)
	assert.Contains(t, s.end, "version 2")
}

func TestNarrate_withoutAStory_stillConcludes(t *testing.T) {
	var out bytes.Buffer
	narrate(&out, []result{{impl: "naive"}, {impl: "guarded"}})
	assert.NotContains(t, out.String(), "One violation")
	assert.Contains(t, out.String(), "In short:")
}
