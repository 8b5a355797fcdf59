package ddbguard_test

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

const pfModelOps = 1500

var (
	pfModelKeys    = []string{"k0", "k1", "k2", "k3"}
	pfModelCallers = []string{"alice", "bob", "carol"}
)

// pfStep is one guarded operation. refused is the sentinel of a builder
// that must refuse it before any request; verdict says, from the model's
// state, "ok" or the sentinel, and whether the item is exposed. No write
// here is in doubt, so an identical earlier write is never taken for this
// one: it is the conflict it looks like.
type pfStep struct {
	desc, key, refused string
	verdict            func() (outcome string, expose bool)
	apply              func()
	run                func() error
	add                func(tx *ddbguard.Tx)
}

// pfModelRun drives random operations through a Guard (whose requests api
// counts) and through the model, items, side by side.
type pfModelRun struct {
	t     *testing.T
	env   *pfEnv
	g     *ddbguard.Guard
	api   *ddbguardtest.Faults
	r     *rand.Rand
	items map[string]map[string]types.AttributeValue
	tally pfTally
	seed  int64
	op    int
}

// TestModel_randomOperations_matchTheRulesAndTheTable runs seeded random
// sequences of Create, Update, Replace, Delete, Transfer, Get and
// transactions by several callers on four keys, and compares each
// outcome (success, or which sentinel, the failing index of a transaction,
// whether the item is exposed, how many requests were sent) with an
// in-memory model of the rules, and the table item by item with the model.
func TestModel_randomOperations_matchTheRulesAndTheTable(t *testing.T) {
	env := pfNewEnv(t, "model")
	api := &ddbguardtest.Faults{API: env.client}
	seed := pfSeedFor(t)
	m := &pfModelRun{t: t, env: env, g: env.guard(api), api: api, r: rand.New(rand.NewSource(seed)),
		items: map[string]map[string]types.AttributeValue{}, seed: seed}
	for m.op = 1; m.op <= pfModelOps; m.op++ {
		switch n := m.r.Intn(100); {
		case n < 8:
			m.play([]*pfStep{m.get()}, false)
		case n < 21:
			m.tx()
		default:
			m.play([]*pfStep{m.write(m.pick(pfModelKeys))}, false)
		}
		if m.op%100 == 0 {
			m.compareTable()
		}
	}
	m.compareTable()
	m.tally.report(t, fmt.Sprintf("%d operations checked against the model, table compared every 100", pfModelOps))
}

func (m *pfModelRun) pick(list []string) string { return list[m.r.Intn(len(list))] }

// caller returns the key's owner more often than not, so that writes get
// past the guard often enough to test what follows it.
func (m *pfModelRun) caller(key string) string {
	if owner := pfStr(m.items[key], pfOwner); owner != "" && m.r.Intn(10) < 6 {
		return owner
	}
	return m.pick(pfModelCallers)
}

// write returns a random write of key: create, update (twice as often),
// replace, or delete or transfer.
func (m *pfModelRun) write(key string) *pfStep {
	kinds := []func(string, string) *pfStep{m.create, m.update, m.update, m.replace, m.ownerOnly}
	return kinds[m.r.Intn(len(kinds))](m.caller(key), key)
}

// play runs steps, one alone or several as one transaction, checks the
// outcome with the model's, then applies the steps to the model if they
// succeeded.
func (m *pfModelRun) play(steps []*pfStep, inTx bool) {
	desc, want, index, expose, requests := "", "ok", -1, false, 1
	for i, s := range steps {
		desc += s.desc + "; "
		if s.refused != "" && requests == 1 {
			want, index, requests = s.refused, i, 0
		}
	}
	for i := 0; i < len(steps) && requests == 1 && index < 0; i++ {
		if outcome, exp := steps[i].verdict(); outcome != "ok" {
			want, index, expose = outcome, i, exp
		}
	}
	var pre map[string]types.AttributeValue
	if index >= 0 {
		pre = pfCopy(m.items[steps[index].key])
	}
	run := steps[0].run
	if inTx {
		tx := ddbguard.NewTx(m.api)
		for _, s := range steps {
			s.add(tx)
		}
		run, desc = func() error { return tx.Run(m.env.ctx) }, "tx: "+desc
	} else {
		index = -1
	}
	before := m.api.Calls()
	err := run()
	m.check(desc, err, want, index, expose, pre, m.api.Calls()-before, requests)
	for _, s := range steps {
		if want == "ok" {
			s.apply()
		}
	}
}

