package ddbguard_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

func TestIT_Create_stampsCallerAsOwnerInOneRequest(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})

	if err := g.Create("alice", map[string]any{"pk": "doc-1", "title": "t"}).Run(itCtx(t)); err != nil {
		t.Fatalf("create: %v", err)
	}
	c.expect(t, itPutItem, 1)
	want := map[string]any{"pk": "doc-1", "owner": "alice", "title": "t"}
	if got := tb.decode(t, itDoc); itFormat(got) != itFormat(want) {
		t.Errorf("item %s, want %s", itFormat(got), itFormat(want))
	}
}

func TestIT_Create_itemNamingAnotherOwner_isProtectedAttributeWithoutRequest(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})

	err := g.Create("mallory", map[string]any{"pk": "doc-1", "owner": "alice"}).Run(itCtx(t))
	itWantErr(t, err, ddbguard.ErrProtectedAttribute)
	c.expect(t, "", 0)
	tb.absent(t, itDoc)
}

func TestIT_Create_overAnotherCallersItem_isAlreadyExistsWithoutItem(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Create("bob", map[string]any{"pk": "doc-1", "title": "bob's"}).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrAlreadyExists)
	c.expect(t, itPutItem, 1)
	if !errors.Is(err, ddbguard.ErrConflict) {
		t.Errorf("ErrAlreadyExists does not match ErrConflict")
	}
	if e.Item != nil {
		t.Errorf("Error.Item = %s, want nil: bob does not own the item", itDump(e.Item))
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Errorf("ConditionalCheckFailedException %v: want it present with its item stripped", ccf)
	}
	if got := ddbguard.HTTPStatus(err); got != http.StatusConflict {
		t.Errorf("HTTPStatus = %d, want 409", got)
	}
	itNoLeak(t, err, "alice", "old")
	tb.unchanged(t, itDoc, before)
}

func TestIT_Create_overOwnDifferentItem_isAlreadyExistsWithItem(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Create("alice", map[string]any{"pk": "doc-1", "title": "second"}).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrAlreadyExists)
	c.expect(t, itPutItem, 1)
	if !itEqualItems(e.Item, before) {
		t.Errorf("Error.Item = %s, want the stored item %s", itDump(e.Item), itDump(before))
	}
	tb.unchanged(t, itDoc, before)
}

// A create that finds the caller's identical item on its first attempt has
// met a separate, earlier create: nothing is in doubt, so it is
// ErrAlreadyExists (it_retry_test.go covers the retries that succeed).
func TestIT_Create_identicalItemAlreadyStoredByCaller_isAlreadyExists(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{Version: "version"})
	item := map[string]any{"pk": "doc-1", "title": "t"}
	if err := g.Create("alice", item).Run(itCtx(t)); err != nil {
		t.Fatalf("create: %v", err)
	}
	stored := tb.item(t, itDoc)

	e := itWantErr(t, g.Create("alice", item).Run(itCtx(t)), ddbguard.ErrAlreadyExists)
	if !itEqualItems(e.Item, stored) {
		t.Errorf("Error.Item = %s, want the caller's stored item %s", itDump(e.Item), itDump(stored))
	}
	c.expect(t, itPutItem, 2)
	tb.unchanged(t, itDoc, stored)
}

func TestIT_Replace_byOwner_replacesWholeItemInOneRequest(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	if err := g.Replace("alice", map[string]any{"pk": "doc-1", "body": "new"}).Run(itCtx(t)); err != nil {
		t.Fatalf("replace: %v", err)
	}
	c.expect(t, itPutItem, 1)
	want := map[string]any{"pk": "doc-1", "owner": "alice", "body": "new"}
	if got := tb.decode(t, itDoc); itFormat(got) != itFormat(want) {
		t.Errorf("item %s, want %s", itFormat(got), itFormat(want))
	}
}

func TestIT_Replace_byOtherCaller_isNotOwnerAndLeavesItemUnchanged(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Replace("bob", map[string]any{"pk": "doc-1", "body": "bob's"}).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrNotOwner)
	c.expect(t, itPutItem, 1)
	var ccf *types.ConditionalCheckFailedException
	if e.Item != nil || !errors.As(err, &ccf) || ccf.Item != nil {
		t.Errorf("Error.Item %v, SDK exception %v: want both without the item", e.Item, ccf)
	}
	itNoLeak(t, err, "alice", "old")
	tb.unchanged(t, itDoc, before)
}

func TestIT_Replace_missingItem_isNotFoundAndCreatesNothing(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})

	itWantErr(t, g.Replace("alice", map[string]any{"pk": "doc-1"}).Run(itCtx(t)), ddbguard.ErrNotFound)
	c.expect(t, itPutItem, 1)
	tb.absent(t, itDoc)
}

func TestIT_Replace_protectedAttributes_mustBeCarriedUnchanged(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "created_at": "2024-01-01", "body": "v1"})
	g, c := tb.guard(t, ddbguard.Schema{Protected: []string{"created_at"}})
	before := tb.item(t, itDoc)

	for name, item := range map[string]map[string]any{
		"changed": {"pk": "doc-1", "created_at": "1999-12-31", "body": "v2"},
		"dropped": {"pk": "doc-1", "body": "v2"},
	} {
		err := g.Replace("alice", item).Run(itCtx(t))
		e := itWantErr(t, err, ddbguard.ErrProtectedAttribute)
		c.expect(t, itPutItem, 1)
		if !itEqualItems(e.Item, before) {
			t.Errorf("%s: Error.Item = %s, want the stored item for its owner", name, itDump(e.Item))
		}
		tb.unchanged(t, itDoc, before)
	}

	err := g.Replace("alice", map[string]any{"pk": "doc-1", "created_at": "2024-01-01", "body": "v2"}).Run(itCtx(t))
	if err != nil {
		t.Fatalf("replace carrying created_at unchanged: %v", err)
	}
	c.expect(t, itPutItem, 1)
	itWantField(t, tb.decode(t, itDoc), "body", "v2")
}

func TestIT_Transfer_byOwner_changesOwnerInOneRequest(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	if err := g.Transfer("alice", itDoc, "bob").Set("status", "handed over").Run(itCtx(t)); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	m := tb.decode(t, itDoc)
	itWantField(t, m, "owner", "bob")
	itWantField(t, m, "status", "handed over")
	itWantField(t, m, "title", "old")
}

func TestIT_Transfer_byOtherCallerOrOfMissingItem_failsWithoutChange(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Transfer("mallory", itDoc, "mallory").Run(itCtx(t))
	if e := itWantErr(t, err, ddbguard.ErrNotOwner); e.Item != nil {
		t.Errorf("Error.Item = %s, want nil", itDump(e.Item))
	}
	c.expect(t, itUpdateItem, 1)
	itNoLeak(t, err, "alice")
	tb.unchanged(t, itDoc, before)

	missing := ddbguard.Key{PK: "doc-2"}
	itWantErr(t, g.Transfer("alice", missing, "bob").Run(itCtx(t)), ddbguard.ErrNotFound)
	c.expect(t, itUpdateItem, 1)
	tb.absent(t, missing)
}
