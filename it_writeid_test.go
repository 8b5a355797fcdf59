package ddbguard_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// itWID is the schema of the exact-retry tests: a version and a WriteID.
var itWID = ddbguard.Schema{Version: "version", WriteID: "wid", Editors: "editors"}

// itLosingAPI returns a client of tb's table whose transport loses the
// first lose responses (no SDK retries: the caller's next Run is the
// retry), with the requests it sends recorded.
func (tb *itTable) losingAPI(t *testing.T, lose int32) (*itRecorder, *itLosing) {
	t.Helper()
	l := &itLosing{}
	l.lose.Store(lose)
	client := dynamodb.New(tb.raw.Options(), func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: l}
		o.RetryMaxAttempts = 1
	})
	return &itRecorder{API: client}, l
}

// itRecorder records the transactions sent through it.
type itRecorder struct {
	ddbguard.API
	mu  sync.Mutex
	txs []*dynamodb.TransactWriteItemsInput
}

func (r *itRecorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	r.mu.Lock()
	r.txs = append(r.txs, in)
	r.mu.Unlock()
	return r.API.TransactWriteItems(ctx, in, opts...)
}

func (tb *itTable) guardOn(t *testing.T, api ddbguard.API, s ddbguard.Schema, opts ...ddbguard.Option) *ddbguard.Guard {
	t.Helper()
	s.Table, s.PartitionKey, s.SortKey = tb.name, tb.pk, tb.sk
	g, err := ddbguard.New(api, s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestIT_UnversionedAdd_responseLost_withWriteID_appliesOnceAndSucceeds(t *testing.T) {
	t.Parallel()
	for _, sdk := range []bool{false, true} {
		tb := itSeedVersioned(t)
		g, l := tb.losingGuard(t, itWID, 1, sdk)
		u := g.Update("alice", itDoc).Add("n", 1)
		err := u.Run(itCtx(t))
		if !sdk {
			itWantSDKErr(t, err) // the lost response; the caller runs again
			err = u.Run(itCtx(t))
		}
		if err != nil {
			t.Fatalf("sdk retry %v: retry of a landed Add: %v", sdk, err)
		}
		if n := l.sent.Load(); n != 2 {
			t.Errorf("HTTP requests = %d, want 2", n)
		}
		got := tb.decode(t, itDoc)
		itWantField(t, got, "n", 1)
		itWantField(t, got, "version", 2)
	}
}

func TestIT_Transfer_responseLost_withWriteID_succeeds(t *testing.T) {
	t.Parallel()
	tb := itSeedVersioned(t)
	g, _ := tb.losingGuard(t, itWID, 1, false)
	tr := g.Transfer("alice", itDoc, "bob")
	itWantSDKErr(t, tr.Run(itCtx(t)))
	if err := tr.Run(itCtx(t)); err != nil {
		t.Fatalf("retry of a landed transfer: %v", err)
	}
	got := tb.decode(t, itDoc)
	itWantField(t, got, "owner", "bob")
	itWantField(t, got, "version", 2)
}

func TestIT_RetryAfterAnotherWrite_withIfVersion_isConflict_withoutItAppliesAgain(t *testing.T) {
	t.Parallel()
	tb := itSeedVersioned(t)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "editors": itSS("carol"), "version": 1})
	g, _ := tb.losingGuard(t, itWID, 1, false)
	plain, _ := tb.guard(t, itWID)
	u := g.Update("alice", itDoc).Add("n", 1).IfVersion(1)
	itWantSDKErr(t, u.Run(itCtx(t)))
	if err := plain.Update("carol", itDoc).Set("note", "c").Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	e := itWantErr(t, u.Run(itCtx(t)), ddbguard.ErrConflict)
	if e.Item == nil {
		t.Error("the owner's conflict carries no item")
	}
	itWantField(t, tb.decode(t, itDoc), "n", 1)

	// Without IfVersion a retry after someone else's write is a new write:
	// the id protects a write against its own retries only.
	g2, _ := tb.losingGuard(t, itWID, 1, false)
	u2 := g2.Update("alice", itDoc).Add("n", 1)
	itWantSDKErr(t, u2.Run(itCtx(t)))
	if err := plain.Update("carol", itDoc).Set("note", "d").Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := u2.Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	itWantField(t, tb.decode(t, itDoc), "n", 3)
}

