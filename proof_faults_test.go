package ddbguard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// pfFaultItem is the item every fault case starts from: alice owns it at
// version 1 and carol may edit it.
func pfFaultItem(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		pfPK: pfS(pk), pfOwner: pfS("alice"), pfVer: pfN(1), pfCreated: pfS("t0"),
		"val": pfS("v0"), pfEditors: pfSS("carol"),
	}
}

// pfFaultOp is one guarded operation run through a faulty API; applied
// tells from the item after it whether its write reached the table.
type pfFaultOp struct {
	name    string
	seed    bool // start from pfFaultItem
	run     func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error
	applied func(after map[string]types.AttributeValue) bool
}

func pfFaultOps() []pfFaultOp {
	val := func(v string) func(map[string]types.AttributeValue) bool {
		return func(after map[string]types.AttributeValue) bool { return pfStr(after, "val") == v }
	}
	key := func(pk string) ddbguard.Key { return ddbguard.Key{PK: pk} }
	return []pfFaultOp{
		{"create", false, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Create("alice", map[string]types.AttributeValue{pfPK: pfS(pk), "val": pfS("new"), pfCreated: pfS("t0")}).Run(ctx)
		}, func(after map[string]types.AttributeValue) bool { return after != nil }},
		{"update by owner", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Update("alice", key(pk)).Set("val", "u").IfVersion(1).Run(ctx)
		}, val("u")},
		{"update by editor", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Update("carol", key(pk)).Set("val", "c").Run(ctx)
		}, val("c")},
		{"update by non-owner", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Update("bob", key(pk)).Set("val", "b").Run(ctx)
		}, val("b")},
		{"replace", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Replace("alice", map[string]types.AttributeValue{pfPK: pfS(pk), "val": pfS("r"), pfCreated: pfS("t0"), pfEditors: pfSS("carol")}).IfVersion(1).Run(ctx)
		}, val("r")},
		{"delete", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Delete("alice", key(pk)).Run(ctx)
		}, func(after map[string]types.AttributeValue) bool { return after == nil }},
		{"transfer", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return g.Transfer("alice", key(pk), "dave").Run(ctx)
		}, func(after map[string]types.AttributeValue) bool { return pfStr(after, pfOwner) == "dave" }},
		{"tx", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			return ddbguard.NewTx(api).Update(g.Update("alice", key(pk)).Set("val", "x")).
				Create(g.Create("alice", map[string]types.AttributeValue{pfPK: pfS(pk + "-tx")})).Run(ctx)
		}, val("x")},
		{"get", true, func(ctx context.Context, g *ddbguard.Guard, api ddbguard.API, pk string) error {
			var out map[string]any
			return g.Get(ctx, "alice", key(pk), &out)
		}, func(map[string]types.AttributeValue) bool { return false }},
	}
}

// pfFaultStatus is the HTTP status each fault must map to.
var pfFaultStatus = map[ddbguardtest.Fault]int{
	ddbguardtest.Throttling:         http.StatusServiceUnavailable,
	ddbguardtest.ThroughputExceeded: http.StatusServiceUnavailable,
	ddbguardtest.ServerError:        http.StatusInternalServerError,
	ddbguardtest.Timeout:            http.StatusGatewayTimeout,
	ddbguardtest.Canceled:           http.StatusInternalServerError,
	ddbguardtest.LostResponse:       http.StatusInternalServerError,
}

