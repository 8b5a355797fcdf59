package ddbguard_test

import (
	"testing"

	"github.com/ddbguard/ddbguard"
)

var itVersioned = ddbguard.Schema{Version: "version", Protected: []string{"created_at"}}

func TestIT_Version_createWritesOneAndEveryWriteIncrements(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, itVersioned)
	ctx := itCtx(t)
	version := func(want int) {
		t.Helper()
		itWantField(t, tb.decode(t, itDoc), "version", want)
	}

	// A version in the item is overwritten: Create always starts at 1.
	if err := g.Create("alice", map[string]any{"pk": "doc-1", "created_at": "2024", "version": 41}).Run(ctx); err != nil {
		t.Fatalf("create: %v", err)
	}
	c.expect(t, itPutItem, 1)
	version(1)

	if err := g.Update("alice", itDoc).Set("title", "a").Run(ctx); err != nil {
		t.Fatalf("update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	version(2)

	if err := g.Replace("alice", map[string]any{"pk": "doc-1", "created_at": "2024", "title": "b"}).IfVersion(2).Run(ctx); err != nil {
		t.Fatalf("replace: %v", err)
	}
	c.expect(t, itPutItem, 1)
	version(3)

	if err := g.Transfer("alice", itDoc, "bob").Run(ctx); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	version(4)

	if err := g.Update("bob", itDoc).IfVersion(4).Set("title", "c").Run(ctx); err != nil {
		t.Fatalf("update at the current version: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	version(5)
	m := tb.decode(t, itDoc)
	itWantField(t, m, "owner", "bob")
	itWantField(t, m, "created_at", "2024")
}

func TestIT_Version_staleIfVersion_isConflictWithCurrentItemForOwner(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "created_at": "2024", "version": 7})
	g, c := tb.guard(t, itVersioned)
	before := tb.item(t, itDoc)

	for _, tc := range []struct {
		name, op string
		run      func() error
	}{
		{"update", itUpdateItem, func() error { return g.Update("alice", itDoc).IfVersion(6).Set("t", 1).Run(itCtx(t)) }},
		{"transfer", itUpdateItem, func() error { return g.Transfer("alice", itDoc, "bob").IfVersion(6).Run(itCtx(t)) }},
		{"delete", itDeleteItem, func() error { return g.Delete("alice", itDoc).IfVersion(6).Run(itCtx(t)) }},
		{"replace", itPutItem, func() error {
			return g.Replace("alice", map[string]any{"pk": "doc-1", "created_at": "2024"}).IfVersion(6).Run(itCtx(t))
		}},
	} {
		e := itWantErr(t, tc.run(), ddbguard.ErrConflict)
		c.expect(t, tc.op, 1)
		if !itEqualItems(e.Item, before) {
			t.Errorf("%s: Error.Item = %s, want the current item (version 7)", tc.name, itDump(e.Item))
		}
		tb.unchanged(t, itDoc, before)
	}
}

// Ownership is judged before the version: a stranger guessing a stale
// version learns neither the version nor that the item exists.
func TestIT_Version_staleIfVersionByOtherCaller_isNotOwnerWithoutItem(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "version": 7})
	g, c := tb.guard(t, itVersioned)
	before := tb.item(t, itDoc)

	e := itWantErr(t, g.Update("bob", itDoc).IfVersion(6).Set("t", 1).Run(itCtx(t)), ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)
	if e.Item != nil {
		t.Errorf("Error.Item = %s, want nil", itDump(e.Item))
	}
	tb.unchanged(t, itDoc, before)
}

func TestIT_Version_replaceWithoutIfVersion_isInvalidInputWithoutRequest(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "created_at": "2024", "version": 1})
	g, c := tb.guard(t, itVersioned)
	before := tb.item(t, itDoc)

	err := g.Replace("alice", map[string]any{"pk": "doc-1", "created_at": "2024"}).Run(itCtx(t))
	itWantErr(t, err, ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)
	tb.unchanged(t, itDoc, before)
}
