package ddbguard_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/internal/ddblocal"
)

type itDocument struct {
	PK    string `dynamodbav:"pk"`
	Owner string `dynamodbav:"owner"`
	Title string `dynamodbav:"title"`
}

func TestIT_Get_ownerAndEditor_readTheItem(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "title": "old", "editors": itSS("carol")})
	g, c := tb.guard(t, ddbguard.Schema{Editors: "editors"})

	for _, caller := range []string{"alice", "carol"} {
		var out itDocument
		if err := g.Get(itCtx(t), caller, itDoc, &out); err != nil {
			t.Fatalf("%s's Get: %v", caller, err)
		}
		c.expect(t, itGetItem, 1)
		if out != (itDocument{PK: "doc-1", Owner: "alice", Title: "old"}) {
			t.Errorf("%s read %+v", caller, out)
		}
	}
}

func TestIT_Get_byOtherCaller_isNotOwnerAndFillsNothing(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	var out itDocument
	err := g.Get(itCtx(t), "bob", itDoc, &out)
	e := itWantErr(t, err, ddbguard.ErrNotOwner)
	c.expect(t, itGetItem, 1)
	if out != (itDocument{}) || e.Item != nil {
		t.Errorf("out = %+v, Error.Item = %v: the item leaked to a non-owner", out, e.Item)
	}
	if got := ddbguard.HTTPStatus(err); got != http.StatusNotFound {
		t.Errorf("HTTPStatus = %d, want 404 like an absent item", got)
	}
	itNoLeak(t, err, "alice", "old")
}

func TestIT_Get_absentItem_isNotFound(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})

	var out itDocument
	itWantErr(t, g.Get(itCtx(t), "alice", itDoc, &out), ddbguard.ErrNotFound)
	c.expect(t, itGetItem, 1)
}

// itLifecycle runs alice's create, get, update and delete of the item
// with key k, and checks that bob is refused at every step.
func itLifecycle(t *testing.T, tb *itTable, g *ddbguard.Guard, c *itCounting, item map[string]any, k ddbguard.Key) {
	t.Helper()
	ctx := itCtx(t)
	if err := g.Create("alice", item).Run(ctx); err != nil {
		t.Fatalf("create: %v", err)
	}
	c.expect(t, itPutItem, 1)
	var out map[string]any
	if err := g.Get(ctx, "alice", k, &out); err != nil || out["owner"] != "alice" {
		t.Fatalf("get: %v, item %v", err, out)
	}
	c.expect(t, itGetItem, 1)
	if err := g.Update("alice", k).Set("title", "t").Run(ctx); err != nil {
		t.Fatalf("update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	before := tb.item(t, k)

	itWantErr(t, g.Update("bob", k).Set("title", "b").Run(ctx), ddbguard.ErrNotOwner)
	itWantErr(t, g.Transfer("bob", k, "bob").Run(ctx), ddbguard.ErrNotOwner)
	itWantErr(t, g.Delete("bob", k).Run(ctx), ddbguard.ErrNotOwner)
	c.expect(t, "", 3)
	itWantErr(t, g.Get(ctx, "bob", k, &out), ddbguard.ErrNotOwner)
	c.expect(t, itGetItem, 1)
	e := itWantErr(t, g.Create("bob", item).Run(ctx), ddbguard.ErrAlreadyExists)
	c.expect(t, itPutItem, 1)
	if e.Item != nil {
		t.Errorf("bob's create: Error.Item = %s, want nil", itDump(e.Item))
	}
	tb.unchanged(t, k, before)

	if err := g.Delete("alice", k).Run(ctx); err != nil {
		t.Fatalf("delete: %v", err)
	}
	c.expect(t, itDeleteItem, 1)
	tb.absent(t, k)
	itWantErr(t, g.Update("alice", k).Set("title", "again").Run(ctx), ddbguard.ErrNotFound)
	c.expect(t, itUpdateItem, 1)
	tb.absent(t, k)
}

func TestIT_Keys_compositeKey_guardsEachItemOfAPartition(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, true)
	g, c := tb.guard(t, ddbguard.Schema{})
	tb.seed(t, map[string]any{"pk": "org#1", "sk": "doc#b", "owner": "bob", "title": "bob's"})
	bobs := ddbguard.Key{PK: "org#1", SK: "doc#b"}
	before := tb.item(t, bobs)

	itLifecycle(t, tb, g, c, map[string]any{"pk": "org#1", "sk": "doc#a"}, ddbguard.Key{PK: "org#1", SK: "doc#a"})

	e := itWantErr(t, g.Update("alice", bobs).Set("title", "x").Run(itCtx(t)), ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)
	if e.Key != bobs {
		t.Errorf("Error.Key = %+v, want %+v", e.Key, bobs)
	}
	itWantErr(t, g.Update("alice", ddbguard.Key{PK: "org#1"}).Set("title", "x").Run(itCtx(t)), ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)
	tb.unchanged(t, bobs, before)
}

func TestIT_Keys_numberPartitionKey(t *testing.T) {
	t.Parallel()
	tb := itNewTableSpec(t, ddblocal.Table{Name: "it_numkey", PK: "pk", PKType: types.ScalarAttributeTypeN})
	g, c := tb.guard(t, ddbguard.Schema{})
	itLifecycle(t, tb, g, c, map[string]any{"pk": 42}, ddbguard.Key{PK: 42})

	// Numbers are compared by value: 7, int64(7) and 7.0 are one item.
	if err := g.Create("alice", map[string]any{"pk": int64(7)}).Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := g.Update("alice", ddbguard.Key{PK: 7.0}).Add("n", 1).Run(itCtx(t)); err != nil {
		t.Fatalf("update through 7.0: %v", err)
	}
	c.expect(t, "", 2)
	itWantField(t, tb.decode(t, ddbguard.Key{PK: 7}), "n", 1)

	// A string key for a number table: DynamoDB refuses it, and the refusal
	// is not about ownership; with KeyTypes it is refused before a request.
	err := g.Update("alice", ddbguard.Key{PK: "7"}).Add("n", 1).Run(itCtx(t))
	itWantSDKErr(t, err)
	var api interface{ ErrorCode() string }
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
		t.Errorf("err = %v, want DynamoDB's ValidationException as its Cause", err)
	}
	c.expect(t, itUpdateItem, 1)
	typed, tc := tb.guard(t, ddbguard.Schema{KeyTypes: []types.ScalarAttributeType{types.ScalarAttributeTypeN}})
	itWantErr(t, typed.Update("alice", ddbguard.Key{PK: "7"}).Add("n", 1).Run(itCtx(t)), ddbguard.ErrInvalidInput)
	tc.expect(t, "", 0)
	itWantField(t, tb.decode(t, ddbguard.Key{PK: 7}), "n", 1)
}

func TestIT_Keys_binaryPartitionKey(t *testing.T) {
	t.Parallel()
	tb := itNewTableSpec(t, ddblocal.Table{Name: "it_binkey", PK: "pk", PKType: types.ScalarAttributeTypeB})
	g, c := tb.guard(t, ddbguard.Schema{})
	id := []byte{0x00, 0xff, 'x', 0x80}
	itLifecycle(t, tb, g, c, map[string]any{"pk": id}, ddbguard.Key{PK: id})

	itWantErr(t, g.Update("alice", ddbguard.Key{PK: []byte{}}).Set("title", "t").Run(itCtx(t)), ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)
}