// tx runs two or three writes or policy checks, on distinct keys but now
// and then the same key twice (refused), in one transaction.
func (m *pfModelRun) tx() {
	keys := m.r.Perm(len(pfModelKeys))
	var steps []*pfStep
	for i := 0; i < 2+m.r.Intn(2); i++ {
		key := pfModelKeys[keys[i]]
		s := m.check1(key)
		if m.r.Intn(10) != 0 {
			s = m.write(key)
		}
		steps = append(steps, s)
	}
	if m.r.Intn(25) == 0 {
		dup := m.update(m.caller(steps[0].key), steps[0].key)
		if dup.refused == "" { // a builder's own refusal comes first
			dup.refused = "ErrInvalidInput"
		}
		steps = append(steps, dup)
	}
	m.play(steps, true)
}

// get reads an item as a caller: owners and editors see all of it.
func (m *pfModelRun) get() *pfStep {
	key := m.pick(pfModelKeys)
	caller := m.caller(key)
	return &pfStep{desc: fmt.Sprintf("get %s by %s", key, caller), key: key, apply: func() {},
		verdict: func() (string, bool) { return m.guardVerdict(caller, key, true, nil) },
		run: func() error {
			var out pfRaw
			err := m.g.Get(m.env.ctx, caller, pfKey(key), &out)
			if err == nil && !pfEqualItems(out, m.items[key]) {
				m.fail("get %s by %s returned %s, model has %s", key, caller, pfShow(out), pfShow(m.items[key]))
			}
			return err
		}}
}

// check compares one outcome with the model's.
func (m *pfModelRun) check(desc string, err error, want string, index int, expose bool, pre map[string]types.AttributeValue, sent, requests int) {
	kind, _, _ := strings.Cut(desc, " ")
	var e *ddbguard.Error
	switch m.tally.note(kind, err); {
	case pfErrName(err) != want:
		m.fail("%s: got %s (%v), model says %s; model item before: %s", desc, pfErrName(err), err, want, pfShow(pre))
	case sent != requests:
		m.fail("%s: %d requests sent, want %d", desc, sent, requests)
	case err == nil || !errors.As(err, &e):
	case e.Index != index:
		m.fail("%s: Index %d, want %d", desc, e.Index, index)
	case expose != (e.Item != nil) || (expose && !pfEqualItems(e.Item, pre)):
		m.fail("%s: error item %s, want exposed=%v of %s", desc, pfShow(e.Item), expose, pfShow(pre))
	}
}

// compareTable compares every item of the table with the model.
func (m *pfModelRun) compareTable() {
	table := m.env.scan()
	for _, k := range pfModelKeys {
		if !pfEqualItems(table[k], m.items[k]) {
			m.fail("table and model differ at %s: table %s, model %s", k, pfShow(table[k]), pfShow(m.items[k]))
		}
	}
	if len(table) > len(pfModelKeys) {
		m.fail("table has %d items", len(table))
	}
}

func (m *pfModelRun) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("op %d (seed %d): %s", m.op, m.seed, fmt.Sprintf(format, args...))
}

// guardVerdict is the common classification of a write that needs the item
// to exist and be the caller's (or, with editors, an editor's), at version
// v when given.
func (m *pfModelRun) guardVerdict(caller, key string, editors bool, v *int64) (string, bool) {
	it := m.items[key]
	switch {
	case it == nil:
		return "ErrNotFound", false
	case pfStr(it, pfOwner) != caller && !(editors && pfContains(pfSetOf(it[pfEditors]), caller)):
		return "ErrNotOwner", false
	case v != nil && pfNum(it, pfVer) != *v:
		return "ErrConflict", true
	}
	return "ok", false
}

