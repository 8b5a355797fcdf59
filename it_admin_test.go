package ddbguard_test

// Integration tests of Admin views on DynamoDB Local: each builder skips
// only the owner comparison, and every operation is audited.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// adSchema is a table without tenants, with every guarded attribute and
// exact retries.
func adSchema() ddbguard.Schema {
	return ddbguard.Schema{PartitionKey: "pk", Version: "version", Editors: "editors", Protected: []string{"created_at"}, WriteID: "wid"}
}

func adDoc(pk string) map[string]any {
	return map[string]any{"pk": pk, "owner": "alice", "editors": []string{"carol"}, "version": 1,
		"state": "open", "created_at": "2024-01-02"}
}

// adWantEvent checks that exactly one audit event was recorded, an Admin
// one by ops with the reason, failed with reason (nil: success).
func adWantEvent(t *testing.T, e *tnEnv, op string, reason error) {
	t.Helper()
	ev := e.audit()
	if len(ev) != 1 {
		t.Fatalf("%s: %d audit events, want 1: %+v", op, len(ev), ev)
	}
	got := ev[0]
	if got.Op != op || !got.Admin || got.Why != scReason || got.Caller != "ops" || got.Failed != (reason != nil) || got.Reason != reason {
		t.Errorf("%s: audit event %+v, want reason %v", op, got, reason)
	}
}

