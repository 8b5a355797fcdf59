package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ddbguard/ddbguard"
)

// RequestRow is the number of requests one operation sent for one outcome,
// per strategy.
type RequestRow struct {
	Op      string // "update", "create", "delete", "tx"
	Outcome string // "success", "not found", …
	Want    error  // the expected error, nil for success
	// Requests per strategy (StrategyGuarded, …); a strategy absent from
	// the map does not take part in that row.
	Requests map[string]int64
	// Wrong lists the strategies whose outcome was not Want.
	Wrong []string
	// Expected is the number of requests ddbguard's contract sets for
	// the outcome: 1, or 2 for a refused write under WithoutOldItem (the
	// write and its classification Query).
	Expected int64
}

// scenario is one row of CountRequests: which items exist, and the write.
type scenario struct {
	op, outcome string
	want        error
	seedOwner   string // owner of the seeded item; "" seeds nothing
	w           Write
	strategies  map[string]func(*E2E, context.Context, Write) error
}

func writes(guarded, naive, explain func(*E2E, context.Context, Write) error) map[string]func(*E2E, context.Context, Write) error {
	return map[string]func(*E2E, context.Context, Write) error{
		StrategyGuarded: guarded, StrategyNaive: naive, StrategyExplain: explain,
	}
}

var (
	updates = writes((*E2E).UpdateGuarded, (*E2E).UpdateNaive, (*E2E).UpdateExplain)
	creates = writes((*E2E).CreateGuarded, (*E2E).CreateNaive, (*E2E).CreateExplain)
	deletes = writes((*E2E).DeleteGuarded, (*E2E).DeleteNaive, (*E2E).DeleteExplain)
)

var scenarios = []scenario{
	{"update", "success", nil, Owner, Write{Caller: Owner, Version: 1}, updates},
	{"update", "not found", ddbguard.ErrNotFound, "", Write{Caller: Owner, Version: 1}, updates},
	{"update", "not owner", ddbguard.ErrNotOwner, Owner, Write{Caller: Intruder, Version: 1}, updates},
	{"update", "version conflict", ddbguard.ErrConflict, Owner, Write{Caller: Owner, Version: 5}, updates},
	{"create", "success", nil, "", Write{Caller: Owner}, creates},
	{"create", "already exists", ddbguard.ErrAlreadyExists, Owner, Write{Caller: Owner}, creates},
	{"delete", "success", nil, Owner, Write{Caller: Owner}, deletes},
	{"delete", "not found", ddbguard.ErrNotFound, "", Write{Caller: Owner}, deletes},
	{"delete", "not owner", ddbguard.ErrNotOwner, Owner, Write{Caller: Intruder}, deletes},
}

// RequestOrder lists the strategies in the order a report shows them.
var RequestOrder = []string{StrategyGuarded, StrategyNaive, StrategyExplain}

// CountRequests performs each outcome of each operation once per strategy,
// on items of its own, and counts the requests it sends.
func (e *E2E) CountRequests(ctx context.Context) ([]RequestRow, error) {
	var rows []RequestRow
	n := 0
	fresh := func() string { n++; return "count-" + strconv.Itoa(n) }
	check := func(row *RequestRow, strategy string, err error) {
		if (row.Want == nil && err != nil) || (row.Want != nil && !errors.Is(err, row.Want)) {
			row.Wrong = append(row.Wrong, fmt.Sprintf("%s: %v", strategy, err))
		}
	}
	for _, s := range scenarios {
		row := RequestRow{Op: s.op, Outcome: s.outcome, Want: s.want, Requests: map[string]int64{}, Expected: 1}
		for _, name := range RequestOrder {
			w := s.w
			w.ID, w.Title = fresh(), "counted"
			if s.seedOwner != "" {
				if err := e.Seed(ctx, s.seedOwner, w.ID); err != nil {
					return nil, err
				}
			}
			e.API.Reset()
			err := s.strategies[name](e, ctx, w)
			row.Requests[name] = int64(e.API.Requests())
			check(&row, name, err)
		}
		rows = append(rows, row)
	}
	for _, s := range []struct {
		outcome string
		want    error
		second  string
	}{{"success", nil, Owner}, {"not owner", ddbguard.ErrNotOwner, Intruder}} {
		row := RequestRow{Op: "tx (2 updates)", Outcome: s.outcome, Want: s.want, Requests: map[string]int64{}, Expected: 1}
		a, b := fresh(), fresh()
		if err := e.Seed(ctx, Owner, a); err != nil {
			return nil, err
		}
		if err := e.Seed(ctx, s.second, b); err != nil {
			return nil, err
		}
		e.API.Reset()
		err := e.TxGuarded(ctx, Owner, a, b)
		row.Requests[StrategyGuarded] = int64(e.API.Requests())
		check(&row, StrategyGuarded, err)
		rows = append(rows, row)
	}
	more, err := e.countPaths(ctx, fresh, check)
	return append(rows, more...), err
}

// countPaths counts the requests of a List page and of WithoutOldItem's
// updates, on the indexed table.
func (e *E2E) countPaths(ctx context.Context, fresh func() string, check func(*RequestRow, string, error)) ([]RequestRow, error) {
	// The caller of the List rows owns nothing else on the indexed table.
	lister := "lister-" + fresh()
	ids := []string{fresh(), fresh(), fresh()}
	if err := e.seed(ctx, e.Indexed, lister, ids...); err != nil {
		return nil, err
	}
	var rows []RequestRow
	for _, s := range []struct {
		outcome, caller string
		items           int
	}{{"success, 3 items", lister, 3}, {"success, no items (another's)", Intruder + "-" + fresh(), 0}} {
		row := RequestRow{Op: "list (one page)", Outcome: s.outcome, Requests: map[string]int64{}, Expected: 1}
		e.API.Reset()
		var out []Doc
		next, err := e.Lister.List(s.caller).Page(ctx, &out)
		if err == nil && (next != "" || len(out) != s.items) {
			// The index is eventually consistent: DynamoDB Local's is not
			// behind, so a short page is a wrong outcome here.
			err = fmt.Errorf("page of %d items, next %q", len(out), next)
		}
		row.Requests[StrategyGuarded] = int64(e.API.Requests())
		check(&row, StrategyGuarded, err)
		rows = append(rows, row)
	}
	for _, s := range []struct {
		outcome  string
		want     error
		seed     string
		caller   string
		expected int64
	}{
		{"success", nil, Owner, Owner, 1},
		{"not found", ddbguard.ErrNotFound, "", Owner, 2},
		{"not owner", ddbguard.ErrNotOwner, Owner, Intruder, 2},
	} {
		row := RequestRow{Op: "update, WithoutOldItem", Outcome: s.outcome, Want: s.want, Requests: map[string]int64{}, Expected: s.expected}
		id := fresh()
		if s.seed != "" {
			if err := e.seed(ctx, e.Indexed, s.seed, id); err != nil {
				return nil, err
			}
		}
		e.API.Reset()
		err := e.Oldless.Update(s.caller, ddbguard.Key{PK: id}).Set(AttrTitle, "counted").IfVersion(1).Run(ctx)
		row.Requests[StrategyGuarded] = int64(e.API.Requests())
		check(&row, StrategyGuarded, err)
		rows = append(rows, row)
	}
	return rows, nil
}
