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
