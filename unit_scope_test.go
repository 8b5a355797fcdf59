package ddbguard_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// scView is what a Guard and an AdminGuard both offer, so that one table
// of operations runs in every view.
type scView interface {
	Update(caller string, k ddbguard.Key) *ddbguard.GuardedUpdate
	Transfer(caller string, k ddbguard.Key, newOwner string) *ddbguard.GuardedUpdate
	AddEditors(caller string, k ddbguard.Key, editors ...string) *ddbguard.GuardedUpdate
	RemoveEditors(caller string, k ddbguard.Key, editors ...string) *ddbguard.GuardedUpdate
	Delete(caller string, k ddbguard.Key) *ddbguard.GuardedDelete
	Create(caller string, item any) *ddbguard.GuardedCreate
	Replace(caller string, item any) *ddbguard.GuardedReplace
	Get(ctx context.Context, caller string, k ddbguard.Key, out any) error
	Check(k ddbguard.Key, cond expression.ConditionBuilder) *ddbguard.GuardedCheck
	List(caller string) *ddbguard.GuardedList
}

var (
	_ scView = (*ddbguard.Guard)(nil)
	_ scView = (*ddbguard.AdminGuard)(nil)
)

// scOp runs one builder of a view to its terminal call.
type scOp struct {
	name string
	run  func(ctx context.Context, v scView, api ddbguard.API, caller string, pk string) error
}

// scBody is the body Create and Replace send for the item at pk, owned by
// owner (Admin views take the owner from the body).
func scBody(pk, owner string) map[string]any {
	return map[string]any{"pk": pk, "owner": owner, "title": "t", "created_at": "2024-01-02"}
}

// scOps lists every builder, each run to its terminal call. Check runs in a
// Tx, as it must.
func scOps() []scOp {
	k := func(pk string) ddbguard.Key { return ddbguard.Key{PK: pk} }
	return []scOp{
		{"update", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.Update(c, k(pk)).Set("title", "x").Run(ctx)
		}},
		{"transfer", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.Transfer(c, k(pk), "mallory").Run(ctx)
		}},
		{"add editors", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.AddEditors(c, k(pk), "mallory").Run(ctx)
		}},
		{"remove editors", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.RemoveEditors(c, k(pk), "carol").Run(ctx)
		}},
		{"delete", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.Delete(c, k(pk)).Run(ctx)
		}},
		{"create", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.Create(c, scBody(pk, c)).Run(ctx)
		}},
		{"replace", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			return v.Replace(c, scBody(pk, c)).IfVersion(1).Run(ctx)
		}},
		{"get", func(ctx context.Context, v scView, _ ddbguard.API, c, pk string) error {
			var out map[string]any
			return v.Get(ctx, c, k(pk), &out)
		}},
		{"check in tx", func(ctx context.Context, v scView, api ddbguard.API, c, pk string) error {
			return ddbguard.NewTx(api).
				Check(v.Check(k(pk), expression.Name("owner").Equal(expression.Value(c)))).
				Run(ctx)
		}},
		{"list", func(ctx context.Context, v scView, _ ddbguard.API, c, _ string) error {
			var out []map[string]any
			_, err := v.List(c).Page(ctx, &out)
			return err
		}},
	}
}

// scSchema is a table with every guarded attribute, tenants and an owner
// index.
func scSchema() ddbguard.Schema {
	return ddbguard.Schema{
		Table: "docs", PartitionKey: "pk", Version: "version", Editors: "editors",
		Protected: []string{"created_at"}, Tenant: "tenant", OwnerIndex: "by_owner",
	}
}

func scNew(t *testing.T, s ddbguard.Schema, opts ...ddbguard.Option) (*ddbguard.Guard, *ddbguardtest.API) {
	t.Helper()
	api := new(ddbguardtest.API)
	g, err := ddbguard.New(api, s, opts...)
	require.NoError(t, err)
	uAnswer(api, nil)
	return g, api
}

// scReason is an admin's stated reason; it must never reach an error message.
const scReason = "ticket 4711: customer asked to close"

