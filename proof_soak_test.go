package ddbguard_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

var (
	pfSeed = flag.Int64("seed", 0, "seed of the model-based and soak tests; 0 picks one from the clock")
	pfSoak = flag.Bool("soak", false, "run TestSoak: 16 workers for 60 s, then 30 s with faults, against DynamoDB (make soak)")
)

// pfSeedFor returns the seed to use and logs how to reproduce the run.
func pfSeedFor(t *testing.T) int64 {
	seed := *pfSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (reproduce with: go test -run '^%s$' -seed=%d .)", seed, t.Name(), seed)
	return seed
}

// pfRaw receives, through Value or Get, an item exactly as it is stored.
type pfRaw map[string]types.AttributeValue

// UnmarshalDynamoDBAttributeValue keeps the item's attribute values.
func (r *pfRaw) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return fmt.Errorf("not an item: %T", av)
	}
	*r = m.Value
	return nil
}

// pfEvent is a write its caller was told succeeded. Every item carries a
// generation (gen: the id of the create that made it) and a version; a
// successful write names the version it produced, or, for a delete, the
// version it removed.
type pfEvent struct {
	key, gen, caller, kind, op string
	ver                        int64
	to                         string // a transfer's new owner
	old                        pfRaw  // what a delete removed
}

// pfMixed runs random guarded operations from many workers on a few keys,
// with no coordination, and logs every success for the final check.
type pfMixed struct {
	env     *pfEnv
	api     ddbguard.API
	g       *ddbguard.Guard
	keys    []string
	callers []string
	faulty  bool // transport failures are injected and tolerated
	tally   pfTally
	mu      sync.Mutex
	events  []pfEvent
	ops     int
}

// pfCached is what a worker last saw of a key.
type pfCached struct {
	gen string
	ver int64
}

