package ddbguard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

var itDoc = ddbguard.Key{PK: "doc-1"}

// itSeedDoc stores alice's doc-1 in a fresh table and returns the table.
func itSeedDoc(t *testing.T) *itTable {
	t.Helper()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "title": "old", "status": "draft"})
	return tb
}

func TestIT_Update_byOwner_appliesInOneRequest(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	if err := g.Update("alice", itDoc).Set("title", "new").Run(itCtx(t)); err != nil {
		t.Fatalf("owner's update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	m := tb.decode(t, itDoc)
	itWantField(t, m, "title", "new")
	itWantField(t, m, "owner", "alice")
}

func TestIT_Update_byOtherCaller_isNotOwnerAndLeavesItemUnchanged(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	var (
		mu     sync.Mutex
		events []ddbguard.AuditEvent
	)
	audit := ddbguard.WithAudit(func(_ context.Context, ev ddbguard.AuditEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	})
	g, c := tb.guard(t, ddbguard.Schema{}, audit)
	before := tb.item(t, itDoc)

	err := g.Update("bob", itDoc).Set("title", "mine").Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)
	if e.Item != nil {
		t.Errorf("Error.Item = %s, want nil for a caller who does not own the item", itDump(e.Item))
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("errors.As ConditionalCheckFailedException failed on %v", err)
	}
	if ccf.Item != nil {
		t.Errorf("the SDK exception still carries the item: %s", itDump(ccf.Item))
	}
	if got := ddbguard.HTTPStatus(err); got != http.StatusNotFound {
		t.Errorf("HTTPStatus = %d, want 404", got)
	}
	itNoLeak(t, err, "alice", "old", "draft")
	tb.unchanged(t, itDoc, before)

	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 || events[0].Reason != ddbguard.ErrNotOwner || events[0].Caller != "bob" {
		t.Fatalf("audit events %+v, want one ErrNotOwner event for bob", events)
	}
	if s := fmt.Sprintf("%+v", events[0]); itContainsAny(s, "alice", "old", "draft") {
		t.Errorf("audit event %s reveals the owner or item data", s)
	}
}

func TestIT_Update_missingItem_isNotFoundAndCreatesNothing(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})

	err := g.Update("alice", itDoc).Set("title", "new").Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrNotFound)
	c.expect(t, itUpdateItem, 1)
	if e.Item != nil {
		t.Errorf("Error.Item = %s, want nil", itDump(e.Item))
	}
	tb.absent(t, itDoc)
}

// The attack ddbguard exists for: the app decided "alice owns doc-1" with a
// read, the item changed hands, and alice's write arrives afterwards.
func TestIT_Update_ownerChangedBetweenCheckAndWrite_isNotOwner(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	ctx := itCtx(t)

	var doc struct{ Owner string }
	if err := g.Get(ctx, "alice", itDoc, &doc); err != nil || doc.Owner != "alice" {
		t.Fatalf("time of check: Get = %v, owner %q", err, doc.Owner)
	}
	if err := g.Transfer("alice", itDoc, "bob").Run(ctx); err != nil {
		t.Fatalf("transfer to bob: %v", err)
	}
	c.expect(t, "", 2)
	afterTransfer := tb.item(t, itDoc)

	err := g.Update("alice", itDoc).Set("title", "stale write").Run(ctx)
	e := itWantErr(t, err, ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)
	if e.Item != nil {
		t.Errorf("Error.Item set for the former owner: %s", itDump(e.Item))
	}
	err = g.Delete("alice", itDoc).Run(ctx)
	itWantErr(t, err, ddbguard.ErrNotOwner)
	c.expect(t, itDeleteItem, 1)
	tb.unchanged(t, itDoc, afterTransfer)
	itWantField(t, tb.decode(t, itDoc), "owner", "bob")
}

func TestIT_Update_itemDeletedAndRecreatedByAnotherUser_isNotOwner(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})
	ctx := itCtx(t)

	if err := g.Create("alice", map[string]any{"pk": "doc-1", "title": "alice's"}).Run(ctx); err != nil {
		t.Fatalf("alice creates: %v", err)
	}
	if err := g.Delete("alice", itDoc).Run(ctx); err != nil {
		t.Fatalf("alice deletes: %v", err)
	}
	if err := g.Create("bob", map[string]any{"pk": "doc-1", "title": "bob's"}).Run(ctx); err != nil {
		t.Fatalf("bob recreates under the same id: %v", err)
	}
	c.expect(t, "", 3)
	bobs := tb.item(t, itDoc)

	itWantErr(t, g.Update("alice", itDoc).Set("title", "overwrite").Run(ctx), ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)
	itWantErr(t, g.Delete("alice", itDoc).Run(ctx), ddbguard.ErrNotOwner)
	c.expect(t, itDeleteItem, 1)
	tb.unchanged(t, itDoc, bobs)
}