func TestViews_thatCannotConfine_failClosedOnEveryBuilderAndSendNothing(t *testing.T) {
	noTenant := scSchema()
	noTenant.Tenant = ""
	cases := []struct {
		name   string
		schema ddbguard.Schema
		view   func(g *ddbguard.Guard) scView
		caller string
		want   error
	}{
		{"bare guard on a schema with tenant", scSchema(), func(g *ddbguard.Guard) scView { return g }, "alice", ddbguard.ErrInvalidInput},
		{"bare admin guard on a schema with tenant", scSchema(), func(g *ddbguard.Guard) scView { return g.Admin(scReason) }, "ops", ddbguard.ErrInvalidInput},
		{"for tenant on a schema without tenant", noTenant, func(g *ddbguard.Guard) scView { return g.ForTenant("acme") }, "alice", ddbguard.ErrInvalidInput},
		{"admin for tenant on a schema without tenant", noTenant, func(g *ddbguard.Guard) scView { return g.Admin(scReason).ForTenant("acme") }, "ops", ddbguard.ErrInvalidInput},
		{"for tenant twice", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").ForTenant("globex") }, "alice", ddbguard.ErrInvalidInput},
		{"for the same tenant twice", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").ForTenant("acme") }, "alice", ddbguard.ErrInvalidInput},
		{"admin for tenant twice", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin(scReason).ForTenant("acme") }, "ops", ddbguard.ErrInvalidInput},
		{"admin of an admin view", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin(scReason).Admin(scReason) }, "ops", ddbguard.ErrInvalidInput},
		{"empty tenant", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("") }, "alice", ddbguard.ErrUnauthenticated},
		{"blank tenant", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant(" \t") }, "alice", ddbguard.ErrUnauthenticated},
		{"admin of an empty tenant", scSchema(), func(g *ddbguard.Guard) scView { return g.Admin(scReason).ForTenant("") }, "ops", ddbguard.ErrUnauthenticated},
		{"tenant over 1024 bytes", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant(strings.Repeat("t", 1025)) }, "alice", ddbguard.ErrInvalidInput},
		{"tenant not UTF-8", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("ac\xffme") }, "alice", ddbguard.ErrInvalidInput},
		{"empty reason", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin("") }, "ops", ddbguard.ErrInvalidInput},
		{"reason over 512 bytes", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin(strings.Repeat("r", 513)) }, "ops", ddbguard.ErrInvalidInput},
		{"reason with a newline", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin("close\nforged audit line") }, "ops", ddbguard.ErrInvalidInput},
		{"reason with DEL", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin("close\x7f") }, "ops", ddbguard.ErrInvalidInput},
		{"reason with a C1 control", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin("close\u0085") }, "ops", ddbguard.ErrInvalidInput},
		{"reason not UTF-8", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin("close\xff") }, "ops", ddbguard.ErrInvalidInput},
		{"admin view's empty actor", scSchema(), func(g *ddbguard.Guard) scView { return g.ForTenant("acme").Admin(scReason) }, "", ddbguard.ErrUnauthenticated},
	}
	for _, tc := range cases {
		for _, op := range scOps() {
			t.Run(tc.name+"/"+op.name, func(t *testing.T) {
				var events []ddbguard.AuditEvent
				g, api := scNew(t, tc.schema, ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events = append(events, e) }))
				err := op.run(context.Background(), tc.view(g), api, tc.caller, "doc-1")
				want := tc.want
				if op.name == "check in tx" && want == ddbguard.ErrUnauthenticated && tc.caller == "" {
					want = nil // a Check acts for no caller: the view is fine
				}
				if want == nil {
					return
				}
				assert.ErrorIs(t, err, want)
				assert.Equal(t, 0, api.Requests(), "a view that cannot confine sends nothing")
				if err != nil {
					assert.NotContains(t, err.Error(), "ticket 4711")
					assert.NotContains(t, err.Error(), "forged")
				}
				for _, e := range events {
					assert.True(t, e.Failed)
					assert.NotContains(t, e.Why, "forged", "an invalid reason is not recorded")
				}
			})
		}
	}
}

func TestAdminGuard_list_isInvalidInputWithNoRequest(t *testing.T) {
	g, api := scNew(t, scSchema())
	var out []map[string]any
	_, err := g.ForTenant("acme").Admin(scReason).List("ops").Page(context.Background(), &out)
	assert.ErrorIs(t, err, ddbguard.ErrInvalidInput)
	assert.Equal(t, 0, api.Requests())
}

func TestAdminGuard_isNotAGuard(t *testing.T) {
	admin, user := reflect.TypeOf((*ddbguard.AdminGuard)(nil)), reflect.TypeOf((*ddbguard.Guard)(nil))
	assert.False(t, admin.AssignableTo(user), "an Admin view cannot be passed where a user's Guard is expected")
	assert.False(t, admin.ConvertibleTo(user))
}
