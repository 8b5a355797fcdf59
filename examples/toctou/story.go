package main

import (
	"fmt"
	"io"
	"strings"
)

// The demo explains itself: a legend before the results, then one real
// violation of the run told from the item's history, then a conclusion.

// legend says what the table's words mean, for a reader who never saw the
// code.
const legend = `What this demo does
  One small items service is written twice and attacked with the same
  concurrent requests, on DynamoDB Local:
  naive      the usual handler: GetItem, compare the owner (and the version)
             in Go, then write with no condition. The check and the write
             are two moments; whatever changes in between is overwritten.
  guarded    the same handler with ddbguard: one write whose condition is
             the owner (and version) check, so DynamoDB checks and writes
             in the same moment.
  violation  an outcome the check exists to prevent, found afterwards in the
             stored item: a write by a user who no longer owned the item, an
             acknowledged write that was lost, or "created" told to a user
             who does not own the item.
  Every write appends to the item's history in the same request, so the
  history shows the order in which DynamoDB applied the writes.
`

// story is one violation, as the users saw it and as the item's history
// shows it happened.
type story struct {
	scenario, impl, id string
	told               []string // what the users were told, in order
	history            []string // the item's history, in the order applied
	mark               int      // the history entry that is the violation
	why                string   // what that entry means
	end                string   // what the violation left behind
}

// transferStory tells the first update of alice's that landed after the
// transfer to bob. acked reports whether alice was told an update with
// that value succeeded.
func transferStory(id string, it *item, acked func(value string) bool) *story {
	owner := ""
	for i, e := range it.History {
		kind, who := parseEntry(e)
		switch kind {
		case logCreate, logTransfer:
			owner = who
			continue
		case logUpdate:
		default:
			continue
		}
		if who == owner {
			continue
		}
		value := entryArg(e)
		answer := "updated"
		if !acked(value) {
			answer = "no answer (the request timed out)"
		}
		return &story{
			scenario: "transfer", id: id, history: it.History, mark: i,
			told: []string{
				fmt.Sprintf("%s asked to transfer the item to %s, and was told: transferred.", alice, bob),
				fmt.Sprintf("%s asked to set the value to %q, and was told: %s.", who, value, answer),
			},
			why: fmt.Sprintf("%s no longer owned the item when this write landed", who),
			end: fmt.Sprintf("The item is %s's now (value %q), changed by %s after she gave it away: "+
				"her update had read the item before the transfer, and written after it.", it.Owner, it.Value, who),
		}
	}
	return nil
}

// lostUpdateStory tells two writers that were both told they wrote the
// version after 1, while the item shows only one of them.
func lostUpdateStory(id string, it *item) *story {
	var told []string
	mark := -1
	for i, e := range it.History {
		if kind, who := parseEntry(e); kind == logUpdate {
			version, device, _ := strings.Cut(entryArg(e), " ")
			told = append(told, fmt.Sprintf("%s's %s sent an update expecting version 1, and was told: saved as version %s.", who, device, version))
			mark = i
		}
	}
	if len(told) < 2 {
		return nil
	}
	return &story{
		scenario: "lost-update", id: id, history: it.History, mark: mark, told: told,
		why: "overwrote the other write, which had been acknowledged",
		end: fmt.Sprintf("The item is at version %d with the value %q: one of the two acknowledged writes is gone, "+
			"because both had checked the version before either wrote.", it.Version, it.Value),
	}
}

// entryArg returns what follows the user in a history entry.
func entryArg(e string) string {
	f := strings.SplitN(e, " ", 3)
	if len(f) < 3 {
		return ""
	}
	return f[2]
}

// narrate prints one violation of the run (the naive service's, in
// scenario order) and the conclusion.
func narrate(out io.Writer, results []result) {
	var s *story
	for _, r := range results {
		if r.story != nil && (s == nil || (s.impl != "naive" && r.impl == "naive")) {
			s = r.story
			s.impl = r.impl
		}
	}
	naive, guarded := totals(results)
	if s != nil {
		fmt.Fprintf(out, "\nOne violation from this run (scenario %s, %s service, item %s):\n", s.scenario, s.impl, s.id)
		for _, line := range s.told {
			fmt.Fprintf(out, "  - %s\n", line)
		}
		fmt.Fprintln(out, "  The item's history, in the order DynamoDB applied the writes:")
		printHistory(out, s)
		fmt.Fprintf(out, "  %s\n", s.end)
	}
	fmt.Fprintf(out, "\nIn short: the naive service's check was already stale when its write landed (%d violations); "+
		"ddbguard makes the check part of the write, and the guarded service had %d.\n", naive, guarded)
}

// printHistory prints the first entry and the few around the marked one,
// saying how many it leaves out.
func printHistory(out io.Writer, s *story) {
	from, to := max(1, s.mark-2), min(len(s.history)-1, s.mark+1)
	elided := func(n int) {
		if n > 0 {
			fmt.Fprintf(out, "       ... %d more writes\n", n)
		}
	}
	fmt.Fprintf(out, "       %s\n", s.history[0])
	elided(from - 1)
	for i := from; i <= to; i++ {
		if i == s.mark {
			fmt.Fprintf(out, "    => %-24s <- %s\n", s.history[i], s.why)
			continue
		}
		fmt.Fprintf(out, "       %s\n", s.history[i])
	}
	elided(len(s.history) - 1 - to)
}