func (s *pfMixed) log(e pfEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

// outcome records an attempt, and a violation for any outcome but the
// allowed sentinels (or, when faulty, an injected transport failure).
func (s *pfMixed) outcome(kind string, err error) {
	s.tally.note(kind, err)
	var inj *ddbguardtest.InjectedError
	switch name := pfErrName(err); {
	case name == "ok", name == "sdk" && s.faulty && errors.As(err, &inj) && inj.Fault != ddbguardtest.LostResponse:
	case name == "ErrNotOwner", name == "ErrNotFound":
		if pfErrItem(err) != nil {
			s.tally.violate("%s: %s exposed the item", kind, name)
		}
	case name == "ErrConflict", name == "ErrAlreadyExists", name == "ErrProtectedAttribute" && kind == "replace":
	default:
		s.tally.violate("%s: unexpected %v", kind, err)
	}
}

// worker runs ops operations, or until the deadline, as caller.
func (s *pfMixed) worker(w int, seed int64, ops int, deadline time.Time) {
	r := rand.New(rand.NewSource(seed + int64(w)))
	caller := s.callers[w%len(s.callers)]
	seen := map[string]pfCached{}
	for n := 0; n < ops && time.Now().Before(deadline); n++ {
		key, op := s.keys[r.Intn(len(s.keys))], fmt.Sprintf("w%d.%d", w, n)
		for i, off := 0, r.Intn(len(s.keys)); i < len(s.keys) && r.Intn(2) == 0; i++ {
			if k := s.keys[(off+i)%len(s.keys)]; seen[k].gen != "" {
				key = k // usually an item the worker has seen: its caller may own it
				break
			}
		}
		c, cached := seen[key]
		var row pfRaw
		var err error
		kind := []string{"create", "update", "update", "transfer", "replace", "delete", "tx", "get"}[r.Intn(8)]
		switch kind {
		case "create":
			item := map[string]types.AttributeValue{pfPK: pfS(key), "gen": pfS(op), "last_op": pfS(op), pfCreated: pfS(op)}
			if err = s.g.Create(caller, item).Run(s.env.ctx); err == nil {
				row = pfRaw{"gen": pfS(op), pfVer: pfN(1)}
				s.log(pfEvent{key: key, gen: op, caller: caller, kind: kind, op: op, ver: 1})
			}
		case "update", "transfer":
			u := s.g.Update(caller, pfKey(key)).Add("cnt_"+caller, 1)
			to := s.callers[r.Intn(len(s.callers))]
			if kind == "transfer" {
				u = s.g.Transfer(caller, pfKey(key), to)
			}
			if u.Set("last_op", op); cached && r.Intn(2) == 0 {
				u.IfVersion(c.ver)
			}
			if err = u.Value(s.env.ctx, &row); err == nil {
				s.log(pfEvent{key: key, gen: pfStr(row, "gen"), caller: caller, kind: kind, op: op, ver: pfNum(row, pfVer), to: to})
			}
		case "replace", "get":
			if err = s.g.Get(s.env.ctx, caller, pfKey(key), &row); err != nil || kind == "get" {
				break
			}
			item := pfCopy(row)
			item["last_op"] = pfS(op)
			if err = s.g.Replace(caller, item).IfVersion(pfNum(row, pfVer)).Run(s.env.ctx); err == nil {
				row[pfVer] = pfN(pfNum(row, pfVer) + 1)
				s.log(pfEvent{key: key, gen: pfStr(row, "gen"), caller: caller, kind: kind, op: op, ver: pfNum(row, pfVer)})
			}
		case "delete":
			d := s.g.Delete(caller, pfKey(key))
			if cached && r.Intn(2) == 0 {
				d.IfVersion(c.ver)
			}
			if err = d.Value(s.env.ctx, &row); err == nil {
				s.log(pfEvent{key: key, gen: pfStr(row, "gen"), caller: caller, kind: kind, op: op, ver: pfNum(row, pfVer), old: row})
				row = nil
			}
		case "tx":
			var other string
			for i, off := 0, r.Intn(len(s.keys)); i < len(s.keys) && other == ""; i++ {
				if k := s.keys[(off+i)%len(s.keys)]; k != key && seen[k].gen != "" {
					other = k
				}
			}
			o := seen[other]
			if !cached || other == "" {
				continue
			}
			tx := ddbguard.NewTx(s.api)
			for _, k := range []struct {
				key string
				c   pfCached
			}{{key, c}, {other, o}} {
				tx.Update(s.g.Update(caller, pfKey(k.key)).Add("cnt_"+caller, 1).Set("last_op", op).IfVersion(k.c.ver).
					If(expression.Name("gen").Equal(expression.Value(k.c.gen))))
			}
			if err = tx.Run(s.env.ctx); err == nil {
				s.log(pfEvent{key: key, gen: c.gen, caller: caller, kind: kind, op: op, ver: c.ver + 1})
				s.log(pfEvent{key: other, gen: o.gen, caller: caller, kind: kind, op: op, ver: o.ver + 1})
				seen[other] = pfCached{o.gen, o.ver + 1}
				row = pfRaw{"gen": pfS(c.gen), pfVer: pfN(c.ver + 1)}
			}
		}
		s.outcome(kind, err)
		if it := pfErrItem(err); it != nil {
			row = it
		}
		if row != nil && (err == nil || pfErrItem(err) != nil) {
			seen[key] = pfCached{pfStr(row, "gen"), pfNum(row, pfVer)}
		} else {
			delete(seen, key)
		}
		s.mu.Lock()
		s.ops++
		s.mu.Unlock()
	}
}

// verify replays, generation by generation, the writes that were reported
// successful against the table read back: versions must follow each other
// with no gap (a write that landed unreported) and no repeat (a write
// reported but lost); each must come from the owner of the moment; and the
// live item, or the one a delete removed, must hold exactly the owner,
// version, last write and per-caller counters the replay predicts.
func (s *pfMixed) verify() {
	table := s.env.scan()
	byGen := map[string][]pfEvent{}
	for _, e := range s.events {
		byGen[e.gen] = append(byGen[e.gen], e)
	}
	for gen, evs := range byGen {
		sort.SliceStable(evs, func(i, j int) bool {
			return evs[i].ver < evs[j].ver || (evs[i].ver == evs[j].ver && evs[j].kind == "delete" && evs[i].kind != "delete")
		})
		first := evs[0]
		if first.kind != "create" || first.op != gen || first.ver != 1 {
			s.tally.violate("generation %s starts with %+v, not its create", gen, first)
			continue
		}
		owner, ver, lastOp, counts, gone := first.caller, int64(1), gen, map[string]int64{}, pfRaw(nil)
		for _, e := range evs[1:] {
			switch {
			case gone != nil:
				s.tally.violate("%s: %s %s by %s at version %d after the delete", gen, e.kind, e.op, e.caller, e.ver)
			case e.caller != owner:
				s.tally.violate("%s: %s %s by %s landed while %s owned the item", gen, e.kind, e.op, e.caller, owner)
			case e.kind == "delete":
				if gone = e.old; e.ver != ver {
					s.tally.violate("%s: delete %s removed version %d, the replay is at %d", gen, e.op, e.ver, ver)
				}
			case e.ver != ver+1:
				s.tally.violate("%s: %s %s by %s produced version %d after %d: a write was lost or unreported", gen, e.kind, e.op, e.caller, e.ver, ver)
			}
			if e.kind != "delete" {
				ver, lastOp = e.ver, e.op
			}
			switch e.kind {
			case "update", "tx":
				counts[e.caller]++
			case "transfer":
				owner = e.to
			}
		}
		item := gone
		if item == nil {
			if item = table[first.key]; pfStr(item, "gen") != gen {
				s.tally.violate("%s: not deleted, but %s holds %s", gen, first.key, pfShow(item))
				continue
			}
		}
		ok := pfStr(item, pfOwner) == owner && pfNum(item, pfVer) == ver && pfStr(item, "last_op") == lastOp
		for _, c := range s.callers {
			ok = ok && pfNum(item, "cnt_"+c) == counts[c]
		}
		if !ok {
			s.tally.violate("%s: item %s; the replay says owner %s, version %d, last op %s, counters %v", gen, pfShow(item), owner, ver, lastOp, counts)
		}
	}
	for key, item := range table {
		if byGen[pfStr(item, "gen")] == nil {
			s.tally.violate("%s holds %s, which no reported create made", key, pfShow(item))
		}
	}
}

// pfRunMixed runs workers for ops operations each (or until d passes) and
// checks the invariant. With faults, one attempt in ten fails with one of
// them before reaching DynamoDB.
func pfRunMixed(t *testing.T, name string, workers, ops int, d time.Duration, faults ...ddbguardtest.Fault) {
	env, seed := pfNewEnv(t, name), pfSeedFor(t)
	var api ddbguard.API = env.client
	if len(faults) > 0 {
		api = &ddbguardtest.Faults{API: env.client, Inject: ddbguardtest.Random(seed, 0.1, faults...)}
	}
	s := &pfMixed{env: env, api: api, g: env.guard(api), faulty: len(faults) > 0,
		keys: []string{"k0", "k1", "k2", "k3", "k4", "k5"}, callers: []string{"alice", "bob", "carol", "dave"}}
	start := time.Now()
	pfGo(workers, func(w int) { s.worker(w, seed, ops, start.Add(d)) })
	elapsed := time.Since(start)
	s.verify()
	t.Logf("%d workers, %d operations in %s (%.0f ops/s), %d successful writes replayed against the table",
		workers, s.ops, elapsed.Round(time.Millisecond), float64(s.ops)/elapsed.Seconds(), len(s.events))
	if f, ok := api.(*ddbguardtest.Faults); ok {
		byFault := map[string]int{}
		for _, in := range f.Injected() {
			byFault[in.Fault.String()]++
		}
		t.Logf("faults injected: %v", byFault)
	}
	s.tally.report(t, strings.ReplaceAll(name, "_", " "))
}

// TestMixedConcurrentOps_versionChainsHold_noUnauthorizedOrLostWrite races
// four callers' creates, updates, transfers, replaces, deletes, reads and
// transactions on six keys, then replays every reported success against
// the table (see verify).
func TestMixedConcurrentOps_versionChainsHold_noUnauthorizedOrLostWrite(t *testing.T) {
	pfRunMixed(t, "mixed", 8, 400, time.Hour)
}

// TestMixedConcurrentOps_withTransportFaults_noFaultedWriteLands does the
// same through an API that fails one attempt in ten before it reaches
// DynamoDB: a write reported failed must leave no trace, which the replay
// would show as a version nobody was told of.
func TestMixedConcurrentOps_withTransportFaults_noFaultedWriteLands(t *testing.T) {
	pfRunMixed(t, "mixed_faults", 8, 250, time.Hour, pfTransportFaults...)
}

// pfTransportFaults are the faults that fail a call before DynamoDB sees
// it.
var pfTransportFaults = []ddbguardtest.Fault{ddbguardtest.Throttling, ddbguardtest.ThroughputExceeded,
	ddbguardtest.ServerError, ddbguardtest.Timeout, ddbguardtest.Canceled}

// TestSoak runs the mixed concurrent operations with 16 workers for 60
// seconds, then 30 more with transport faults, and replays and checks
// them; it runs only with -soak (make soak).
func TestSoak(t *testing.T) {
	if !*pfSoak {
		t.Skip("run with -soak (make soak)")
	}
	t.Run("no faults", func(t *testing.T) { pfRunMixed(t, "soak", 16, 1<<30, 60*time.Second) })
	t.Run("transport faults", func(t *testing.T) {
		pfRunMixed(t, "soak_faults", 16, 1<<30, 30*time.Second, pfTransportFaults...)
	})
}