func TestIT_Update_reservedWordsAndLiteralNames_storedAtTopLevel(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "size": 2, "comment": "drop me"})
	g, c := tb.guard(t, ddbguard.Schema{})

	err := g.Update("alice", itDoc).
		Set("name", "report").
		Set("status", "active").
		Add("size", 3).
		Set("a.b", 1).
		Set("my field", "spaced").
		Set("tags[0]", "literal").
		Remove("comment").
		Run(itCtx(t))
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	want := map[string]any{
		"pk": "doc-1", "owner": "alice", "name": "report", "status": "active",
		"size": 5, "a.b": 1, "my field": "spaced", "tags[0]": "literal",
	}
	if got := tb.decode(t, itDoc); itFormat(got) != itFormat(want) {
		t.Errorf("item %s\nwant %s", itFormat(got), itFormat(want))
	}
}

// Names that look like placeholders, ddbguard's own or the expression
// package's, are still names; more clauses than the precomputed
// placeholders work too.
func TestIT_Update_placeholderLookalikeNamesAndManyClauses_storedLiterally(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{Version: "version"})
	u := g.Update("alice", itDoc).
		Set("#gk", "a").Set(":gc", "b").Set("#n0", "c").Set(":v1", "d").Set("#0", "e")
	want := map[string]any{"pk": "doc-1", "owner": "alice", "title": "old", "status": "draft", "version": 1,
		"#gk": "a", ":gc": "b", "#n0": "c", ":v1": "d", "#0": "e", "meta": map[string]any{"k": "f"}}
	for i := 0; i < 12; i++ {
		name := fmt.Sprint("f", i)
		u.Set(name, i)
		want[name] = i
	}
	u.With(expression.Set(expression.Name("meta"), expression.Value(map[string]string{"k": "f"})))
	if err := u.Run(itCtx(t)); err != nil {
		t.Fatalf("update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	if got := tb.decode(t, itDoc); itFormat(got) != itFormat(want) {
		t.Errorf("item %s\nwant %s", itFormat(got), itFormat(want))
	}
}

func TestIT_Update_withNestedPathsIfAndSet_mergedIntoOneRequest(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{
		"pk": "doc-1", "owner": "alice", "status": "draft",
		"meta": map[string]any{"title": "old", "n": 1}, "tags": []string{"a"},
	})
	g, c := tb.guard(t, ddbguard.Schema{})

	with := expression.Set(expression.Name("meta.title"), expression.Value("new")).
		Set(expression.Name("tags"), expression.ListAppend(expression.Name("tags"), expression.Value([]string{"b"})))
	err := g.Update("alice", itDoc).
		With(with).
		If(expression.Name("status").Equal(expression.Value("draft"))).
		Set("status", "published").
		Run(itCtx(t))
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	m := tb.decode(t, itDoc)
	itWantField(t, m, "meta", map[string]any{"title": "new", "n": 1})
	itWantField(t, m, "tags", []any{"a", "b"})
	itWantField(t, m, "status", "published")
	itWantField(t, m, "owner", "alice")
}

func TestIT_Update_ifPreconditionFailsForOwner_isConflictWithCurrentItem(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Update("alice", itDoc).
		If(expression.Name("status").Equal(expression.Value("published"))).
		Set("title", "new").
		Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrConflict)
	c.expect(t, itUpdateItem, 1)
	if !itEqualItems(e.Item, before) {
		t.Errorf("Error.Item = %s, want the current item %s", itDump(e.Item), itDump(before))
	}
	if got := ddbguard.HTTPStatus(err); got != http.StatusConflict {
		t.Errorf("HTTPStatus = %d, want 409", got)
	}
	tb.unchanged(t, itDoc, before)
}

