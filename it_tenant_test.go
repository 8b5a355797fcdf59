package ddbguard_test

// Integration tests of ForTenant views on DynamoDB Local: the same owner id
// in two tenants is two people, for every builder.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// tnEnv is one tenant table on DynamoDB Local with a raw client that reads
// it behind the guard's back.
type tnEnv struct {
	raw    *dynamodb.Client
	s      ddbguard.Schema
	c      *itCounting
	g      *ddbguard.Guard
	mu     sync.Mutex
	events []ddbguard.AuditEvent
}

func tnNew(t *testing.T, s ddbguard.Schema, opts ...ddbguard.Option) *tnEnv {
	t.Helper()
	e := &tnEnv{}
	e.raw, e.s = ddbguardtest.LocalTable(t, s)
	e.c = itCount(e.raw)
	opts = append(opts, ddbguard.WithAudit(func(_ context.Context, ev ddbguard.AuditEvent) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.events = append(e.events, ev)
	}))
	g, err := ddbguard.New(e.c, e.s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.g = g
	return e
}

// audit returns the events recorded since the last call.
func (e *tnEnv) audit() []ddbguard.AuditEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := e.events
	e.events = nil
	return ev
}

func (e *tnEnv) put(t *testing.T, item map[string]any) {
	t.Helper()
	av := ddbguardtest.Item(item)
	if _, err := e.raw.PutItem(itCtx(t), &dynamodb.PutItemInput{TableName: aws.String(e.s.Table), Item: av}); err != nil {
		t.Fatal(err)
	}
}

func (e *tnEnv) read(t *testing.T, k map[string]any) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.raw.GetItem(itCtx(t), &dynamodb.GetItemInput{
		TableName: aws.String(e.s.Table), Key: ddbguardtest.Item(k), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// tnSchema is a shared-key-space tenant table with every guarded
// attribute, exact retries and an owner index.
func tnSchema() ddbguard.Schema {
	return ddbguard.Schema{
		PartitionKey: "pk", Version: "version", Editors: "editors", Protected: []string{"created_at"},
		Tenant: "tenant", OwnerIndex: "by_owner", WriteID: "wid",
	}
}

// tnAcmeDoc is acme's item owned by alice, whom acme's carol may edit.
func tnAcmeDoc() map[string]any {
	return map[string]any{
		"pk": "doc-1", "tenant": "acme", "owner": "alice", "editors": []string{"alice", "carol"},
		"version": 1, "title": "acme-secret", "created_at": "2024-01-02",
	}
}

func TestIT_ForTenant_sameOwnerIdInAnotherTenant_isAnotherPerson_forEveryBuilder(t *testing.T) {
	for _, mode := range []string{"ALL_OLD", "WithoutOldItem"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var opts []ddbguard.Option
			if mode == "WithoutOldItem" {
				opts = append(opts, ddbguard.WithoutOldItem())
			}
			e := tnNew(t, tnSchema(), opts...)
			e.put(t, tnAcmeDoc())
			before := e.read(t, map[string]any{"pk": "doc-1"})
			globex := map[string]scView{
				"user":  e.g.ForTenant("globex"),
				"admin": e.g.ForTenant("globex").Admin(scReason),
			}
			for vname, v := range globex {
				for _, op := range scOps() {
					// alice (and carol, the editor) of globex attack acme's item.
					for _, caller := range []string{"alice", "carol"} {
						if vname == "admin" && caller == "carol" {
							continue
						}
						err := op.run(itCtx(t), v, e.c, caller, "doc-1")
						name := vname + "/" + op.name + "/" + caller
						e.c.Reset()
						switch op.name {
						case "list":
							if err != nil && vname == "user" {
								t.Errorf("%s: %v", name, err)
							}
						case "create":
							scNoItemIn(t, itWantErr(t, err, ddbguard.ErrAlreadyExists), "acme", "acme-secret")
						case "check in tx":
							scNoItemIn(t, itWantErr(t, err, ddbguard.ErrForbidden), "acme", "acme-secret")
						default:
							scNoItemIn(t, itWantErr(t, err, ddbguard.ErrNotOwner), "acme", "acme-secret")
						}
						for _, ev := range e.audit() {
							if s := fmt.Sprintf("%+v", ev); strings.Contains(s, "acme") {
								t.Errorf("%s: audit event %s names the other tenant", name, s)
							}
						}
						if after := e.read(t, map[string]any{"pk": "doc-1"}); !itEqualItems(before, after) {
							t.Fatalf("%s changed acme's item:\n%s\n%s", name, itDump(before), itDump(after))
						}
					}
				}
			}
			// globex's alice lists nothing of acme's alice.
			var page []map[string]any
			if _, err := e.g.ForTenant("globex").List("alice").Page(itCtx(t), &page); err != nil || len(page) != 0 {
				t.Errorf("globex list: %v, %v", page, err)
			}
			// The same builders succeed for acme's alice: the refusals were the tenant's.
			acme := e.g.ForTenant("acme")
			var got map[string]any
			if err := acme.Get(itCtx(t), "alice", ddbguard.Key{PK: "doc-1"}, &got); err != nil || got["title"] != "acme-secret" {
				t.Errorf("acme get: %v, %v", got, err)
			}
			if err := acme.Update("carol", ddbguard.Key{PK: "doc-1"}).Set("title", "edited").Run(itCtx(t)); err != nil {
				t.Errorf("acme editor update: %v", err)
			}
			if err := acme.Delete("alice", ddbguard.Key{PK: "doc-1"}).Run(itCtx(t)); err != nil {
				t.Errorf("acme delete: %v", err)
			}
		})
	}
}

