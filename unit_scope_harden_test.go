package ddbguard_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

func TestViews_writeIDClauseEndsEveryWritesGuard(t *testing.T) {
	s := ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", WriteID: "wid", Protected: []string{"created_at"}}
	g, _ := scNew(t, s)
	const wid = " AND (attribute_not_exists(#gw) OR #gw <> :gw)"
	k := ddbguard.Key{PK: "doc-1"}
	user, admin := g.ForTenant("acme"), g.ForTenant("acme").Admin(scReason)

	in, err := user.Update("alice", k).Set("title", "x").Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn"+wid, aws.ToString(in.ConditionExpression))
	in, err = admin.Update("ops", k).Set("title", "x").Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #gt = :gtn"+wid, aws.ToString(in.ConditionExpression))
	din, err := admin.Delete("ops", k).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #gt = :gtn"+wid, aws.ToString(din.ConditionExpression))
	pin, err := user.Replace("alice", scBody("doc-1", "alice")).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc AND #gt = :gtn AND #gp0 = :gp0"+wid, aws.ToString(pin.ConditionExpression))
	pin, err = admin.Replace("ops", scBody("doc-1", "alice")).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :go AND #gt = :gtn AND #gp0 = :gp0"+wid, aws.ToString(pin.ConditionExpression))
	cin, err := admin.Create("ops", scBody("doc-1", "alice")).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_not_exists(#gk)", aws.ToString(cin.ConditionExpression))
}

// scProbe returns the classification Query a failed update sends under
// WithoutOldItem in view v of a guard built on api.
func scProbe(t *testing.T, api *ddbguardtest.API, run func() error) *dynamodb.QueryInput {
	t.Helper()
	var q *dynamodb.QueryInput
	api.On("Query", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		q = args.Get(1).(*dynamodb.QueryInput)
	}).Return(&dynamodb.QueryOutput{ScannedCount: 1}, nil).Once()
	err := run()
	assert.ErrorIs(t, err, ddbguard.ErrNotOwner)
	require.NotNil(t, q)
	return q
}

func TestWithoutOldItem_classificationFilter_holdsTheTenantAndNoOwnerForAdmins(t *testing.T) {
	ctx := context.Background()
	k := ddbguard.Key{PK: "doc-1"}
	cases := []struct {
		name   string
		schema ddbguard.Schema
		run    func(g *ddbguard.Guard) error
		filter string
	}{
		{"tenant user", ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant"},
			func(g *ddbguard.Guard) error { return g.ForTenant("acme").Delete("alice", k).Run(ctx) },
			"#go = :gc AND #gt = :gtn"},
		{"tenant editor", ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", Editors: "editors"},
			func(g *ddbguard.Guard) error { return g.ForTenant("acme").Update("alice", k).Set("a", 1).Run(ctx) },
			"(#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc))) AND #gt = :gtn"},
		{"tenant user with write ids", ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", WriteID: "wid"},
			func(g *ddbguard.Guard) error { return g.ForTenant("acme").Update("alice", k).Set("a", 1).Run(ctx) },
			"(#go = :gc AND #gt = :gtn) OR #gw = :gw"},
		{"tenant admin", ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", WriteID: "wid"},
			func(g *ddbguard.Guard) error {
				return g.ForTenant("acme").Admin(scReason).Update("ops", k).Set("a", 1).Run(ctx)
			},
			"#gt = :gtn"},
		{"tenant user get", ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant"},
			func(g *ddbguard.Guard) error {
				var out map[string]any
				return g.ForTenant("acme").Get(ctx, "alice", k, &out)
			},
			"#go = :gc AND #gt = :gtn"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := new(ddbguardtest.API)
			api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil)).Maybe()
			api.On("DeleteItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil)).Maybe()
			g, err := ddbguard.New(api, tc.schema, ddbguard.WithoutOldItem())
			require.NoError(t, err)
			q := scProbe(t, api, func() error { return tc.run(g) })
			assert.Equal(t, tc.filter, aws.ToString(q.FilterExpression))
			assert.Equal(t, "tenant", q.ExpressionAttributeNames["#gt"])
			assert.Equal(t, "acme", scS(q.ExpressionAttributeValues[":gtn"]))
			assert.True(t, aws.ToBool(q.ConsistentRead))
			assert.Nil(t, q.IndexName)
		})
	}
}