// TestFaults_injectedFailure_isNeverAnOwnershipVerdict runs every guarded
// operation against DynamoDB Local through an API that fails, and checks
// that the failure is reported as a transport failure (Err nil, Cause set),
// never as ErrNotOwner, ErrNotFound, ErrConflict or ErrAlreadyExists, with
// the right HTTP status and no audit event, and that only a lost response
// leaves its write applied.
func TestFaults_injectedFailure_isNeverAnOwnershipVerdict(t *testing.T) {
	env := pfNewEnv(t, "faults")
	var tally pfTally
	for fault := range pfFaultStatus {
		for i, op := range pfFaultOps() {
			pk := fmt.Sprintf("%s-%d", fault, i)
			if op.seed {
				env.seed(pfFaultItem(pk))
			}
			before := env.read(pk)
			faults := &ddbguardtest.Faults{API: env.client, Inject: ddbguardtest.Always(fault)}
			var audits int
			var mu sync.Mutex
			g := env.guard(faults, ddbguard.WithAudit(func(context.Context, ddbguard.AuditEvent) {
				mu.Lock()
				audits++
				mu.Unlock()
			}))
			err := op.run(env.ctx, g, faults, pk)
			tally.note(fault.String(), err)

			var e *ddbguard.Error
			var inj *ddbguardtest.InjectedError
			var ccf *types.ConditionalCheckFailedException
			switch {
			case !errors.As(err, &e):
				tally.violate("%s / %s: got %v, want an *Error", fault, op.name, err)
				continue
			case e.Err != nil || e.Cause == nil:
				tally.violate("%s / %s: Err=%v Cause=%v, want Err nil and Cause set", fault, op.name, e.Err, e.Cause)
			case !errors.As(err, &inj) || inj.Fault != fault:
				tally.violate("%s / %s: the injected error is not in the chain: %v", fault, op.name, err)
			case errors.As(err, &ccf) || e.Item != nil:
				tally.violate("%s / %s: a condition failure or an item is reported", fault, op.name)
			}
			for _, s := range pfSentinels {
				if errors.Is(err, s.err) {
					tally.violate("%s / %s: reported as %s", fault, op.name, s.name)
				}
			}
			if got := ddbguard.HTTPStatus(err); got != pfFaultStatus[fault] {
				tally.violate("%s / %s: HTTPStatus %d, want %d", fault, op.name, got, pfFaultStatus[fault])
			}
			if audits != 0 {
				tally.violate("%s / %s: %d audit events for a transport failure", fault, op.name, audits)
			}
			after := env.read(pk)
			wantApplied := fault == ddbguardtest.LostResponse && op.name != "update by non-owner" && op.name != "get"
			if op.applied(after) != wantApplied || (!wantApplied && !pfEqualItems(before, after)) {
				tally.violate("%s / %s: applied=%v, want %v (before %s, after %s)", fault, op.name, op.applied(after), wantApplied, pfShow(before), pfShow(after))
			}
			if n := len(faults.Injected()); n != 1 {
				tally.violate("%s / %s: %d faults injected, want 1", fault, op.name, n)
			}
		}
	}
	tally.report(t, "one injected fault per guarded operation")
}

// TestFaults_realCancelAndDeadline_areNotOwnershipVerdicts does the same
// with the SDK's own failures: a cancelled context and an expired deadline
// on the real client, for an item the caller does not own.
func TestFaults_realCancelAndDeadline_areNotOwnershipVerdicts(t *testing.T) {
	env := pfNewEnv(t, "faults_ctx")
	env.seed(pfFaultItem("k"))
	g := env.guard(nil)
	cancelled, cancel := context.WithCancel(env.ctx)
	cancel()
	expired, cancel2 := context.WithTimeout(env.ctx, -1)
	defer cancel2()
	for _, c := range []struct {
		name   string
		ctx    context.Context
		want   error
		status int
	}{
		{"cancelled", cancelled, context.Canceled, http.StatusInternalServerError},
		{"deadline", expired, context.DeadlineExceeded, http.StatusGatewayTimeout},
	} {
		for _, caller := range []string{"alice", "bob"} {
			err := g.Update(caller, ddbguard.Key{PK: "k"}).Set("val", caller).Run(c.ctx)
			var e *ddbguard.Error
			if !errors.As(err, &e) || e.Err != nil || !errors.Is(err, c.want) {
				t.Errorf("%s, %s: got %v (%s), want an *Error with Err nil wrapping %v", c.name, caller, err, pfErrName(err), c.want)
			}
			if got := ddbguard.HTTPStatus(err); got != c.status {
				t.Errorf("%s, %s: HTTPStatus %d, want %d", c.name, caller, got, c.status)
			}
		}
	}
	if after := env.read("k"); !pfEqualItems(after, pfFaultItem("k")) {
		t.Errorf("item changed: %s", pfShow(after))
	}
}

