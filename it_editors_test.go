package ddbguard_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/ddbguard/ddbguard"
)

var itEditorsSchema = ddbguard.Schema{Editors: "editors"}

// itSeedShared stores alice's doc-1 with carol as its only editor.
func itSeedShared(t *testing.T) *itTable {
	t.Helper()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "title": "old", "editors": itSS("carol")})
	return tb
}

func TestIT_Editors_ownerAddsAndRemovesEditors(t *testing.T) {
	t.Parallel()
	tb := itSeedDoc(t)
	g, c := tb.guard(t, itEditorsSchema)
	ctx := itCtx(t)

	if err := g.AddEditors("alice", itDoc, "carol", "dave").Run(ctx); err != nil {
		t.Fatalf("AddEditors: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	itWantField(t, tb.decode(t, itDoc), "editors", []string{"carol", "dave"})
	if err := g.Update("dave", itDoc).Set("title", "by dave").Run(ctx); err != nil {
		t.Fatalf("dave edits: %v", err)
	}
	c.expect(t, itUpdateItem, 1)

	if err := g.RemoveEditors("alice", itDoc, "dave").Run(ctx); err != nil {
		t.Fatalf("RemoveEditors: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	itWantField(t, tb.decode(t, itDoc), "editors", []string{"carol"})
	itWantErr(t, g.Update("dave", itDoc).Set("title", "again").Run(ctx), ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)

	// A stranger may not manage the editors.
	before := tb.item(t, itDoc)
	itWantErr(t, g.AddEditors("bob", itDoc, "bob").Run(ctx), ddbguard.ErrNotOwner)
	itWantErr(t, g.RemoveEditors("bob", itDoc, "carol").Run(ctx), ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 2)
	tb.unchanged(t, itDoc, before)

	// Removing the last editor removes the set.
	if err := g.RemoveEditors("alice", itDoc, "carol").Run(ctx); err != nil {
		t.Fatalf("RemoveEditors: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	if m := tb.decode(t, itDoc); m["editors"] != nil {
		t.Errorf("editors = %v after removing every editor", m["editors"])
	}
}

func TestIT_Editors_editorMayUpdateAndGet(t *testing.T) {
	t.Parallel()
	tb := itSeedShared(t)
	g, c := tb.guard(t, itEditorsSchema)
	ctx := itCtx(t)

	var after itDocument
	if err := g.Update("carol", itDoc).Set("title", "by carol").Value(ctx, &after); err != nil {
		t.Fatalf("editor's update: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	if after.Owner != "alice" || after.Title != "by carol" {
		t.Errorf("after the editor's update: %+v", after)
	}
	var got itDocument
	if err := g.Get(ctx, "carol", itDoc, &got); err != nil || got != after {
		t.Errorf("editor's Get: %v, %+v", err, got)
	}
	c.expect(t, itGetItem, 1)

	// An editor whose precondition fails sees the item, as the owner would.
	before := tb.item(t, itDoc)
	err := g.Update("carol", itDoc).If(expression.Name("title").Equal(expression.Value("old"))).Set("title", "x").Run(ctx)
	e := itWantErr(t, err, ddbguard.ErrConflict)
	c.expect(t, itUpdateItem, 1)
	if !itEqualItems(e.Item, before) {
		t.Errorf("Error.Item = %s, want %s", itDump(e.Item), itDump(before))
	}
	tb.unchanged(t, itDoc, before)
}

func TestIT_Editors_editorMayNotDeleteTransferReplaceOrManageEditors(t *testing.T) {
	t.Parallel()
	tb := itSeedShared(t)
	g, c := tb.guard(t, itEditorsSchema)
	before := tb.item(t, itDoc)

	for _, tc := range []struct {
		name, op string
		run      func() error
	}{
		{"delete", itDeleteItem, func() error { return g.Delete("carol", itDoc).Run(itCtx(t)) }},
		{"transfer", itUpdateItem, func() error { return g.Transfer("carol", itDoc, "carol").Run(itCtx(t)) }},
		{"replace", itPutItem, func() error {
			return g.Replace("carol", map[string]any{"pk": "doc-1", "editors": itSS("carol")}).Run(itCtx(t))
		}},
		{"add editors", itUpdateItem, func() error { return g.AddEditors("carol", itDoc, "eve").Run(itCtx(t)) }},
		{"remove editors", itUpdateItem, func() error { return g.RemoveEditors("carol", itDoc, "carol").Run(itCtx(t)) }},
	} {
		e := itWantErr(t, tc.run(), ddbguard.ErrNotOwner)
		c.expect(t, tc.op, 1)
		if e.Item != nil {
			t.Errorf("%s: Error.Item = %s, want nil", tc.name, itDump(e.Item))
		}
		tb.unchanged(t, itDoc, before)
	}

	// Nor inside a transaction, where the same guards apply.
	tb.seed(t, map[string]any{"pk": "doc-2", "owner": "alice", "editors": itSS("carol")})
	doc2 := tb.item(t, ddbguard.Key{PK: "doc-2"})
	tc := itCount(tb.raw)
	err := ddbguard.NewTx(tc).
		Update(g.Update("carol", itDoc).Set("title", "tx")).
		Delete(g.Delete("carol", ddbguard.Key{PK: "doc-2"})).
		Run(itCtx(t))
	if e := itWantErr(t, err, ddbguard.ErrNotOwner); e.Index != 1 {
		t.Errorf("editor's delete in a Tx: Index %d, want 1", e.Index)
	}
	tc.expect(t, itTransact, 1)
	tb.unchanged(t, itDoc, before)
	tb.unchanged(t, ddbguard.Key{PK: "doc-2"}, doc2)
}

func TestIT_Editors_editorSettingGuardedAttributes_isProtectedAttributeWithoutRequest(t *testing.T) {
	t.Parallel()
	tb := itSeedShared(t)
	g, c := tb.guard(t, itEditorsSchema)
	before := tb.item(t, itDoc)

	for name, u := range map[string]*ddbguard.GuardedUpdate{
		"set editors":    g.Update("carol", itDoc).Set("editors", itSS("carol", "eve")),
		"add editors":    g.Update("carol", itDoc).Add("editors", []string{"eve"}),
		"remove editors": g.Update("carol", itDoc).Remove("editors"),
		"with editors":   g.Update("carol", itDoc).With(expression.Add(expression.Name("editors"), expression.Value(itSS("eve")))),
		"set owner":      g.Update("carol", itDoc).Set("owner", "carol"),
	} {
		if err := u.Run(itCtx(t)); !errors.Is(err, ddbguard.ErrProtectedAttribute) {
			t.Errorf("%s: err = %v, want ErrProtectedAttribute", name, err)
		}
		c.expect(t, "", 0)
	}
	tb.unchanged(t, itDoc, before)
}

// contains() on a string matches substrings: "carol" is in "carolyn". The
// guard requires a string set, so a plain string (or a list) grants nothing.
func TestIT_Editors_editorsNotAStringSet_grantNothing(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, c := tb.guard(t, itEditorsSchema)
	for id, editors := range map[string]any{
		"substring": "carolyn",
		"string":    "carol",
		"list":      []string{"carol"},
	} {
		k := ddbguard.Key{PK: id}
		tb.seed(t, map[string]any{"pk": id, "owner": "alice", "title": "old", "editors": editors})
		before := tb.item(t, k)

		itWantErr(t, g.Update("carol", k).Set("title", "by carol").Run(itCtx(t)), ddbguard.ErrNotOwner)
		c.expect(t, itUpdateItem, 1)
		var out itDocument
		itWantErr(t, g.Get(itCtx(t), "carol", k, &out), ddbguard.ErrNotOwner)
		c.expect(t, itGetItem, 1)
		if out != (itDocument{}) {
			t.Errorf("%s: Get filled %+v for a non-editor", id, out)
		}
		tb.unchanged(t, k, before)
	}
}

func TestIT_Editors_transferClearsEditors(t *testing.T) {
	t.Parallel()
	tb := itSeedShared(t)
	g, c := tb.guard(t, itEditorsSchema)
	ctx := itCtx(t)

	if err := g.Transfer("alice", itDoc, "bob").Run(ctx); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	c.expect(t, itUpdateItem, 1)
	m := tb.decode(t, itDoc)
	itWantField(t, m, "owner", "bob")
	if _, ok := m["editors"]; ok {
		t.Errorf("editors %v survived the transfer", m["editors"])
	}
	before := tb.item(t, itDoc)
	itWantErr(t, g.Update("carol", itDoc).Set("title", "by carol").Run(ctx), ddbguard.ErrNotOwner)
	c.expect(t, itUpdateItem, 1)
	var out itDocument
	itWantErr(t, g.Get(ctx, "carol", itDoc, &out), ddbguard.ErrNotOwner)
	c.expect(t, itGetItem, 1)
	tb.unchanged(t, itDoc, before)
}
