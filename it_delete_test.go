package ddbguard_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

func TestIT_Delete_byOwner_removesItemInOneRequest(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	if err := g.Delete("alice", itDoc).Run(itCtx(t)); err != nil {
		t.Fatalf("owner's delete: %v", err)
	}
	c.expect(t, itDeleteItem, 1)
	tb.absent(t, itDoc)
}

func TestIT_Delete_byOtherCaller_isNotOwnerAndLeavesItemUnchanged(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Delete("bob", itDoc).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrNotOwner)
	c.expect(t, itDeleteItem, 1)
	if e.Item != nil {
		t.Errorf("Error.Item = %s, want nil", itDump(e.Item))
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("errors.As ConditionalCheckFailedException failed on %v", err)
	}
	if ccf.Item != nil {
		t.Errorf("the SDK exception still carries the item: %s", itDump(ccf.Item))
	}
	itNoLeak(t, err, "alice", "old")
	tb.unchanged(t, itDoc, before)
}

func TestIT_Delete_missingItem_isNotFound(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, ddbguard.Schema{})

	e := itWantErr(t, g.Delete("alice", itDoc).Run(itCtx(t)), ddbguard.ErrNotFound)
	c.expect(t, itDeleteItem, 1)
	if e.Item != nil {
		t.Errorf("Error.Item = %s, want nil", itDump(e.Item))
	}
	tb.absent(t, itDoc)
}

func TestIT_Delete_ifPreconditionFailsForOwner_isConflictWithCurrentItem(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})
	before := tb.item(t, itDoc)

	err := g.Delete("alice", itDoc).If(expression.Name("status").Equal(expression.Value("archived"))).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrConflict)
	c.expect(t, itDeleteItem, 1)
	if !itEqualItems(e.Item, before) {
		t.Errorf("Error.Item = %s, want %s", itDump(e.Item), itDump(before))
	}
	tb.unchanged(t, itDoc, before)
}

func TestIT_Delete_Value_returnsItemBeforeDelete(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, ddbguard.Schema{})

	var out map[string]any
	if err := g.Delete("alice", itDoc).Value(itCtx(t), &out); err != nil {
		t.Fatalf("Value: %v", err)
	}
	c.expect(t, itDeleteItem, 1)
	want := map[string]any{"pk": "doc-1", "owner": "alice", "title": "old", "status": "draft"}
	if itFormat(out) != itFormat(want) {
		t.Errorf("Value = %s, want %s", itFormat(out), itFormat(want))
	}
	tb.absent(t, itDoc)
}

func TestIT_Delete_staleIfVersion_isConflict(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "version": 3})
	g, c := tb.guard(t, ddbguard.Schema{Version: "version"})
	before := tb.item(t, itDoc)

	e := itWantErr(t, g.Delete("alice", itDoc).IfVersion(2).Run(itCtx(t)), ddbguard.ErrConflict)
	c.expect(t, itDeleteItem, 1)
	if !itEqualItems(e.Item, before) {
		t.Errorf("Error.Item = %s, want %s", itDump(e.Item), itDump(before))
	}
	tb.unchanged(t, itDoc, before)

	if err := g.Delete("alice", itDoc).IfVersion(3).Run(itCtx(t)); err != nil {
		t.Fatalf("delete at the current version: %v", err)
	}
	c.expect(t, itDeleteItem, 1)
	tb.absent(t, itDoc)
}