// TestFaults_retriedTransientFaults_applyExactlyOnce retries, as the SDK
// does, calls that met a fault which happens before DynamoDB sees them: the
// write succeeds and is applied once.
func TestFaults_retriedTransientFaults_applyExactlyOnce(t *testing.T) {
	env := pfNewEnv(t, "faults_retry")
	for _, fault := range []ddbguardtest.Fault{ddbguardtest.Throttling, ddbguardtest.ThroughputExceeded, ddbguardtest.ServerError} {
		pk := fault.String()
		env.seed(pfFaultItem(pk))
		faults := &ddbguardtest.Faults{API: env.client, Inject: ddbguardtest.FirstAttempt(fault), Retries: 2}
		g := env.guard(faults)
		if err := g.Update("alice", ddbguard.Key{PK: pk}).Add("n", 1).Run(env.ctx); err != nil {
			t.Errorf("%s: retried update: %v", fault, err)
		}
		after := env.read(pk)
		if pfNum(after, "n") != 1 || pfNum(after, pfVer) != 2 || faults.Attempts() != 2 {
			t.Errorf("%s: n=%d ver=%d after %d attempts, want n=1 ver=2 after 2", fault, pfNum(after, "n"), pfNum(after, pfVer), faults.Attempts())
		}
		t.Logf("%s injected into the first attempt, retried: applied once (n=%d, ver=%d)", fault, pfNum(after, "n"), pfNum(after, pfVer))
	}
}

// pfLost runs write twice through an API that loses the response of the
// first attempt: as the caller's second Run (retry "caller"), or as the
// SDK's retry inside the same Run (retry "sdk"). It returns the error the
// caller is finally told.
func pfLost(t *testing.T, env *pfEnv, what, retry string, write func(g *ddbguard.Guard, api ddbguard.API) func(context.Context) error) error {
	t.Helper()
	faults := &ddbguardtest.Faults{API: env.client, Inject: ddbguardtest.Once(ddbguardtest.LostResponse)}
	if retry == "sdk" {
		faults.Retries = 1
	}
	run := write(env.guard(faults), faults)
	err := run(env.ctx)
	if retry == "caller" {
		var inj *ddbguardtest.InjectedError
		if !errors.As(err, &inj) || pfErrName(err) != "sdk" {
			t.Fatalf("first Run: got %v, want the injected lost response", err)
		}
		err = run(env.ctx)
	}
	if faults.Attempts() != 2 || len(faults.Injected()) != 1 {
		t.Fatalf("%d attempts, %d faults: the write did not reach DynamoDB twice", faults.Attempts(), len(faults.Injected()))
	}
	t.Logf("%s: lost response, retry by the %s: %s", what, retry, pfErrName(err))
	return err
}