// pfIfVersion applies IfVersion(*v) through set when v is not nil.
func pfIfVersion[T any](s *pfStep, v *int64, set func(int64) T) {
	if v != nil {
		set(*v)
		s.desc += fmt.Sprintf(" if ver=%d", *v)
	}
}

// version returns an IfVersion argument near the key's version, or nil.
func (m *pfModelRun) version(key string) *int64 {
	if m.r.Intn(2) == 0 {
		return nil
	}
	v := pfNum(m.items[key], pfVer) + []int64{-1, 0, 0, 0, 1}[m.r.Intn(5)]
	if m.items[key] == nil {
		v = 1 + m.r.Int63n(3)
	}
	return &v
}

// check1 is a policy check in a transaction: the item's val must be "a".
func (m *pfModelRun) check1(key string) *pfStep {
	c := m.g.Check(pfKey(key), expression.Name("val").Equal(expression.Value("a")))
	return &pfStep{desc: "check " + key + " val=a", key: key,
		verdict: func() (string, bool) {
			if pfStr(m.items[key], "val") == "a" {
				return "ok", false
			}
			return "ErrForbidden", false
		},
		apply: func() {}, add: func(tx *ddbguard.Tx) { tx.Check(c) }}
}

// item returns a new item for key with a random val, and editors half of
// the time.
func (m *pfModelRun) item(key string) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{pfPK: pfS(key), "val": pfS(m.pick([]string{"a", "b"})), pfCreated: pfS("t0")}
	if m.r.Intn(2) == 0 {
		it[pfEditors] = pfSS(m.pick(pfModelCallers))
	}
	return it
}

// change returns a step that applies fn to a copy of the item and bumps
// its version, as every guarded update does.
func (m *pfModelRun) change(key string, fn func(it map[string]types.AttributeValue)) func() {
	return func() {
		it := pfCopy(m.items[key])
		fn(it)
		it[pfVer] = pfN(pfNum(it, pfVer) + 1)
		m.items[key] = it
	}
}

func (m *pfModelRun) create(caller, key string) *pfStep {
	it := m.item(key)
	s := &pfStep{key: key}
	if m.r.Intn(15) == 0 {
		it[pfOwner] = pfS(m.pick(pfModelCallers)) // naming oneself is allowed
		if pfStr(it, pfOwner) != caller {
			s.refused = "ErrProtectedAttribute"
		}
	}
	s.desc = fmt.Sprintf("create %s by %s %s", key, caller, pfShow(it))
	c := m.g.Create(caller, pfCopy(it))
	stored := pfCopy(it)
	stored[pfOwner], stored[pfVer] = pfS(caller), pfN(1)
	s.verdict = func() (string, bool) {
		switch old := m.items[key]; {
		case old == nil:
			return "ok", false
		default:
			return "ErrAlreadyExists", pfStr(old, pfOwner) == caller
		}
	}
	s.apply = func() { m.items[key] = stored }
	s.run, s.add = func() error { return c.Run(m.env.ctx) }, func(tx *ddbguard.Tx) { tx.Create(c) }
	return s
}

