package ddbguard_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// scSent is the part of a request the guard decides.
type scSent struct {
	cond   string
	names  map[string]string
	values map[string]types.AttributeValue
	item   map[string]types.AttributeValue // Put only
}

// scInput builds op's request without sending it.
func scInput(t *testing.T, v scView, op string) scSent {
	t.Helper()
	k := ddbguard.Key{PK: "doc-1"}
	var (
		in  any
		err error
	)
	switch op {
	case "update":
		in, err = v.Update("alice", k).Set("title", "x").IfVersion(3).Input()
	case "transfer":
		in, err = v.Transfer("alice", k, "bob").Input()
	case "add editors":
		in, err = v.AddEditors("alice", k, "carol").Input()
	case "delete":
		in, err = v.Delete("alice", k).Input()
	case "create":
		in, err = v.Create("alice", scBody("doc-1", "alice")).Input()
	case "replace":
		in, err = v.Replace("alice", scBody("doc-1", "alice")).IfVersion(3).Input()
	case "check":
		in, err = v.Check(k, expression.Name("role").Equal(expression.Value("admin"))).Input()
	}
	require.NoError(t, err, op)
	switch x := in.(type) {
	case *dynamodb.UpdateItemInput:
		return scSent{aws.ToString(x.ConditionExpression), x.ExpressionAttributeNames, x.ExpressionAttributeValues, nil}
	case *dynamodb.DeleteItemInput:
		return scSent{aws.ToString(x.ConditionExpression), x.ExpressionAttributeNames, x.ExpressionAttributeValues, nil}
	case *dynamodb.PutItemInput:
		return scSent{aws.ToString(x.ConditionExpression), x.ExpressionAttributeNames, x.ExpressionAttributeValues, x.Item}
	case *types.ConditionCheck:
		return scSent{aws.ToString(x.ConditionExpression), x.ExpressionAttributeNames, x.ExpressionAttributeValues, nil}
	}
	t.Fatalf("%s: input %T", op, in)
	return scSent{}
}

// scAllUsed checks that every placeholder of a request is used: DynamoDB
// refuses unused ExpressionAttributeNames and ExpressionAttributeValues.
func scAllUsed(t *testing.T, r scSent, update string) {
	t.Helper()
	text := r.cond + " " + update
	for n := range r.names {
		assert.Contains(t, text, n, "unused name placeholder")
	}
	for v := range r.values {
		assert.Contains(t, text, v, "unused value placeholder")
	}
}

func scS(av types.AttributeValue) string {
	s, _ := av.(*types.AttributeValueMemberS)
	if s == nil {
		return "<not S>"
	}
	return s.Value
}

func TestForTenant_everyGuardRequiresTheTenant(t *testing.T) {
	g, _ := scNew(t, scSchema())
	v := g.ForTenant("acme")
	want := map[string]string{
		"update":      "attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc))) AND #gt = :gtn AND #gv = :gv",
		"transfer":    "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn",
		"add editors": "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn",
		"delete":      "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn",
		"create":      "attribute_not_exists(#gk)",
		"replace":     "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn AND #gv = :gv AND #gp0 = :gp0 AND attribute_not_exists(#gp1)",
		"check":       "attribute_exists(#gk) AND #gt = :gtn AND (#0 = :0)",
	}
	for op, cond := range want {
		r := scInput(t, v, op)
		assert.Equal(t, cond, r.cond, op)
		if op != "create" {
			assert.Equal(t, "tenant", r.names["#gt"], op)
			assert.Equal(t, "acme", scS(r.values[":gtn"]), op)
		}
		if r.item != nil {
			assert.Equal(t, "acme", scS(r.item["tenant"]), op+" stamps the tenant")
		}
	}
}

func TestAdmin_guardSkipsOnlyTheOwnerComparison(t *testing.T) {
	g, _ := scNew(t, scSchema())
	a := g.ForTenant("acme").Admin(scReason)
	want := map[string]string{
		"update":      "attribute_exists(#gk) AND #gt = :gtn AND #gv = :gv",
		"transfer":    "attribute_exists(#gk) AND #gt = :gtn",
		"add editors": "attribute_exists(#gk) AND #gt = :gtn",
		"delete":      "attribute_exists(#gk) AND #gt = :gtn",
		"create":      "attribute_not_exists(#gk)",
		"replace":     "attribute_exists(#gk) AND #go = :go AND #gt = :gtn AND #gv = :gv AND #gp0 = :gp0 AND attribute_not_exists(#gp1)",
		"check":       "attribute_exists(#gk) AND #gt = :gtn AND (#0 = :0)",
	}
	for op, cond := range want {
		r := scInput(t, a, op)
		assert.Equal(t, cond, r.cond, op)
		assert.NotContains(t, r.values, ":gc", op+": the admin is no owner")
	}
	r := scInput(t, a, "replace")
	assert.Equal(t, "alice", scS(r.values[":go"]), "the stored owner must be the body's")
	assert.Equal(t, "alice", scS(r.item["owner"]))
	r = scInput(t, a, "create")
	assert.Equal(t, "alice", scS(r.item["owner"]), "an admin creates for the owner the item names")
	assert.Equal(t, "acme", scS(r.item["tenant"]))
}

