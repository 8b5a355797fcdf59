package ddbguard_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// itTxFixture is a docs table (partition key only) and an orgs table
// (partition and sort key) with the guards a transaction draws on.
type itTxFixture struct {
	docs, orgs *itTable
	dg         *ddbguard.Guard // docs
	vg         *ddbguard.Guard // docs, with Schema.Version
	og         *ddbguard.Guard // orgs
	c          *itCounting     // the Tx's API
}

func itNewTxFixture(t *testing.T) *itTxFixture {
	t.Helper()
	f := &itTxFixture{docs: itNewTable(t, false), orgs: itNewTable(t, true)}
	f.dg, _ = f.docs.guard(t, ddbguard.Schema{})
	f.vg, _ = f.docs.guard(t, ddbguard.Schema{Version: "version"})
	f.og, _ = f.orgs.guard(t, ddbguard.Schema{})
	f.c = itCount(f.docs.raw)
	f.orgs.seed(t, map[string]any{"pk": "org#1", "sk": "member#alice", "role": "admin"})
	f.orgs.seed(t, map[string]any{"pk": "org#1", "sk": "member#bob", "role": "viewer"})
	return f
}

func itDocKey(id string) ddbguard.Key { return ddbguard.Key{PK: id} }
func itOrgKey(sk string) ddbguard.Key { return ddbguard.Key{PK: "org#1", SK: sk} }
func itIsRole(role string) expression.ConditionBuilder {
	return expression.Name("role").Equal(expression.Value(role))
}

func TestIT_Tx_writesAcrossTwoTables_commitTogetherInOneRequest(t *testing.T) {
	t.Parallel()
	f := itNewTxFixture(t)
	f.docs.seed(t, map[string]any{"pk": "upd", "owner": "alice", "status": "draft"})
	f.docs.seed(t, map[string]any{"pk": "del", "owner": "alice"})
	f.docs.seed(t, map[string]any{"pk": "rep", "owner": "alice", "body": "v1"})
	f.docs.seed(t, map[string]any{"pk": "ver", "owner": "alice", "version": 3})
	f.orgs.seed(t, map[string]any{"pk": "org#1", "sk": "settings", "owner": "alice", "plan": "free"})

	err := ddbguard.NewTx(f.c).
		Check(f.og.Check(itOrgKey("member#alice"), itIsRole("admin"))).
		Update(f.dg.Update("alice", itDocKey("upd")).Set("status", "done")).
		Delete(f.dg.Delete("alice", itDocKey("del"))).
		Create(f.dg.Create("alice", map[string]any{"pk": "new"})).
		Replace(f.dg.Replace("alice", map[string]any{"pk": "rep", "body": "v2"})).
		Update(f.vg.Update("alice", itDocKey("ver")).IfVersion(3).Set("n", 1)).
		Update(f.og.Update("alice", itOrgKey("settings")).Set("plan", "pro")).
		Run(itCtx(t))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	f.c.expect(t, itTransact, 1)

	itWantField(t, f.docs.decode(t, itDocKey("upd")), "status", "done")
	f.docs.absent(t, itDocKey("del"))
	itWantField(t, f.docs.decode(t, itDocKey("new")), "owner", "alice")
	if got := f.docs.decode(t, itDocKey("rep")); itFormat(got) != itFormat(map[string]any{"pk": "rep", "owner": "alice", "body": "v2"}) {
		t.Errorf("replaced item %s", itFormat(got))
	}
	itWantField(t, f.docs.decode(t, itDocKey("ver")), "version", 4)
	itWantField(t, f.orgs.decode(t, itOrgKey("settings")), "plan", "pro")
}