func TestIT_ForTenant_createStampsTheTenant_andRefusesABodyNamingAnother(t *testing.T) {
	t.Parallel()
	e := tnNew(t, tnSchema())
	acme := e.g.ForTenant("acme")
	if err := acme.Create("alice", map[string]any{"pk": "doc-1", "title": "t"}).Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	e.c.expect(t, itPutItem, 1)
	if got := e.read(t, map[string]any{"pk": "doc-1"}); scS(got["tenant"]) != "acme" || scS(got["owner"]) != "alice" {
		t.Errorf("stored %s", itDump(got))
	}
	err := acme.Create("alice", map[string]any{"pk": "doc-2", "tenant": "globex"}).Run(itCtx(t))
	itWantErr(t, err, ddbguard.ErrProtectedAttribute)
	err = acme.Replace("alice", map[string]any{"pk": "doc-1", "tenant": "globex"}).IfVersion(1).Run(itCtx(t))
	itWantErr(t, err, ddbguard.ErrProtectedAttribute)
	err = acme.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("tenant", "globex").Run(itCtx(t))
	itWantErr(t, err, ddbguard.ErrProtectedAttribute)
	e.c.expect(t, "", 0)
	if got := e.read(t, map[string]any{"pk": "doc-2"}); got != nil {
		t.Errorf("doc-2 stored: %s", itDump(got))
	}
	// Replace without a tenant in the body keeps the item in acme.
	if err := acme.Replace("alice", map[string]any{"pk": "doc-1", "title": "r"}).IfVersion(1).Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, map[string]any{"pk": "doc-1"}); scS(got["tenant"]) != "acme" || scS(got["title"]) != "r" {
		t.Errorf("replaced %s", itDump(got))
	}
}

