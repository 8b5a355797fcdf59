package ddbguard_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// scStore answers every write with a failed condition on a copy of item,
// as DynamoDB does for a write asking ALL_OLD, and every read with item.
type scStore struct {
	item     map[string]types.AttributeValue
	requests int
}

func (s *scStore) copyItem() map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(s.item))
	for k, v := range s.item {
		m[k] = v
	}
	return m
}

func (s *scStore) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	s.requests++
	return &dynamodb.GetItemOutput{Item: s.copyItem()}, nil
}

func (s *scStore) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.requests++
	return nil, ddbguardtest.ConditionFailed(s.copyItem())
}

func (s *scStore) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	s.requests++
	return nil, ddbguardtest.ConditionFailed(s.copyItem())
}

func (s *scStore) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	s.requests++
	return nil, ddbguardtest.ConditionFailed(s.copyItem())
}

func (s *scStore) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.requests++
	return nil, ddbguardtest.TxCanceled(ddbguardtest.ReasonConditionFailed(s.copyItem()))
}

func (s *scStore) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	s.requests++
	return &dynamodb.QueryOutput{}, nil
}

// scNoItemIn checks that err carries nothing of the stored item: no Item,
// no item in its Cause, no secret in its message.
func scNoItemIn(t *testing.T, err error, secrets ...string) {
	t.Helper()
	e := uAsError(t, err)
	assert.Nil(t, e.Item, "Error.Item")
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		assert.Nil(t, ccf.Item, "the Cause's item")
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			assert.Nil(t, r.Item, "a cancellation reason's item")
		}
	}
	for _, s := range secrets {
		assert.NotContains(t, err.Error(), s)
	}
}

func TestForTenant_anotherTenantsItem_isNotOwnerWithNothingOfIt(t *testing.T) {
	// The same owner id (and editor id) in another tenant is another person.
	store := &scStore{item: ddbguardtest.Item(map[string]any{
		"pk": "doc-1", "owner": "alice", "editors": []string{"alice", "ops"}, "version": 1,
		"tenant": "globex", "title": "globex-secret", "created_at": "2024-01-02",
	})}
	var events []ddbguard.AuditEvent
	g, err := ddbguard.New(store, scSchema(), ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events = append(events, e) }))
	require.NoError(t, err)
	views := map[string]scView{"user": g.ForTenant("acme"), "admin": g.ForTenant("acme").Admin(scReason)}
	for vname, v := range views {
		for _, op := range scOps() {
			if op.name == "list" {
				continue
			}
			t.Run(vname+"/"+op.name, func(t *testing.T) {
				events, store.requests = nil, 0
				caller := "alice"
				if vname == "admin" {
					caller = "ops"
				}
				err := op.run(context.Background(), v, store, caller, "doc-1")
				want := ddbguard.ErrNotOwner
				switch op.name {
				case "create":
					want = ddbguard.ErrAlreadyExists
				case "check in tx":
					want = ddbguard.ErrForbidden
				}
				assert.ErrorIs(t, err, want)
				scNoItemIn(t, err, "globex", "globex-secret")
				assert.Equal(t, 1, store.requests)
				require.Len(t, events, 1)
				assert.ErrorIs(t, events[0].Reason, want)
				assert.True(t, events[0].Failed)
				assert.Equal(t, "acme", events[0].Tenant)
				assert.Equal(t, vname == "admin", events[0].Admin)
				assert.NotContains(t, fmt.Sprintf("%+v", events[0]), "globex")
			})
		}
	}
}

// scLanded answers every write with a failed condition on an item that
// holds the write's own id: an earlier attempt of this write landed.
type scLanded struct {
	scStore
	tenant string
}

func (s *scLanded) stored(wid types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "doc-1"}, "owner": &types.AttributeValueMemberS{Value: "alice"},
		"tenant": &types.AttributeValueMemberS{Value: s.tenant}, "wid": wid,
	}
}

func (s *scLanded) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.requests++
	return nil, ddbguardtest.ConditionFailed(s.stored(in.Item["wid"]))
}

func (s *scLanded) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	s.requests++
	return nil, ddbguardtest.ConditionFailed(s.stored(in.ExpressionAttributeValues[":gw"]))
}

func TestViews_landedWrite_isRecognizedOnlyInTheViewsTenant_andAuditedAsSuccess(t *testing.T) {
	for _, tc := range []struct {
		stored string
		want   error
	}{{"acme", nil}, {"globex", ddbguard.ErrNotOwner}} {
		api := &scLanded{tenant: tc.stored}
		var events []ddbguard.AuditEvent
		g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", Tenant: "tenant", WriteID: "wid"},
			ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events = append(events, e) }))
		require.NoError(t, err)
		a := g.ForTenant("acme").Admin(scReason)
		ctx := context.Background()
		errs := []error{
			a.Update("ops", ddbguard.Key{PK: "doc-1"}).Set("s", 1).Run(ctx),
			a.Replace("ops", map[string]any{"pk": "doc-1", "owner": "alice"}).Run(ctx),
			g.ForTenant("acme").Update("alice", ddbguard.Key{PK: "doc-1"}).Set("s", 1).Run(ctx),
		}
		for i, err := range errs {
			if tc.want == nil {
				assert.NoError(t, err, "write %d: its own id in its tenant is its landed write", i)
			} else {
				assert.ErrorIs(t, err, tc.want, "write %d: its id in another tenant's item is not its write", i)
				scNoItemIn(t, err, "globex")
			}
		}
		require.Len(t, events, 2+b2iT(tc.want != nil), "admin events, and the user's refusal")
		for _, e := range events[:2] {
			assert.True(t, e.Admin)
			assert.Equal(t, tc.want != nil, e.Failed)
		}
		assert.Equal(t, 3, api.requests)
	}
}

func b2iT(b bool) int {
	if b {
		return 1
	}
	return 0
}