func TestIT_Tx_oneItemFails_reportsItsIndexAndReasonAndWritesNothing(t *testing.T) {
	t.Parallel()
	f := itNewTxFixture(t)
	type add func(tx *ddbguard.Tx, p string) *ddbguard.Tx
	cases := []struct {
		name    string
		at      int
		bad     add
		want    error
		exposed string // the key whose stored item Error.Item must be, if any
		op      string // Error.Op, the failing builder's
	}{
		{"not found", 0, func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
			return tx.Update(f.dg.Update("alice", itDocKey(p+"missing")).Set("status", "x"))
		}, ddbguard.ErrNotFound, "", "update"},
		{"not owner", 1, func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
			return tx.Delete(f.dg.Delete("alice", itDocKey(p+"bobs")))
		}, ddbguard.ErrNotOwner, "", "delete"},
		{"replace not owner", 2, func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
			return tx.Replace(f.dg.Replace("alice", map[string]any{"pk": p + "bobs"}))
		}, ddbguard.ErrNotOwner, "", "replace"},
		{"version conflict", 3, func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
			return tx.Update(f.vg.Update("alice", itDocKey(p+"ver")).IfVersion(2).Set("n", 1))
		}, ddbguard.ErrConflict, "ver", "update"},
		{"already exists", 4, func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
			return tx.Create(f.dg.Create("alice", map[string]any{"pk": p + "bobs"}))
		}, ddbguard.ErrAlreadyExists, "", "create"},
		{"forbidden", 2, func(tx *ddbguard.Tx, _ string) *ddbguard.Tx {
			return tx.Check(f.og.Check(itOrgKey("member#bob"), itIsRole("admin")))
		}, ddbguard.ErrForbidden, "", "check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.name + "/"
			f.docs.seed(t, map[string]any{"pk": p + "upd", "owner": "alice", "status": "draft"})
			f.docs.seed(t, map[string]any{"pk": p + "del", "owner": "alice"})
			f.docs.seed(t, map[string]any{"pk": p + "bobs", "owner": "bob", "secret": "s3"})
			f.docs.seed(t, map[string]any{"pk": p + "ver", "owner": "alice", "version": 3})
			keys := []ddbguard.Key{itDocKey(p + "upd"), itDocKey(p + "del"), itDocKey(p + "bobs"), itDocKey(p + "ver")}
			before := make([]map[string]any, len(keys))
			for i, k := range keys {
				before[i] = f.docs.decode(t, k)
			}
			good := []add{
				func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
					return tx.Update(f.dg.Update("alice", itDocKey(p+"upd")).Set("status", "done"))
				},
				func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
					return tx.Delete(f.dg.Delete("alice", itDocKey(p+"del")))
				},
				func(tx *ddbguard.Tx, p string) *ddbguard.Tx {
					return tx.Create(f.dg.Create("alice", map[string]any{"pk": p + "new"}))
				},
				func(tx *ddbguard.Tx, _ string) *ddbguard.Tx {
					return tx.Check(f.og.Check(itOrgKey("member#alice"), itIsRole("admin")))
				},
			}
			items := append(append(append([]add{}, good[:tc.at]...), tc.bad), good[tc.at:]...)
			c := itCount(f.docs.raw)
			tx := ddbguard.NewTx(c)
			for _, a := range items {
				tx = a(tx, p)
			}

			err := tx.Run(itCtx(t))
			e := itWantErr(t, err, tc.want)
			c.expect(t, itTransact, 1)
			if e.Index != tc.at || e.Op != tc.op {
				t.Errorf("Error.Index = %d, Op = %q; want %d, %q", e.Index, e.Op, tc.at, tc.op)
			}
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) {
				t.Fatalf("errors.As TransactionCanceledException failed on %v", err)
			}
			for i, r := range tce.CancellationReasons {
				if r.Item != nil {
					t.Errorf("cancellation reason %d still carries an item", i)
				}
			}
			switch {
			case tc.exposed != "":
				if want := f.docs.item(t, itDocKey(p+tc.exposed)); !itEqualItems(e.Item, want) {
					t.Errorf("Error.Item = %s, want the current item %s", itDump(e.Item), itDump(want))
				}
			case e.Item != nil:
				t.Errorf("Error.Item = %s, want nil", itDump(e.Item))
			}
			itNoLeak(t, err, "bob", "s3")
			for i, k := range keys {
				if got := f.docs.decode(t, k); itFormat(got) != itFormat(before[i]) {
					t.Errorf("item %v changed: %s, was %s", k.PK, itFormat(got), itFormat(before[i]))
				}
			}
			f.docs.absent(t, itDocKey(p+"new"))
			f.docs.absent(t, itDocKey(p+"missing"))
		})
	}
}