func TestAdmin_withoutTenant_guardIsExistenceVersionAndIf(t *testing.T) {
	s := scSchema()
	s.Tenant, s.OwnerIndex = "", ""
	g, _ := scNew(t, s)
	a := g.Admin(scReason)
	in, err := a.Update("ops", ddbguard.Key{PK: "doc-1"}).Set("title", "x").
		If(expression.Name("state").Equal(expression.Value("open"))).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND (#0 = :0)", aws.ToString(in.ConditionExpression))
	assert.Equal(t, "SET #n0 = :v0 ADD #gv :g1", aws.ToString(in.UpdateExpression))
	din, err := a.Delete("ops", ddbguard.Key{PK: "doc-1"}).IfVersion(2).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #gv = :gv", aws.ToString(din.ConditionExpression))
	// The parent is untouched.
	uin, err := g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "x").Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc)))", aws.ToString(uin.ConditionExpression))
}

func TestViews_everyPlaceholderIsUsed(t *testing.T) {
	g, _ := scNew(t, scSchema())
	for _, v := range []scView{g.ForTenant("acme"), g.ForTenant("acme").Admin(scReason)} {
		k := ddbguard.Key{PK: "doc-1"}
		for _, u := range []*ddbguard.GuardedUpdate{
			v.Update("alice", k).Set("title", "x"),
			v.Transfer("alice", k, "bob"),
			v.AddEditors("alice", k, "carol"),
			v.RemoveEditors("alice", k, "carol"),
		} {
			in, err := u.Input()
			require.NoError(t, err)
			scAllUsed(t, scSent{aws.ToString(in.ConditionExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues, nil}, aws.ToString(in.UpdateExpression))
		}
		for _, op := range []string{"delete", "create", "replace", "check"} {
			scAllUsed(t, scInput(t, v, op), "")
		}
	}
}

func TestViews_composeInEitherOrderToTheSameView(t *testing.T) {
	var events [2][]ddbguard.AuditEvent
	for i := range events {
		api := new(ddbguardtest.API)
		uAnswer(api, nil)
		g, err := ddbguard.New(api, scSchema(), ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events[i] = append(events[i], e) }))
		require.NoError(t, err)
		a := g.ForTenant("acme").Admin(scReason)
		if i == 1 {
			a = g.Admin(scReason).ForTenant("acme")
		}
		for _, op := range []string{"update", "transfer", "add editors", "delete", "create", "replace", "check"} {
			got := scInput(t, a, op)
			want := scInput(t, g.ForTenant("acme").Admin(scReason), op)
			assert.Equal(t, want, got, op)
		}
		require.NoError(t, a.Update("ops", ddbguard.Key{PK: "doc-1"}).Set("title", "x").Run(context.Background()))
	}
	assert.Equal(t, events[0], events[1])
	require.Len(t, events[0], 1)
	assert.Equal(t, ddbguard.AuditEvent{Op: "update", Table: "docs", Key: ddbguard.Key{PK: "doc-1"}, Caller: "ops",
		Index: -1, Tenant: "acme", Admin: true, Why: scReason}, events[0][0])
}

func TestViews_neverChangeTheirParent(t *testing.T) {
	g, api := scNew(t, scSchema())
	acme := g.ForTenant("acme")
	_ = acme.Admin(scReason)
	_ = g.Admin(scReason).ForTenant("globex")
	_ = acme.ForTenant("globex") // closed, and acme stays open
	err := g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "x").Run(context.Background())
	assert.ErrorIs(t, err, ddbguard.ErrInvalidInput, "the bare Guard still needs a view")
	r := scInput(t, acme, "delete")
	assert.Equal(t, "acme", scS(r.values[":gtn"]))
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn", r.cond)
	assert.Equal(t, 0, api.Requests())
}

func TestViews_costOneAllocationEach(t *testing.T) {
	g, _ := scNew(t, scSchema())
	a := g.ForTenant("acme").Admin(scReason)
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = g.ForTenant("acme") }), "ForTenant")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = g.Admin(scReason) }), "Admin")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = g.Admin(scReason).ForTenant("acme") })/2, "Admin then ForTenant")
	_ = a
}