// update sets val, and maybe adds to n, removes or sets note, or names a
// guarded attribute (refused), with or without IfVersion.
func (m *pfModelRun) update(caller, key string) *pfStep {
	val, add, v, u := m.pick([]string{"a", "b", "c"}), int64(0), m.version(key), m.g.Update(caller, pfKey(key))
	sets, removes := map[string]types.AttributeValue{"val": pfS(val)}, ""
	switch n := m.r.Intn(10); {
	case n < 3:
		add = 1 + m.r.Int63n(2)
		u.Add("n", add)
	case n < 5:
		removes = "note"
		u.Remove(removes)
	case n < 7:
		sets["note"] = pfS(m.pick([]string{"x", "y"}))
	}
	for name, av := range sets {
		u.Set(name, av)
	}
	s := &pfStep{key: key, desc: fmt.Sprintf("update %s by %s: set %s add n %d remove %q", key, caller, pfShow(sets), add, removes)}
	if m.r.Intn(30) == 0 {
		guarded := m.pick([]string{pfOwner, pfCreated, pfVer, pfEditors, pfPK})
		u.Set(guarded, "x")
		s.refused, s.desc = "ErrProtectedAttribute", s.desc+" and "+guarded
	}
	pfIfVersion(s, v, u.IfVersion)
	edit := func(it map[string]types.AttributeValue) {
		for name, av := range sets {
			it[name] = av
		}
		delete(it, removes)
		if add != 0 {
			it["n"] = pfN(pfNum(it, "n") + add)
		}
	}
	s.verdict = func() (string, bool) { return m.guardVerdict(caller, key, true, v) }
	s.apply = m.change(key, edit)
	s.run, s.add = func() error { return u.Run(m.env.ctx) }, func(tx *ddbguard.Tx) { tx.Update(u) }
	return s
}

// replace writes a new item, usually carrying the stored created_at and
// editors, which a Replace must keep.
func (m *pfModelRun) replace(caller, key string) *pfStep {
	it, old, v := m.item(key), m.items[key], m.version(key)
	if m.r.Intn(6) != 0 {
		delete(it, pfEditors)
		for _, name := range []string{pfCreated, pfEditors} {
			if av, ok := old[name]; ok {
				it[name] = av
			}
		}
	}
	if v == nil && m.r.Intn(5) != 0 {
		v = new(int64)
		*v = pfNum(old, pfVer)
	}
	s := &pfStep{desc: fmt.Sprintf("replace %s by %s with %s", key, caller, pfShow(it)), key: key}
	r := m.g.Replace(caller, pfCopy(it))
	if pfIfVersion(s, v, r.IfVersion); v == nil {
		s.refused = "ErrInvalidInput" // a versioned table needs IfVersion
	}
	kept := func(it map[string]types.AttributeValue) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"c": it[pfCreated], "e": it[pfEditors]}
	}
	s.verdict = func() (string, bool) {
		outcome, expose := m.guardVerdict(caller, key, false, v)
		if outcome == "ok" && !pfEqualItems(kept(m.items[key]), kept(it)) {
			return "ErrProtectedAttribute", true
		}
		return outcome, expose
	}
	s.apply = func() {
		stored := pfCopy(it)
		stored[pfOwner], stored[pfVer] = pfS(caller), pfN(*v+1)
		m.items[key] = stored
	}
	s.run, s.add = func() error { return r.Run(m.env.ctx) }, func(tx *ddbguard.Tx) { tx.Replace(r) }
	return s
}

// ownerOnly is a Delete or a Transfer: the owner's alone.
func (m *pfModelRun) ownerOnly(caller, key string) *pfStep {
	v, s, to := m.version(key), &pfStep{key: key}, m.pick(pfModelCallers)
	s.verdict = func() (string, bool) { return m.guardVerdict(caller, key, false, v) }
	if m.r.Intn(2) == 0 {
		d := m.g.Delete(caller, pfKey(key))
		pfIfVersion(s, v, d.IfVersion)
		s.desc, s.apply = fmt.Sprintf("delete %s by %s", key, caller)+s.desc, func() { delete(m.items, key) }
		s.run, s.add = func() error { return d.Run(m.env.ctx) }, func(tx *ddbguard.Tx) { tx.Delete(d) }
		return s
	}
	u := m.g.Transfer(caller, pfKey(key), to)
	pfIfVersion(s, v, u.IfVersion)
	s.desc = fmt.Sprintf("transfer %s by %s to %s", key, caller, to) + s.desc
	s.apply = m.change(key, func(it map[string]types.AttributeValue) { it[pfOwner] = pfS(to); delete(it, pfEditors) })
	s.run, s.add = func() error { return u.Run(m.env.ctx) }, func(tx *ddbguard.Tx) { tx.Update(u) }
	return s
}