func TestIT_Tx_sameTokenRunTwice_appliesOnce(t *testing.T) {
	t.Parallel()
	f := itNewTxFixture(t)
	f.docs.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "count": 0})
	token := itToken(t)
	build := func(n int) *ddbguard.Tx {
		return ddbguard.NewTx(f.c).
			Update(f.dg.Update("alice", itDocKey("doc-1")).Add("count", n)).
			Check(f.og.Check(itOrgKey("member#alice"), itIsRole("admin"))).
			Token(token)
	}

	tx := build(1)
	for run := 1; run <= 2; run++ {
		if err := tx.Run(itCtx(t)); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if err := build(1).Run(itCtx(t)); err != nil {
		t.Fatalf("a new Tx with the same token and items: %v", err)
	}
	f.c.expect(t, itTransact, 3)
	itWantField(t, f.docs.decode(t, itDocKey("doc-1")), "count", 1)

	// DynamoDB refuses the token for different items; that refusal is not
	// about ownership.
	err := build(5).Run(itCtx(t))
	itWantSDKErr(t, err)
	var api interface{ ErrorCode() string }
	if !errors.As(err, &api) || api.ErrorCode() != "IdempotentParameterMismatchException" {
		t.Errorf("err = %v, want IdempotentParameterMismatchException as its Cause", err)
	}
	f.c.expect(t, itTransact, 1)
	itWantField(t, f.docs.decode(t, itDocKey("doc-1")), "count", 1)
}

// itToken returns a fresh ClientRequestToken: DynamoDB Local remembers
// tokens across tables, so a fixed one would collide between runs.
func itToken(t *testing.T) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

func TestIT_Tx_invalidTransaction_failsClosedWithoutRequest(t *testing.T) {
	t.Parallel()
	f := itNewTxFixture(t)
	f.docs.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "version": 1})
	before := f.docs.item(t, itDocKey("doc-1"))
	upd := func() *ddbguard.GuardedUpdate { return f.dg.Update("alice", itDocKey("doc-1")).Set("s", "x") }
	many := ddbguard.NewTx(f.c)
	for i := 0; i <= 100; i++ {
		many.Update(f.dg.Update("alice", itDocKey(fmt.Sprint("doc-", i))).Set("s", "x"))
	}

	for _, tc := range []struct {
		name  string
		tx    *ddbguard.Tx
		want  error
		index int
	}{
		{"empty", ddbguard.NewTx(f.c), ddbguard.ErrInvalidInput, -1},
		{"101 items", many, ddbguard.ErrInvalidInput, 100},
		{"same item twice", ddbguard.NewTx(f.c).Update(upd()).Check(f.og.Check(itOrgKey("member#alice"), itIsRole("admin"))).
			Delete(f.vg.Delete("alice", itDocKey("doc-1"))), ddbguard.ErrInvalidInput, 2},
		{"nil update", ddbguard.NewTx(f.c).Update(upd()).Update(nil), ddbguard.ErrInvalidInput, 1},
		{"nil check", ddbguard.NewTx(f.c).Check(nil).Update(upd()), ddbguard.ErrInvalidInput, 0},
		{"key without value", ddbguard.NewTx(f.c).Update(upd()).Delete(f.dg.Delete("alice", ddbguard.Key{})), ddbguard.ErrInvalidInput, 1},
		{"check key without sort key", ddbguard.NewTx(f.c).Update(upd()).Check(f.og.Check(ddbguard.Key{PK: "org#1"}, itIsRole("admin"))), ddbguard.ErrInvalidInput, 1},
		{"replace without IfVersion", ddbguard.NewTx(f.c).Update(upd()).Replace(f.vg.Replace("alice", map[string]any{"pk": "doc-2"})), ddbguard.ErrInvalidInput, 1},
		{"protected attribute", ddbguard.NewTx(f.c).Update(upd()).Update(f.dg.Update("alice", itDocKey("doc-2")).Set("owner", "bob")), ddbguard.ErrProtectedAttribute, 1},
		{"empty caller", ddbguard.NewTx(f.c).Update(upd()).Update(f.dg.Update("", itDocKey("doc-2")).Set("s", "x")), ddbguard.ErrUnauthenticated, 1},
		{"bad token", ddbguard.NewTx(f.c).Update(upd()).Token(""), ddbguard.ErrInvalidInput, -1},
	} {
		e := itWantErr(t, tc.tx.Run(itCtx(t)), tc.want)
		if e.Index != tc.index {
			t.Errorf("%s: Error.Index = %d, want %d", tc.name, e.Index, tc.index)
		}
		f.c.expect(t, "", 0)
	}
	f.docs.unchanged(t, itDocKey("doc-1"), before)
}