// TestLostResponse_retriedCreateOrVersionedUpdate_isReportedAsSuccess
// checks that, with Schema.WriteID, a write whose first attempt landed but
// whose response was lost is recognized on retry by its own id in the
// ALL_OLD item, so the caller who wrote it is not told that it failed, and
// that it is applied once.
func TestLostResponse_retriedCreateOrVersionedUpdate_isReportedAsSuccess(t *testing.T) {
	env := pfNewEnv(t, "lost_ok")
	env.schema.WriteID = "wid"
	for _, retry := range []string{"caller", "sdk"} {
		pk := "create-" + retry
		err := pfLost(t, env, "create", retry, func(g *ddbguard.Guard, _ ddbguard.API) func(context.Context) error {
			return g.Create("alice", map[string]types.AttributeValue{pfPK: pfS(pk), "val": pfS("a")}).Run
		})
		if err != nil || pfStr(env.read(pk), "val") != "a" || pfNum(env.read(pk), pfVer) != 1 {
			t.Errorf("create, retry by the %s: %v, item %s", retry, err, pfShow(env.read(pk)))
		}

		for _, caller := range []string{"alice", "carol"} { // owner and editor
			pk := "update-" + retry + "-" + caller
			item := pfFaultItem(pk)
			item["gone"] = pfS("x")
			env.seed(item)
			var out map[string]any
			err := pfLost(t, env, "versioned update by "+caller, retry, func(g *ddbguard.Guard, _ ddbguard.API) func(context.Context) error {
				u := g.Update(caller, ddbguard.Key{PK: pk}).Set("val", caller).Remove("gone").IfVersion(1)
				return func(ctx context.Context) error { return u.Value(ctx, &out) }
			})
			after := env.read(pk)
			if err != nil || pfStr(after, "val") != caller || pfNum(after, pfVer) != 2 || after["gone"] != nil {
				t.Errorf("update by %s, retry by the %s: %v, item %s", caller, retry, err, pfShow(after))
			}
			if err == nil && (out["val"] != caller || fmt.Sprint(out[pfVer]) != "2") {
				t.Errorf("update by %s, retry by the %s: Value gave %v, want the item as written", caller, retry, out)
			}
		}
	}
}

// TestLostResponse_withoutWriteID_retriedVersionedUpdate_isConflictWithItem
// pins that without Schema.WriteID no update retry is reported as success
// from what it finds, even when the stored item looks like its own write:
// the owner gets ErrConflict with the item to decide.
func TestLostResponse_withoutWriteID_retriedVersionedUpdate_isConflictWithItem(t *testing.T) {
	env := pfNewEnv(t, "lost_nowid")
	for _, retry := range []string{"caller", "sdk"} {
		pk := "update-" + retry
		env.seed(pfFaultItem(pk))
		err := pfLost(t, env, "versioned update", retry, func(g *ddbguard.Guard, _ ddbguard.API) func(context.Context) error {
			return g.Update("alice", ddbguard.Key{PK: pk}).Set("val", "a").IfVersion(1).Run
		})
		after := env.read(pk)
		if !errors.Is(err, ddbguard.ErrConflict) || pfErrItem(err) == nil || pfNum(after, pfVer) != 2 || pfStr(after, "val") != "a" {
			t.Errorf("retry by the %s: %v, item %s; want ErrConflict with the item, applied once", retry, err, pfShow(after))
		}
	}
}