func TestWithoutOldItem_adminWithoutTenant_probesWithNoFilter(t *testing.T) {
	api := new(ddbguardtest.API)
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil))
	var q *dynamodb.QueryInput
	api.On("Query", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		q = args.Get(1).(*dynamodb.QueryInput)
	}).Return(&dynamodb.QueryOutput{ScannedCount: 0}, nil)
	g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", WriteID: "wid"}, ddbguard.WithoutOldItem())
	require.NoError(t, err)
	err = g.Admin(scReason).Update("ops", ddbguard.Key{PK: "doc-1"}).Set("a", 1).Run(context.Background())
	assert.ErrorIs(t, err, ddbguard.ErrNotFound)
	require.NotNil(t, q)
	assert.Nil(t, q.FilterExpression, "an admin may see every item: no filter")
	assert.Equal(t, 2, api.Requests())
}

func TestAdmin_tx_auditsEachAdminItemOnSuccessAndOnAnUnjudgedFailure(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		answer error
		failed bool
	}{
		{"success", nil, false},
		{"throttled", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := new(ddbguardtest.API)
			api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(&dynamodb.TransactWriteItemsOutput{}, tc.answer)
			var events []ddbguard.AuditEvent
			g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant"},
				ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events = append(events, e) }))
			require.NoError(t, err)
			user, admin := g.ForTenant("acme"), g.ForTenant("acme").Admin(scReason)
			err = ddbguard.NewTx(api).
				Update(admin.Update("ops", ddbguard.Key{PK: "a"}).Set("s", 1)).
				Update(user.Update("alice", ddbguard.Key{PK: "b"}).Set("s", 1)).
				Delete(admin.Delete("ops", ddbguard.Key{PK: "c"})).
				Run(ctx)
			assert.Equal(t, tc.failed, err != nil)
			require.Len(t, events, 2, "one event per Admin-view item, none for the user's")
			for i, want := range []int{0, 2} {
				assert.Equal(t, want, events[i].Index)
				assert.True(t, events[i].Admin)
				assert.Equal(t, "ops", events[i].Caller)
				assert.Equal(t, "acme", events[i].Tenant)
				assert.Equal(t, tc.failed, events[i].Failed)
				assert.Nil(t, events[i].Reason)
			}
			assert.Equal(t, 1, api.Requests())
		})
	}
}

func TestAdmin_deniedTx_auditsTheFailingItemOnce(t *testing.T) {
	api := new(ddbguardtest.API)
	stored := ddbguardtest.Item(map[string]any{"pk": "a", "tenant": "acme", "owner": "alice", "version": 2})
	api.On("TransactWriteItems", mock.Anything, mock.Anything).
		Return(nil, ddbguardtest.TxCanceled(ddbguardtest.ReasonConditionFailed(stored), ddbguardtest.ReasonNone()))
	var events []ddbguard.AuditEvent
	g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", Version: "version"},
		ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events = append(events, e) }))
	require.NoError(t, err)
	admin := g.ForTenant("acme").Admin(scReason)
	err = ddbguard.NewTx(api).
		Update(admin.Update("ops", ddbguard.Key{PK: "a"}).Set("s", 1).IfVersion(1)).
		Update(admin.Update("ops", ddbguard.Key{PK: "b"}).Set("s", 1)).
		Run(context.Background())
	e := uAsError(t, err)
	assert.ErrorIs(t, err, ddbguard.ErrConflict)
	assert.NotNil(t, e.Item, "the admin sees the item it conflicted with")
	require.Len(t, events, 1)
	assert.Equal(t, ddbguard.AuditEvent{Op: "update", Table: "docs", Key: ddbguard.Key{PK: "a"}, Caller: "ops",
		Reason: ddbguard.ErrConflict, Index: 0, Tenant: "acme", Admin: true, Why: scReason, Failed: true}, events[0])
}

func TestWithoutOldItem_adminReplace_projectsTheOwner_andAnotherStoredOwnerIsConflict(t *testing.T) {
	api := new(ddbguardtest.API)
	api.On("PutItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil))
	var q *dynamodb.QueryInput
	api.On("Query", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		q = args.Get(1).(*dynamodb.QueryInput)
	}).Return(&dynamodb.QueryOutput{ScannedCount: 1, Items: []map[string]types.AttributeValue{
		ddbguardtest.Item(map[string]any{"pk": "doc-1", "owner": "bob", "tenant": "acme", "version": 1}),
	}}, nil)
	g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", Version: "version"}, ddbguard.WithoutOldItem())
	require.NoError(t, err)
	err = g.ForTenant("acme").Admin(scReason).Replace("ops", map[string]any{"pk": "doc-1", "owner": "alice"}).IfVersion(1).Run(context.Background())
	assert.ErrorIs(t, err, ddbguard.ErrConflict)
	assert.Nil(t, uAsError(t, err).Item, "never an item under WithoutOldItem")
	require.NotNil(t, q)
	assert.Equal(t, "#gt = :gtn", aws.ToString(q.FilterExpression))
	assert.Equal(t, "#gk, #gv, #gt, #go", aws.ToString(q.ProjectionExpression))
	assert.Equal(t, 2, api.Requests())
}