// itCanceling answers every TransactWriteItems with a cancellation whose
// reasons are codes, the first "None", as DynamoDB reports them.
type itCanceling struct {
	ddbguard.API
	codes []string
}

func (a itCanceling) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	reasons := make([]types.CancellationReason, len(a.codes))
	for i, code := range a.codes {
		reasons[i] = types.CancellationReason{Code: aws.String(code)}
	}
	return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

// DynamoDB Local serializes transactions (concurrent ones on the same items
// all commit, see TestIT_Tx_concurrentOnSameItem_commitOrConflict), so a
// TransactionConflict cannot be provoked there; a stub answers with one.
func TestIT_Tx_transactionConflictReason_isConflict(t *testing.T) {
	t.Parallel()
	f := itNewTxFixture(t)
	for _, tc := range []struct {
		code string
		want error
	}{
		{"TransactionConflict", ddbguard.ErrConflict},
		{"ThrottlingError", nil},
		{"ValidationError", nil},
	} {
		api := itCount(itCanceling{API: f.docs.raw, codes: []string{"None", tc.code}})
		err := ddbguard.NewTx(api).
			Check(f.og.Check(itOrgKey("member#alice"), itIsRole("admin"))).
			Update(f.dg.Update("alice", itDocKey("doc-1")).Set("s", "x")).
			Run(itCtx(t))
		var e *ddbguard.Error
		if tc.want != nil {
			e = itWantErr(t, err, tc.want)
		} else {
			e = itWantSDKErr(t, err)
		}
		if e.Index != 1 {
			t.Errorf("%s: Error.Index = %d, want 1", tc.code, e.Index)
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Errorf("%s: errors.As TransactionCanceledException failed on %v", tc.code, err)
		}
		api.expect(t, itTransact, 1)
	}
}

func TestIT_Tx_concurrentOnSameItem_commitOrConflict(t *testing.T) {
	t.Parallel()
	f := itNewTxFixture(t)
	f.docs.seed(t, map[string]any{"pk": "a", "owner": "alice", "n": 0})
	f.docs.seed(t, map[string]any{"pk": "b", "owner": "alice", "n": 0})
	const workers = 8
	errs := make(chan error, workers)
	for i := 0; i < workers; i++ {
		go func() {
			errs <- ddbguard.NewTx(f.c).
				Update(f.dg.Update("alice", itDocKey("a")).Add("n", 1)).
				Update(f.dg.Update("alice", itDocKey("b")).Add("n", 1)).
				Run(itCtx(t))
		}()
	}
	committed := 0
	for i := 0; i < workers; i++ {
		switch err := <-errs; {
		case err == nil:
			committed++
		case !errors.Is(err, ddbguard.ErrConflict):
			t.Errorf("concurrent Tx: %v, want nil or ErrConflict", err)
		}
	}
	f.c.expect(t, itTransact, workers)
	t.Logf("%d of %d concurrent transactions committed", committed, workers)
	for _, id := range []string{"a", "b"} {
		itWantField(t, f.docs.decode(t, itDocKey(id)), "n", committed)
	}
}
