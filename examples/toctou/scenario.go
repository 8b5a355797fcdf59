package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The users the scenarios play.
const (
	alice = "alice"
	bob   = "bob"
)

// scenario is one attack, run round after round against an implementation.
// A round seeds fresh items, runs the attack concurrently (the timed part)
// and returns the violations the checker finds in the final state.
type scenario struct {
	name  string
	about string
	round func(ctx context.Context, e *env, svc Items, t *tally, id string) (violations int, err error)
}

// scenarios are the four attacks, in the order the demo runs them.
var scenarios = []scenario{
	{"transfer", "ownership transferred while the old owner's updates are in flight", transferRound},
	{"recreate", "item deleted and re-created by another user while updates are in flight", recreateRound},
	{"lost-update", "two writers with the same expected version", lostUpdateRound},
	{"create-race", "two users create the same id at once", createRaceRound},
}

// tally counts the operations of one scenario run; safe for concurrent use.
type tally struct {
	attempts atomic.Int64
	busy     time.Duration // time spent attacking, excluding seeding and checks

	mu    sync.Mutex
	err   error  // the first answer that was neither success nor refusal
	story *story // the first violation, told for the demo's narration
}

// keep records s as the run's example violation unless one is kept.
func (t *tally) keep(s *story) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.story == nil {
		t.story = s
	}
}

// do records the outcome of one operation and reports whether it succeeded.
func (t *tally) do(err error) bool {
	t.attempts.Add(1)
	if err == nil {
		return true
	}
	if !isRefusal(err) {
		t.mu.Lock()
		if t.err == nil {
			t.err = err
		}
		t.mu.Unlock()
	}
	return false
}

// timed runs the attack phase f and adds its duration to busy.
func (t *tally) timed(f func()) {
	start := time.Now()
	f()
	t.busy += time.Since(start)
}

// lead is how long the attack lets the victim's requests run before the
// other side acts, so that some are between their check and their use.
func (e *env) lead() time.Duration { return e.cfg.think + 3*time.Millisecond }

// hammer runs n workers that each call op in a loop until stop is closed,
// and returns a function that waits for them.
func hammer(n int, stop <-chan struct{}, op func(worker, i int)) (wait func()) {
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				op(w, i)
			}
		}()
	}
	return wg.Wait
}

// transferRound: alice's updates are in flight when she transfers the item
// to bob. No update of hers may land after the transfer.
func transferRound(ctx context.Context, e *env, svc Items, t *tally, id string) (int, error) {
	if err := e.seed(ctx, id, alice); err != nil {
		return 0, err
	}
	var acked sync.Map // the values of the updates alice was told succeeded
	transferred := false
	t.timed(func() {
		stop := make(chan struct{})
		wait := hammer(e.cfg.workers, stop, func(w, i int) {
			value := fmt.Sprintf("w%d-%d", w, i)
			if t.do(svc.Update(ctx, alice, id, value)) {
				acked.Store(value, true)
			}
		})
		time.Sleep(e.lead())
		transferred = t.do(svc.Transfer(ctx, alice, id, bob))
		time.Sleep(e.cfg.think)
		close(stop)
		wait()
	})
	it, err := e.load(ctx, id)
	v := staleWrites(it)
	if v > 0 && transferred {
		t.keep(transferStory(id, it, func(value string) bool { _, ok := acked.Load(value); return ok }))
	}
	return v, err
}

// recreateRound: alice's updates are in flight when she deletes the item
// and bob creates a new one under the same id. None of alice's updates may
// touch bob's item or bring the deleted one back, and bob's item must be
// his.
func recreateRound(ctx context.Context, e *env, svc Items, t *tally, id string) (int, error) {
	if err := e.seed(ctx, id, alice); err != nil {
		return 0, err
	}
	created := false
	t.timed(func() {
		stop := make(chan struct{})
		wait := hammer(e.cfg.workers, stop, func(w, i int) {
			t.do(svc.Update(ctx, alice, id, fmt.Sprintf("w%d-%d", w, i)))
		})
		time.Sleep(e.lead())
		t.do(svc.Delete(ctx, alice, id))
		// bob retries a few times, as a user would on "already exists"
		// when the id was just freed.
		for try := 0; try < 3 && !created; try++ {
			created = t.do(svc.Create(ctx, bob, id))
		}
		time.Sleep(e.cfg.think)
		close(stop)
		wait()
	})
	it, err := e.load(ctx, id)
	v := staleWrites(it)
	if created && (it == nil || it.Owner != bob) {
		v++ // bob was told "created", but the item is not his
	}
	return v, err
}

// lostUpdateRound: pairs of writers send an update expecting version 1 at
// the same moment; at most one of each pair may succeed.
func lostUpdateRound(ctx context.Context, e *env, svc Items, t *tally, id string) (int, error) {
	ids := e.pairIDs(id)
	for _, pid := range ids {
		if err := e.seed(ctx, pid, alice); err != nil {
			return 0, err
		}
	}
	acked := make([]atomic.Int64, len(ids))
	t.timed(func() {
		var wg sync.WaitGroup
		for p, pid := range ids {
			for _, device := range []string{"phone", "laptop"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if t.do(svc.UpdateIfVersion(ctx, alice, pid, 1, device)) {
						acked[p].Add(1)
					}
				}()
			}
		}
		wg.Wait()
	})
	v := 0
	for p, pid := range ids {
		it, err := e.load(ctx, pid)
		if err != nil {
			return v, err
		}
		lost := lostUpdates(it, 1, int(acked[p].Load()))
		if lost > 0 && it != nil {
			t.keep(lostUpdateStory(pid, it))
		}
		v += lost
	}
	return v, nil
}

// createRaceRound: pairs of users create the same id at the same moment;
// at most one of each pair may be told "created", and that one must own
// the item.
func createRaceRound(ctx context.Context, e *env, svc Items, t *tally, id string) (int, error) {
	ids := e.pairIDs(id)
	created := make([][2]atomic.Bool, len(ids))
	users := [2]string{alice, bob}
	t.timed(func() {
		var wg sync.WaitGroup
		for p, pid := range ids {
			for u, user := range users {
				wg.Add(1)
				go func() {
					defer wg.Done()
					created[p][u].Store(t.do(svc.Create(ctx, user, pid)))
				}()
			}
		}
		wg.Wait()
	})
	v := 0
	for p, pid := range ids {
		it, err := e.load(ctx, pid)
		if err != nil {
			return v, err
		}
		for u, user := range users {
			if created[p][u].Load() {
				v += falseCreates(it, user)
			}
		}
	}
	return v, nil
}

// pairIDs returns one id per pair of workers (at least one) for a round.
func (e *env) pairIDs(id string) []string {
	ids := make([]string, max(1, e.cfg.workers/2))
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-p%d", id, i)
	}
	return ids
}