func TestForTenant_tenantInPartitionKey_keyIsCheckedBeforeSending(t *testing.T) {
	s := ddbguard.Schema{Table: "docs", PartitionKey: "tenant", SortKey: "id", Tenant: "tenant", Version: "version"}
	g, api := scNew(t, s)
	v := g.ForTenant("acme")
	ctx := context.Background()
	other := ddbguard.Key{PK: "globex", SK: "doc-1"}
	otherBody := map[string]any{"tenant": "globex", "id": "doc-1"}
	var out map[string]any
	assert.ErrorIs(t, v.Update("alice", other).Set("title", "x").Run(ctx), ddbguard.ErrNotOwner)
	assert.ErrorIs(t, v.Transfer("alice", other, "bob").Run(ctx), ddbguard.ErrNotOwner)
	assert.ErrorIs(t, v.Delete("alice", other).Run(ctx), ddbguard.ErrNotOwner)
	assert.ErrorIs(t, v.Get(ctx, "alice", other, &out), ddbguard.ErrNotOwner)
	assert.ErrorIs(t, ddbguard.NewTx(api).Check(v.Check(other, expression.AttributeExists(expression.Name("x")))).Run(ctx), ddbguard.ErrNotOwner)
	assert.ErrorIs(t, v.Create("alice", otherBody).Run(ctx), ddbguard.ErrProtectedAttribute)
	assert.ErrorIs(t, v.Replace("alice", otherBody).IfVersion(1).Run(ctx), ddbguard.ErrProtectedAttribute)
	assert.ErrorIs(t, v.Admin(scReason).Update("ops", other).Set("title", "x").Run(ctx), ddbguard.ErrNotOwner)
	assert.Equal(t, 0, api.Requests())

	// In its own tenant the key names the tenant: no tenant term is sent.
	in, err := v.Update("alice", ddbguard.Key{PK: "acme", SK: "doc-1"}).Set("title", "x").Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc", aws.ToString(in.ConditionExpression))
	assert.NotContains(t, in.ExpressionAttributeNames, "#gt")
}

func TestForTenant_bodyNamingAnotherTenant_isProtectedAttributeWithNoRequest(t *testing.T) {
	g, api := scNew(t, scSchema())
	v := g.ForTenant("acme")
	ctx := context.Background()
	body := scBody("doc-1", "alice")
	body["tenant"] = "globex"
	assert.ErrorIs(t, v.Create("alice", body).Run(ctx), ddbguard.ErrProtectedAttribute)
	assert.ErrorIs(t, v.Replace("alice", body).IfVersion(1).Run(ctx), ddbguard.ErrProtectedAttribute)
	assert.ErrorIs(t, v.Admin(scReason).Create("ops", body).Run(ctx), ddbguard.ErrProtectedAttribute)
	body["tenant"] = 7
	assert.ErrorIs(t, v.Create("alice", body).Run(ctx), ddbguard.ErrProtectedAttribute)
	for _, write := range []func() error{
		func() error { return v.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("tenant", "globex").Run(ctx) },
		func() error { return v.Update("alice", ddbguard.Key{PK: "doc-1"}).Remove("tenant").Run(ctx) },
		func() error {
			return v.Update("alice", ddbguard.Key{PK: "doc-1"}).With(expression.Set(expression.Name("tenant"), expression.Value("globex"))).Run(ctx)
		},
		func() error {
			return v.Admin(scReason).Update("ops", ddbguard.Key{PK: "doc-1"}).Set("tenant", "globex").Run(ctx)
		},
	} {
		assert.ErrorIs(t, write(), ddbguard.ErrProtectedAttribute)
	}
	assert.Equal(t, 0, api.Requests())
	// A body with an empty tenant (a struct's zero value) is stamped.
	body["tenant"] = ""
	r, err := v.Create("alice", body).Input()
	require.NoError(t, err)
	assert.Equal(t, "acme", scS(r.Item["tenant"]))
}

func TestAdmin_createAndReplace_needAnOwnerInTheItem(t *testing.T) {
	g, api := scNew(t, scSchema())
	a := g.ForTenant("acme").Admin(scReason)
	ctx := context.Background()
	for _, body := range []map[string]any{
		{"pk": "doc-1"},
		{"pk": "doc-1", "owner": ""},
		{"pk": "doc-1", "owner": "  "},
		{"pk": "doc-1", "owner": 7},
		{"pk": "doc-1", "owner": "ow\xffner"},
		{"pk": "doc-1", "owner": strings.Repeat("o", 2049)}, // scSchema has an owner index
	} {
		assert.ErrorIs(t, a.Create("ops", body).Run(ctx), ddbguard.ErrInvalidInput)
		assert.ErrorIs(t, a.Replace("ops", body).IfVersion(1).Run(ctx), ddbguard.ErrInvalidInput)
	}
	assert.Equal(t, 0, api.Requests())
}