// TestLostResponse_retriedUnrecognizableWrite_reportsTheStateItFinds
// pins what a retry reports when ddbguard cannot tell its own landed write
// from another: the condition failure as it is (ErrConflict, ErrNotOwner,
// ErrNotFound), or, for an unversioned Add, a second application. A
// transaction with a Token is applied once and reported as a success.
func TestLostResponse_retriedUnrecognizableWrite_reportsTheStateItFinds(t *testing.T) {
	env := pfNewEnv(t, "lost_other")
	k := func(pk string) ddbguard.Key { return ddbguard.Key{PK: pk} }
	same := func(s string) [2]string { return [2]string{s, s} }
	// A transaction without Token is applied once after the SDK's retry:
	// the SDK fills in a ClientRequestToken once per call and keeps it on
	// its retries. The caller's second Run is a new call with a new token.
	cases := []struct {
		name  string
		write func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error
		want  [2]string // after the caller's retry, after the SDK's
		check func(after map[string]types.AttributeValue) bool
	}{
		{"versioned update with Add", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return g.Update("alice", k(pk)).Add("n", 1).IfVersion(1).Run
		}, same("ErrConflict"), func(a map[string]types.AttributeValue) bool { return pfNum(a, "n") == 1 && pfNum(a, pfVer) == 2 }},
		{"versioned update with With", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return g.Update("alice", k(pk)).With(expression.Set(expression.Name("val"), expression.Value("w"))).IfVersion(1).Run
		}, same("ErrConflict"), func(a map[string]types.AttributeValue) bool { return pfStr(a, "val") == "w" && pfNum(a, pfVer) == 2 }},
		{"unversioned update with Add", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return g.Update("alice", k(pk)).Add("n", 1).Run
		}, same("ok"), func(a map[string]types.AttributeValue) bool { return pfNum(a, "n") == 2 && pfNum(a, pfVer) == 3 }},
		{"transfer", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return g.Transfer("alice", k(pk), "dave").IfVersion(1).Run
		}, same("ErrNotOwner"), func(a map[string]types.AttributeValue) bool {
			return pfStr(a, pfOwner) == "dave" && pfNum(a, pfVer) == 2
		}},
		{"delete", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return g.Delete("alice", k(pk)).Run
		}, same("ErrNotFound"), func(a map[string]types.AttributeValue) bool { return a == nil }},
		{"replace", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			item := pfFaultItem(pk)
			item["val"] = pfS("r")
			return g.Replace("alice", item).IfVersion(1).Run
		}, same("ErrConflict"), func(a map[string]types.AttributeValue) bool { return pfStr(a, "val") == "r" && pfNum(a, pfVer) == 2 }},
		{"tx without token", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return ddbguard.NewTx(api).Update(g.Update("alice", k(pk)).Add("n", 1).IfVersion(1)).Run
		}, [2]string{"ErrConflict", "ok"}, func(a map[string]types.AttributeValue) bool { return pfNum(a, "n") == 1 && pfNum(a, pfVer) == 2 }},
		{"tx with token", func(g *ddbguard.Guard, api ddbguard.API, pk string) func(context.Context) error {
			return ddbguard.NewTx(api).Update(g.Update("alice", k(pk)).Add("n", 1)).Token(pfToken()).Run
		}, same("ok"), func(a map[string]types.AttributeValue) bool { return pfNum(a, "n") == 1 && pfNum(a, pfVer) == 2 }},
	}
	for r, retry := range []string{"caller", "sdk"} {
		for i, c := range cases {
			pk := fmt.Sprintf("%s-%d", retry, i)
			env.seed(pfFaultItem(pk))
			err := pfLost(t, env, c.name, retry, func(g *ddbguard.Guard, api ddbguard.API) func(context.Context) error { return c.write(g, api, pk) })
			want := c.want[r]
			if after := env.read(pk); pfErrName(err) != want || !c.check(after) {
				t.Errorf("%s, retry by the %s: got %s (%v), item %s; want %s", c.name, retry, pfErrName(err), err, pfShow(after), want)
			}
			if want == "ErrConflict" && pfErrItem(err) == nil {
				t.Errorf("%s: a conflict of the owner's own write must carry the item", c.name)
			}
		}
	}

	// Recognition holds only until another write follows: then the retry
	// finds a version it did not write.
	env.seed(pfFaultItem("overtaken"))
	faults := &ddbguardtest.Faults{API: env.client, Inject: ddbguardtest.Once(ddbguardtest.LostResponse)}
	u := env.guard(faults).Update("alice", k("overtaken")).Set("val", "a").IfVersion(1)
	first := u.Run(env.ctx)
	if err := env.guard(nil).Update("carol", k("overtaken")).Set("note", "c").Run(env.ctx); err != nil {
		t.Fatalf("editor's update: %v", err)
	}
	if err := u.Run(env.ctx); pfErrName(first) != "sdk" || !errors.Is(err, ddbguard.ErrConflict) {
		t.Errorf("overtaken retry: first %v, then %v; want the lost response, then ErrConflict", first, err)
	}
	t.Logf("versioned update overtaken by another write before the retry: %s", "ErrConflict")
}