// TestIT_NonOwnerWrite_onItemWithAnotherWriteID_isNotOwner attacks the
// clause's precedence: unparenthesized, "... AND attribute_not_exists(#gw)
// OR #gw <> :gw" would let any write through an item whose stored id
// differs.
func TestIT_NonOwnerWrite_onItemWithAnotherWriteID_isNotOwner(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "editors": itSS("carol"), "version": 1, "wid": "alices-write", "title": "t"})
	before := tb.item(t, itDoc)
	g, c := tb.guard(t, itWID)
	for name, err := range map[string]error{
		"update":         g.Update("mallory", itDoc).Set("title", "x").Run(itCtx(t)),
		"update version": g.Update("mallory", itDoc).Set("title", "x").IfVersion(1).Run(itCtx(t)),
		"transfer":       g.Transfer("mallory", itDoc, "mallory").Run(itCtx(t)),
		"editor":         g.Transfer("carol", itDoc, "carol").Run(itCtx(t)),
		"add editors":    g.AddEditors("mallory", itDoc, "mallory").Run(itCtx(t)),
		"delete":         g.Delete("mallory", itDoc).Run(itCtx(t)),
		"replace":        g.Replace("mallory", map[string]any{"pk": "doc-1", "editors": itSS("carol")}).IfVersion(1).Run(itCtx(t)),
	} {
		e := itWantErr(t, err, ddbguard.ErrNotOwner)
		if e.Item != nil {
			t.Errorf("%s: a non-owner's refusal carries the item", name)
		}
	}
	c.expect(t, "", 7)
	tb.unchanged(t, itDoc, before)
}

func TestIT_UpdateRetry_withoutWriteID_afterItLanded_isConflictWithItem(t *testing.T) {
	t.Parallel()
	tb := itSeedVersioned(t)
	g, _ := tb.losingGuard(t, ddbguard.Schema{Version: "version"}, 1, false)
	u := g.Update("alice", itDoc).Set("title", "new").IfVersion(1)
	itWantSDKErr(t, u.Run(itCtx(t)))
	e := itWantErr(t, u.Run(itCtx(t)), ddbguard.ErrConflict)
	if e.Item == nil {
		t.Error("no item to decide from")
	}
	itWantField(t, tb.decode(t, itDoc), "version", 2)
}

func TestIT_TxRetry_afterLostResponse_sendsTheSameIDsAndSucceeds(t *testing.T) {
	t.Parallel()
	for _, token := range []string{pfToken(), ""} {
		tb := itSeedVersioned(t)
		tb.seed(t, map[string]any{"pk": "doc-2", "owner": "alice", "version": 1})
		rec, _ := tb.losingAPI(t, 1)
		g := tb.guardOn(t, rec, itWID)
		tx := ddbguard.NewTx(rec).Update(g.Update("alice", itDoc).Add("n", 1)).
			Update(g.Transfer("alice", ddbguard.Key{PK: "doc-2"}, "bob"))
		if token != "" {
			tx.Token(token)
		}
		itWantSDKErr(t, tx.Run(itCtx(t)))
		if err := tx.Run(itCtx(t)); err != nil {
			t.Fatalf("token %q: retry of a landed transaction: %v", token, err)
		}
		itWantField(t, tb.decode(t, itDoc), "n", 1)
		itWantField(t, tb.decode(t, ddbguard.Key{PK: "doc-2"}), "owner", "bob")
		if len(rec.txs) != 2 {
			t.Fatalf("%d transactions sent, want 2", len(rec.txs))
		}
		for i := range rec.txs[0].TransactItems {
			a := rec.txs[0].TransactItems[i].Update.ExpressionAttributeValues[":gw"].(*types.AttributeValueMemberS).Value
			b := rec.txs[1].TransactItems[i].Update.ExpressionAttributeValues[":gw"].(*types.AttributeValueMemberS).Value
			if a != b {
				t.Errorf("item %d: ids %q then %q, want the same", i, a, b)
			}
		}
	}
}

func TestIT_BuilderInATx_cannotRunAlone(t *testing.T) {
	t.Parallel()
	tb := itSeedVersioned(t)
	g, c := tb.guard(t, itWID)
	u := g.Update("alice", itDoc).Set("title", "x")
	ddbguard.NewTx(c).Update(u)
	itWantErr(t, u.Run(itCtx(t)), ddbguard.ErrInvalidInput)
	itWantErr(t, ddbguard.NewTx(c).Update(u).Run(itCtx(t)), ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)
}