func TestIT_ForTenant_tenantInPartitionKey_refusesOtherTenantsKeysBeforeSending(t *testing.T) {
	for _, mode := range []string{"ALL_OLD", "WithoutOldItem"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var opts []ddbguard.Option
			if mode == "WithoutOldItem" {
				opts = append(opts, ddbguard.WithoutOldItem())
			}
			e := tnNew(t, ddbguard.Schema{PartitionKey: "tenant", SortKey: "id", Tenant: "tenant", Version: "version", WriteID: "wid"}, opts...)
			acme, globex := e.g.ForTenant("acme"), e.g.ForTenant("globex")
			ctx := itCtx(t)
			if err := acme.Create("alice", map[string]any{"tenant": "acme", "id": "doc-1", "title": "acme-secret"}).Run(ctx); err != nil {
				t.Fatal(err)
			}
			// The same id in globex is another item, alice of globex another person.
			if err := globex.Create("alice", map[string]any{"tenant": "globex", "id": "doc-1", "title": "g"}).Run(ctx); err != nil {
				t.Fatal(err)
			}
			e.c.Reset()
			acmeKey := ddbguard.Key{PK: "acme", SK: "doc-1"}
			before := e.read(t, map[string]any{"tenant": "acme", "id": "doc-1"})
			var out map[string]any
			itWantErr(t, globex.Update("alice", acmeKey).Set("title", "x").Run(ctx), ddbguard.ErrNotOwner)
			itWantErr(t, globex.Delete("alice", acmeKey).Run(ctx), ddbguard.ErrNotOwner)
			itWantErr(t, globex.Transfer("alice", acmeKey, "mallory").Run(ctx), ddbguard.ErrNotOwner)
			itWantErr(t, globex.Get(ctx, "alice", acmeKey, &out), ddbguard.ErrNotOwner)
			itWantErr(t, globex.Admin(scReason).Delete("ops", acmeKey).Run(ctx), ddbguard.ErrNotOwner)
			itWantErr(t, globex.Create("alice", map[string]any{"tenant": "acme", "id": "doc-2"}).Run(ctx), ddbguard.ErrProtectedAttribute)
			itWantErr(t, globex.Replace("alice", map[string]any{"tenant": "acme", "id": "doc-1"}).IfVersion(1).Run(ctx), ddbguard.ErrProtectedAttribute)
			e.c.expect(t, "", 0)
			if after := e.read(t, map[string]any{"tenant": "acme", "id": "doc-1"}); !itEqualItems(before, after) {
				t.Errorf("acme's item changed: %s", itDump(after))
			}
			// In its own tenant, every guard works without a tenant term
			// (DynamoDB refuses key attributes in a classification filter).
			itWantErr(t, acme.Update("bob", acmeKey).Set("title", "x").Run(ctx), ddbguard.ErrNotOwner)
			itWantErr(t, acme.Update("alice", ddbguard.Key{PK: "acme", SK: "nope"}).Set("title", "x").Run(ctx), ddbguard.ErrNotFound)
			if err := acme.Update("alice", acmeKey).Set("title", "y").IfVersion(1).Run(ctx); err != nil {
				t.Fatal(err)
			}
			if err := acme.Admin(scReason).Update("ops", acmeKey).Set("title", "z").IfVersion(2).Run(ctx); err != nil {
				t.Fatal(err)
			}
			if got := e.read(t, map[string]any{"tenant": "globex", "id": "doc-1"}); scS(got["title"]) != "g" {
				t.Errorf("globex's doc-1: %s", itDump(got))
			}
		})
	}
}