func TestIT_Update_Value_returnsItemAfterUpdate(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	var out struct {
		PK     string `dynamodbav:"pk"`
		Owner  string `dynamodbav:"owner"`
		Title  string `dynamodbav:"title"`
		Status string `dynamodbav:"status"`
		Count  int    `dynamodbav:"count"`
	}
	if err := g.Update("alice", itDoc).Set("title", "new").Add("count", 2).Value(itCtx(t), &out); err != nil {
		t.Fatalf("Value: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	if out.PK != "doc-1" || out.Owner != "alice" || out.Title != "new" || out.Status != "draft" || out.Count != 2 {
		t.Errorf("Value = %+v, want the whole item after the update", out)
	}
}

func TestIT_Update_guardedNames_failClosedWithoutRequest(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "version": 1, "created_at": "2024"})
	g, c := tb.guard(t, ddbguard.Schema{Version: "version", Editors: "editors", Protected: []string{"created_at"}})
	before := tb.item(t, itDoc)

	for name, u := range map[string]*ddbguard.GuardedUpdate{
		"set owner":          g.Update("alice", itDoc).Set("owner", "bob"),
		"remove pk":          g.Update("alice", itDoc).Remove("pk"),
		"add version":        g.Update("alice", itDoc).Add("version", 10),
		"set editors":        g.Update("alice", itDoc).Set("editors", []string{"mallory"}),
		"set protected":      g.Update("alice", itDoc).Set("created_at", "1999"),
		"with owner":         g.Update("alice", itDoc).With(expression.Set(expression.Name("owner"), expression.Value("bob"))),
		"with nested owner":  g.Update("alice", itDoc).With(expression.Set(expression.Name("owner.x"), expression.Value("bob"))),
		"transfer sets pk":   g.Transfer("alice", itDoc, "bob").Set("pk", "doc-2"),
		"remove protected":   g.Update("alice", itDoc).Remove("created_at"),
		"with remove editor": g.Update("alice", itDoc).With(expression.Remove(expression.Name("editors"))),
	} {
		err := u.Run(itCtx(t))
		if !errors.Is(err, ddbguard.ErrProtectedAttribute) {
			t.Errorf("%s: err = %v, want ErrProtectedAttribute", name, err)
		}
		c.expect(t, "", 0)
	}
	tb.unchanged(t, itDoc, before)
}

func TestIT_Update_tableDoesNotExist_isWrappedSDKError(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	c := itCount(tb.raw)
	g, err := ddbguard.New(c, ddbguard.Schema{Table: tb.name + "-missing", PartitionKey: "pk"})
	if err != nil {
		t.Fatal(err)
	}

	err = g.Update("alice", itDoc).Set("title", "x").Run(itCtx(t))
	e := itWantSDKErr(t, err)
	c.expect(t, itUpdateItem, 1)
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("errors.As ResourceNotFoundException failed on %v (Cause %T)", err, e.Cause)
	}
	if got := ddbguard.HTTPStatus(err); got != http.StatusInternalServerError {
		t.Errorf("HTTPStatus = %d, want 500", got)
	}
}

func TestIT_Update_cancelledContext_isWrappedSDKError(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)
	ctx, cancel := context.WithCancel(itCtx(t))
	cancel()

	for op, run := range map[string]func() error{
		itUpdateItem: func() error { return g.Update("alice", itDoc).Set("title", "x").Run(ctx) },
		itDeleteItem: func() error { return g.Delete("alice", itDoc).Run(ctx) },
		itPutItem:    func() error { return g.Create("alice", map[string]any{"pk": "doc-2"}).Run(ctx) },
		itGetItem:    func() error { var m map[string]any; return g.Get(ctx, "alice", itDoc, &m) },
		itTransact: func() error {
			return ddbguard.NewTx(c).Update(g.Update("alice", itDoc).Set("title", "x")).Run(ctx)
		},
	} {
		err := run()
		itWantSDKErr(t, err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: errors.Is(%v, context.Canceled) is false", op, err)
		}
		c.expect(t, op, 1)
	}
	tb.unchanged(t, itDoc, before)
	tb.absent(t, ddbguard.Key{PK: "doc-2"})
}

func TestIT_Update_expiredDeadline_isWrappedSDKErrorWith504(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)
	ctx, cancel := context.WithDeadline(itCtx(t), time.Now().Add(-time.Second))
	defer cancel()

	err := g.Update("alice", itDoc).Set("title", "x").Run(ctx)
	itWantSDKErr(t, err)
	c.expect(t, itUpdateItem, 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) is false", err)
	}
	if got := ddbguard.HTTPStatus(err); got != http.StatusGatewayTimeout {
		t.Errorf("HTTPStatus = %d, want 504", got)
	}
	tb.unchanged(t, itDoc, before)
}

func itContainsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