func TestIT_Admin_eachBuilderSkipsOnlyTheOwnerCheck_andIsAudited(t *testing.T) {
	t.Parallel()
	e := tnNew(t, adSchema())
	a := e.g.Admin(scReason)
	ctx := itCtx(t)
	k := ddbguard.Key{PK: "doc-1"}
	e.put(t, adDoc("doc-1"))
	key := map[string]any{"pk": "doc-1"}

	// Update: the owner is not compared; version, If and Protected are.
	if err := a.Update("ops", k).Set("state", "closed").IfVersion(1).Run(ctx); err != nil {
		t.Fatal(err)
	}
	e.c.expect(t, itUpdateItem, 1)
	adWantEvent(t, e, "update", nil)
	got := e.read(t, key)
	if scS(got["owner"]) != "alice" || scS(got["state"]) != "closed" || pfNum(got, "version") != 2 {
		t.Errorf("after admin update: %s", itDump(got))
	}
	ce := itWantErr(t, a.Update("ops", k).Set("state", "x").IfVersion(1).Run(ctx), ddbguard.ErrConflict)
	if ce.Item == nil || scS(ce.Item["state"]) != "closed" {
		t.Errorf("an admin sees the item on a conflict: %v", ce.Item)
	}
	adWantEvent(t, e, "update", ddbguard.ErrConflict)
	itWantErr(t, a.Update("ops", k).Set("state", "x").If(expression.Name("state").Equal(expression.Value("open"))).Run(ctx), ddbguard.ErrConflict)
	adWantEvent(t, e, "update", ddbguard.ErrConflict)
	e.c.expect(t, itUpdateItem, 2)
	for _, name := range []string{"created_at", "owner", "version", "editors", "wid", "pk"} {
		itWantErr(t, a.Update("ops", k).Set(name, "x").Run(ctx), ddbguard.ErrProtectedAttribute)
		adWantEvent(t, e, "update", ddbguard.ErrProtectedAttribute)
	}
	e.c.expect(t, "", 0)
	itWantErr(t, a.Update("ops", ddbguard.Key{PK: "nope"}).Set("state", "x").Run(ctx), ddbguard.ErrNotFound)
	adWantEvent(t, e, "update", ddbguard.ErrNotFound)
	if got := e.read(t, map[string]any{"pk": "nope"}); got != nil {
		t.Errorf("an admin update created %s", itDump(got))
	}
	nope := ddbguard.Key{PK: "nope"}
	var none map[string]any
	itWantErr(t, a.Transfer("ops", nope, "bob").Run(ctx), ddbguard.ErrNotFound)
	itWantErr(t, a.AddEditors("ops", nope, "dave").Run(ctx), ddbguard.ErrNotFound)
	itWantErr(t, a.RemoveEditors("ops", nope, "dave").Run(ctx), ddbguard.ErrNotFound)
	itWantErr(t, a.Replace("ops", map[string]any{"pk": "nope", "owner": "alice"}).IfVersion(1).Run(ctx), ddbguard.ErrNotFound)
	itWantErr(t, a.Get(ctx, "ops", nope, &none), ddbguard.ErrNotFound)
	e.c.expect(t, "", 6)
	if got := e.read(t, map[string]any{"pk": "nope"}); got != nil {
		t.Errorf("an admin write created %s", itDump(got))
	}
	itWantErr(t, a.Update("", k).Set("state", "x").Run(ctx), ddbguard.ErrUnauthenticated)
	e.audit()
	e.c.Reset()

	// Get reads whoever's item.
	var doc map[string]any
	if err := a.Get(ctx, "ops", k, &doc); err != nil || doc["state"] != "closed" {
		t.Errorf("admin get: %v, %v", doc, err)
	}
	adWantEvent(t, e, "get", nil)

	// Editors change without the owner.
	if err := a.AddEditors("ops", k, "dave").Run(ctx); err != nil {
		t.Fatal(err)
	}
	adWantEvent(t, e, "add_editors", nil)
	if err := a.RemoveEditors("ops", k, "carol").Run(ctx); err != nil {
		t.Fatal(err)
	}
	adWantEvent(t, e, "remove_editors", nil)
	if got := pfSetOf(e.read(t, key)["editors"]); len(got) != 1 || got[0] != "dave" {
		t.Errorf("editors %v", got)
	}

	// Replace: the owner comes from the body and must be the stored one.
	body := map[string]any{"pk": "doc-1", "owner": "alice", "editors": []string{"dave"}, "created_at": "2024-01-02", "state": "replaced"}
	if err := a.Replace("ops", ddbguardtest.Item(body)).IfVersion(4).Run(ctx); err != nil {
		t.Fatal(err)
	}
	adWantEvent(t, e, "replace", nil)
	e.c.Reset()
	before := e.read(t, key)
	body["owner"] = "mallory"
	re := itWantErr(t, a.Replace("ops", ddbguardtest.Item(body)).IfVersion(5).Run(ctx), ddbguard.ErrConflict)
	if re.Item == nil || scS(re.Item["owner"]) != "alice" {
		t.Errorf("Item on an owner mismatch: %v", re.Item)
	}
	adWantEvent(t, e, "replace", ddbguard.ErrConflict)
	body["owner"], body["created_at"] = "alice", "2025-01-01"
	itWantErr(t, a.Replace("ops", ddbguardtest.Item(body)).IfVersion(5).Run(ctx), ddbguard.ErrProtectedAttribute)
	adWantEvent(t, e, "replace", ddbguard.ErrProtectedAttribute)
	delete(body, "owner")
	itWantErr(t, a.Replace("ops", body).IfVersion(5).Run(ctx), ddbguard.ErrInvalidInput)
	adWantEvent(t, e, "replace", ddbguard.ErrInvalidInput)
	itWantErr(t, a.Replace("ops", map[string]any{"pk": "doc-1", "owner": "alice"}).Run(ctx), ddbguard.ErrInvalidInput)
	e.audit()
	e.c.expect(t, itPutItem, 2)
	if after := e.read(t, key); !itEqualItems(before, after) {
		t.Errorf("refused replaces changed the item: %s", itDump(after))
	}

	// Transfer is how an admin changes an owner; it clears the editors.
	if err := a.Transfer("ops", k, "bob").IfVersion(5).Run(ctx); err != nil {
		t.Fatal(err)
	}
	adWantEvent(t, e, "transfer", nil)
	got = e.read(t, key)
	if scS(got["owner"]) != "bob" || got["editors"] != nil || pfNum(got, "version") != 6 {
		t.Errorf("after admin transfer: %s", itDump(got))
	}

	// Create takes the owner from the item.
	if err := a.Create("ops", map[string]any{"pk": "doc-2", "owner": "erin"}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	adWantEvent(t, e, "create", nil)
	if got := e.read(t, map[string]any{"pk": "doc-2"}); scS(got["owner"]) != "erin" {
		t.Errorf("created %s", itDump(got))
	}
	xe := itWantErr(t, a.Create("ops", map[string]any{"pk": "doc-2", "owner": "erin"}).Run(ctx), ddbguard.ErrAlreadyExists)
	if xe.Item == nil {
		t.Error("an admin sees the existing item")
	}
	adWantEvent(t, e, "create", ddbguard.ErrAlreadyExists)
	e.c.Reset()
	itWantErr(t, a.Create("ops", map[string]any{"pk": "doc-3"}).Run(ctx), ddbguard.ErrInvalidInput)
	adWantEvent(t, e, "create", ddbguard.ErrInvalidInput)
	e.c.expect(t, "", 0)

	// Delete keeps IfVersion and existence.
	itWantErr(t, a.Delete("ops", k).IfVersion(1).Run(ctx), ddbguard.ErrConflict)
	adWantEvent(t, e, "delete", ddbguard.ErrConflict)
	if err := a.Delete("ops", k).IfVersion(6).Run(ctx); err != nil {
		t.Fatal(err)
	}
	adWantEvent(t, e, "delete", nil)
	itWantErr(t, a.Delete("ops", k).Run(ctx), ddbguard.ErrNotFound)
	adWantEvent(t, e, "delete", ddbguard.ErrNotFound)
	if got := e.read(t, key); got != nil {
		t.Errorf("deleted item still there: %s", itDump(got))
	}

	// The parent Guard is still the user's: ops owns nothing.
	itWantErr(t, e.g.Update("ops", ddbguard.Key{PK: "doc-2"}).Set("state", "x").Run(ctx), ddbguard.ErrNotOwner)
	e.audit()
}

func TestIT_Admin_onATenantTable_staysInItsTenant_andAuditsTheTenant(t *testing.T) {
	t.Parallel()
	e := tnNew(t, tnSchema())
	e.put(t, map[string]any{"pk": "doc-1", "tenant": "acme", "owner": "alice", "version": 1, "created_at": "x"})
	ctx := itCtx(t)
	k := ddbguard.Key{PK: "doc-1"}
	// No cross-tenant admin.
	itWantErr(t, e.g.Admin(scReason).Update("ops", k).Set("state", "closed").Run(ctx), ddbguard.ErrInvalidInput)
	e.c.expect(t, "", 0)
	e.audit()
	itWantErr(t, e.g.Admin(scReason).ForTenant("globex").Update("ops", k).Set("state", "closed").Run(ctx), ddbguard.ErrNotOwner)
	ev := e.audit()
	if len(ev) != 1 || ev[0].Tenant != "globex" || !ev[0].Admin || ev[0].Reason != ddbguard.ErrNotOwner {
		t.Errorf("audit %+v", ev)
	}
	if err := e.g.Admin(scReason).ForTenant("acme").Update("ops", k).Set("state", "closed").Run(ctx); err != nil {
		t.Fatal(err)
	}
	ev = e.audit()
	if len(ev) != 1 || ev[0].Tenant != "acme" || ev[0].Failed || ev[0].Why != scReason {
		t.Errorf("audit %+v", ev)
	}
	// An admin's create is stamped with the tenant and the item's owner.
	if err := e.g.ForTenant("acme").Admin(scReason).Create("ops", map[string]any{"pk": "doc-2", "owner": "bob"}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	got := e.read(t, map[string]any{"pk": "doc-2"})
	if scS(got["tenant"]) != "acme" || scS(got["owner"]) != "bob" {
		t.Errorf("created %s", itDump(got))
	}
}

func TestIT_Admin_withoutOldItem_classifiesWithAQueryDynamoDBAccepts(t *testing.T) {
	t.Parallel()
	for _, tenant := range []bool{false, true} {
		s := adSchema()
		if tenant {
			s.Tenant = "tenant"
		}
		e := tnNew(t, s, ddbguard.WithoutOldItem())
		doc := adDoc("doc-1")
		a := e.g.Admin(scReason)
		if tenant {
			doc["tenant"] = "acme"
			a = e.g.ForTenant("acme").Admin(scReason)
		}
		e.put(t, doc)
		ctx := itCtx(t)
		k := ddbguard.Key{PK: "doc-1"}
		itWantErr(t, a.Update("ops", ddbguard.Key{PK: "nope"}).Set("state", "x").Run(ctx), ddbguard.ErrNotFound)
		itWantErr(t, a.Update("ops", k).Set("state", "x").IfVersion(7).Run(ctx), ddbguard.ErrConflict)
		itWantErr(t, a.Replace("ops", map[string]any{"pk": "doc-1", "owner": "mallory", "created_at": "2024-01-02"}).IfVersion(1).Run(ctx), ddbguard.ErrConflict)
		itWantErr(t, a.Create("ops", map[string]any{"pk": "doc-1", "owner": "bob"}).Run(ctx), ddbguard.ErrAlreadyExists)
		e.c.expect(t, "", 8)
		if tenant {
			other := e.g.ForTenant("globex").Admin(scReason)
			itWantErr(t, other.Delete("ops", k).Run(ctx), ddbguard.ErrNotOwner)
			itWantErr(t, other.Create("ops", map[string]any{"pk": "doc-1", "owner": "bob"}).Run(ctx), ddbguard.ErrAlreadyExists)
			var out map[string]any
			itWantErr(t, other.Get(ctx, "ops", k, &out), ddbguard.ErrNotOwner)
			e.c.expect(t, "", 5)
		}
		if err := a.Update("ops", k).Set("state", "closed").IfVersion(1).Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