func TestIT_ForTenant_txMixesViews_eachItemKeepsItsScope(t *testing.T) {
	t.Parallel()
	e := tnNew(t, tnSchema())
	e.put(t, map[string]any{"pk": "doc-a", "tenant": "acme", "owner": "alice", "version": 1})
	e.put(t, map[string]any{"pk": "doc-b", "tenant": "acme", "owner": "bob", "version": 1})
	e.put(t, map[string]any{"pk": "member/alice", "tenant": "acme", "owner": "acme-admin", "role": "writer"})
	e.put(t, map[string]any{"pk": "member/alice@globex", "tenant": "globex", "owner": "globex-admin", "role": "writer"})
	acme := e.g.ForTenant("acme")
	admin := acme.Admin(scReason)
	isWriter := expression.Name("role").Equal(expression.Value("writer"))
	e.audit()

	err := ddbguard.NewTx(e.c).
		Update(acme.Update("alice", ddbguard.Key{PK: "doc-a"}).Set("title", "mine")).
		Check(acme.Check(ddbguard.Key{PK: "member/alice"}, isWriter)).
		Update(admin.Update("ops", ddbguard.Key{PK: "doc-b"}).Set("state", "closed")).
		Run(itCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	e.c.expect(t, itTransact, 1)
	ev := e.audit()
	if len(ev) != 1 || !ev[0].Admin || ev[0].Index != 2 || ev[0].Failed || ev[0].Caller != "ops" || ev[0].Tenant != "acme" {
		t.Errorf("audit of a successful tx: %+v", ev)
	}

	// A policy item of another tenant never passes an acme Check, even one
	// whose condition it meets.
	err = ddbguard.NewTx(e.c).
		Update(acme.Update("alice", ddbguard.Key{PK: "doc-a"}).Set("title", "again")).
		Check(acme.Check(ddbguard.Key{PK: "member/alice@globex"}, isWriter)).
		Run(itCtx(t))
	te := itWantErr(t, err, ddbguard.ErrForbidden)
	if te.Index != 1 {
		t.Errorf("Index = %d, want 1", te.Index)
	}
	scNoItemIn(t, err, "globex-admin")
	ev = e.audit()
	if len(ev) != 1 || ev[0].Caller != "alice" || ev[0].Reason != ddbguard.ErrForbidden {
		t.Errorf("audit of a denied tx: %+v", ev)
	}
	if got := e.read(t, map[string]any{"pk": "doc-a"}); scS(got["title"]) != "mine" {
		t.Errorf("doc-a: %s", itDump(got))
	}
	// A globex item inside an acme transaction keeps its own scope: bob of
	// globex cannot touch acme's doc-b.
	err = ddbguard.NewTx(e.c).
		Update(acme.Update("alice", ddbguard.Key{PK: "doc-a"}).Set("title", "third")).
		Update(e.g.ForTenant("globex").Update("bob", ddbguard.Key{PK: "doc-b"}).Set("state", "pwned")).
		Run(itCtx(t))
	if te := itWantErr(t, err, ddbguard.ErrNotOwner); te.Index != 1 {
		t.Errorf("Index = %d, want 1", te.Index)
	}
	if got := e.read(t, map[string]any{"pk": "doc-b"}); scS(got["state"]) != "closed" {
		t.Errorf("doc-b: %s", itDump(got))
	}
}

func TestIT_ForTenant_list_confinedToTheTenant_cursorBoundToIt_adminListRefused(t *testing.T) {
	t.Parallel()
	e := tnNew(t, tnSchema())
	for i, tenant := range []string{"acme", "globex", "acme", "globex", "acme"} {
		e.put(t, map[string]any{"pk": fmt.Sprintf("doc-%d", i), "tenant": tenant, "owner": "alice"})
	}
	// An item misfiled under acme's alice in the index cannot be: the
	// index key is (owner, tenant). Every listed item is re-checked anyway.
	acme, globex := e.g.ForTenant("acme"), e.g.ForTenant("globex")
	var all []map[string]any
	cursor := ""
	for {
		var page []map[string]any
		next, err := acme.List("alice").Limit(1).After(cursor).Page(itCtx(t), &page)
		if err != nil {
			t.Fatal(err)
		}
		if cursor == "" && next != "" {
			// A cursor from acme does not continue in globex.
			var g []map[string]any
			_, err := globex.List("alice").After(next).Page(itCtx(t), &g)
			itWantErr(t, err, ddbguard.ErrInvalidInput)
			if len(g) != 0 {
				t.Errorf("globex got %v", g)
			}
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 3 {
		t.Errorf("acme's alice lists %d items: %v", len(all), all)
	}
	for _, it := range all {
		if it["tenant"] != "acme" {
			t.Errorf("listed %v", it)
		}
	}
	e.c.Reset()
	var page []map[string]any
	_, err := acme.Admin(scReason).List("ops").Page(itCtx(t), &page)
	itWantErr(t, err, ddbguard.ErrInvalidInput)
	_, err = e.g.List("alice").Page(itCtx(t), &page)
	itWantErr(t, err, ddbguard.ErrInvalidInput)
	e.c.expect(t, "", 0)
}
