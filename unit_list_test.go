package ddbguard_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

const uIndex = "by_owner"

// uListSchema has a sort key and an owner index sorted by a number.
func uListSchema() ddbguard.Schema {
	return ddbguard.Schema{
		Table: uTable, PartitionKey: "pk", SortKey: "sk", KeyTypes: []types.ScalarAttributeType{"S", "S"},
		OwnerIndex: uIndex, OwnerIndexSortKey: "created", OwnerIndexSortKeyType: types.ScalarAttributeTypeN,
	}
}

// uTenantSchema keeps tenants apart; its owner index is sorted by tenant.
func uTenantSchema() ddbguard.Schema {
	return ddbguard.Schema{Table: uTable, PartitionKey: "pk", OwnerIndex: uIndex, Tenant: "tenant"}
}

// uListed is an item of caller's list as the index returns it.
func uListed(caller, pk string, created int) map[string]types.AttributeValue {
	return ddbguardtest.Item(map[string]any{"pk": pk, "sk": "rev-1", "owner": caller, "created": created, "title": "t-" + pk})
}

// uLastKey is the index key of an item of uListSchema, as DynamoDB returns
// it in LastEvaluatedKey.
func uLastKey(caller, pk string, created int) map[string]types.AttributeValue {
	return ddbguardtest.Item(map[string]any{"pk": pk, "sk": "rev-1", "owner": caller, "created": created})
}

// uListGuard returns a Guard on a mock whose Query answers with outs, one
// per call, in order.
func uListGuard(t *testing.T, s ddbguard.Schema, outs []*dynamodb.QueryOutput, opts ...ddbguard.Option) (*ddbguard.Guard, *ddbguardtest.API) {
	t.Helper()
	g, api := uNewBare(t, s, opts...)
	for _, out := range outs {
		api.On("Query", mock.Anything, mock.Anything).Return(out, nil).Once()
	}
	return g, api
}

// uCursorOf returns the next cursor of a page of caller whose last
// evaluated key is last.
func uCursorOf(t *testing.T, g *ddbguard.Guard, api *ddbguardtest.API, caller string, last map[string]types.AttributeValue) string {
	t.Helper()
	api.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{LastEvaluatedKey: last}, nil).Once()
	var out []map[string]any
	next, err := g.List(caller).Page(uCtx, &out)
	require.NoError(t, err)
	require.NotEmpty(t, next)
	return next
}

func TestList_firstPage_isOneQueryOnTheOwnerIndexKeyedByTheCaller(t *testing.T) {
	g, api := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{{}})
	var out []map[string]any
	next, err := g.List(uCaller).Page(uCtx, &out)
	require.NoError(t, err)
	assert.Equal(t, "", next)
	assert.NotNil(t, out)
	assert.Empty(t, out)
	require.Equal(t, 1, api.RequestsOf("Query"))
	assert.Equal(t, &dynamodb.QueryInput{
		TableName:                 uPtr(uTable),
		IndexName:                 uPtr(uIndex),
		KeyConditionExpression:    uPtr("#go = :gc"),
		ExpressionAttributeNames:  map[string]string{"#go": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":gc": &types.AttributeValueMemberS{Value: uCaller}},
	}, api.LastInput())
}

func TestList_whereLimitDescendingAfter_allReachTheQuery(t *testing.T) {
	g, api := uNewBare(t, uListSchema())
	cursor := uCursorOf(t, g, api, uCaller, uLastKey(uCaller, "doc-4", 40))
	api.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{}, nil).Once()

	var out []map[string]any
	_, err := g.List(uCaller).
		Where(expression.Name("status").Equal(expression.Value("open"))).
		Where(expression.Name("meta.owner").AttributeExists()).
		Limit(10).Descending().After(cursor).Page(uCtx, &out)
	require.NoError(t, err)
	in := api.LastInput().(*dynamodb.QueryInput)
	assert.Equal(t, &dynamodb.QueryInput{
		TableName:              uPtr(uTable),
		IndexName:              uPtr(uIndex),
		KeyConditionExpression: uPtr("#go = :gc"),
		FilterExpression:       uPtr("(#0 = :0) AND (attribute_exists (#1.#2))"),
		ExpressionAttributeNames: map[string]string{
			"#go": "owner", "#0": "status", "#1": "meta", "#2": "owner",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":gc": &types.AttributeValueMemberS{Value: uCaller}, ":0": &types.AttributeValueMemberS{Value: "open"},
		},
		Limit:             uPtr(int32(10)),
		ScanIndexForward:  uPtr(false),
		ExclusiveStartKey: uLastKey(uCaller, "doc-4", 40),
	}, in)
	assert.Nil(t, in.ConsistentRead, "a global secondary index refuses ConsistentRead")
	uPlaceholdersMatch(t, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.KeyConditionExpression, in.FilterExpression)
	assert.Equal(t, 2, api.RequestsOf("Query"))
}

func TestList_tenantView_keysTheQueryByCallerAndTenant(t *testing.T) {
	g, api := uListGuard(t, uTenantSchema(), []*dynamodb.QueryOutput{{}})
	var out []map[string]any
	_, err := g.ForTenant("acme").List(uCaller).Page(uCtx, &out)
	require.NoError(t, err)
	in := api.LastInput().(*dynamodb.QueryInput)
	assert.Equal(t, "#go = :gc AND #gt = :gtn", *in.KeyConditionExpression)
	assert.Equal(t, map[string]string{"#go": "owner", "#gt": "tenant"}, in.ExpressionAttributeNames)
	assert.Equal(t, map[string]types.AttributeValue{
		":gc":  &types.AttributeValueMemberS{Value: uCaller},
		":gtn": &types.AttributeValueMemberS{Value: "acme"},
	}, in.ExpressionAttributeValues)
	assert.Nil(t, in.ConsistentRead)
}

type uListDoc struct {
	PK    string `dynamodbav:"pk"`
	Title string `dynamodbav:"title"`
}

func TestList_page_replacesOutWithTheItems(t *testing.T) {
	page := &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{
		uListed(uCaller, "doc-1", 10), uListed(uCaller, "doc-2", 20)}}
	t.Run("structs", func(t *testing.T) {
		g, _ := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{page})
		out := []uListDoc{{PK: "stale", Title: "from an earlier page"}, {}, {}}
		_, err := g.List(uCaller).Page(uCtx, &out)
		require.NoError(t, err)
		assert.Equal(t, []uListDoc{{"doc-1", "t-doc-1"}, {"doc-2", "t-doc-2"}}, out)
	})
	t.Run("maps of any", func(t *testing.T) {
		g, _ := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{page})
		var out []map[string]any
		_, err := g.List(uCaller).Page(uCtx, &out)
		require.NoError(t, err)
		require.Len(t, out, 2)
		assert.Equal(t, "t-doc-2", out[1]["title"])
	})
	t.Run("attribute maps", func(t *testing.T) {
		g, _ := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{page})
		var out []map[string]types.AttributeValue
		_, err := g.List(uCaller).Page(uCtx, &out)
		require.NoError(t, err)
		assert.Equal(t, page.Items, out)
	})
	t.Run("empty page with next", func(t *testing.T) {
		g, _ := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{{LastEvaluatedKey: uLastKey(uCaller, "doc-9", 90)}})
		out := []uListDoc{{PK: "stale"}}
		next, err := g.List(uCaller).Page(uCtx, &out)
		require.NoError(t, err)
		assert.NotEmpty(t, next, "an empty page does not end the list")
		assert.NotNil(t, out)
		assert.Empty(t, out)
	})
}

func TestList_nextCursor_continuesExactlyAtTheLastEvaluatedKey(t *testing.T) {
	for name, opts := range map[string][]ddbguard.Option{"plain": nil, "sealed": {ddbguard.WithCursorKey(uCursorKey(1))}} {
		t.Run(name, func(t *testing.T) {
			g, api := uNewBare(t, uListSchema(), opts...)
			last := uLastKey(uCaller, "doc-2", 20)
			cursor := uCursorOf(t, g, api, uCaller, last)
			assert.LessOrEqual(t, len(cursor), 4096)
			assert.NotContains(t, cursor, "=", "no padding")
			assert.NotContains(t, cursor, "+")
			assert.NotContains(t, cursor, "/")
			if name == "sealed" {
				raw, _ := b64.DecodeString(cursor)
				assert.NotContains(t, string(raw), "doc-2", "a sealed cursor hides the item key")
			}
			api.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{}, nil).Once()
			var out []map[string]any
			next, err := g.List(uCaller).After(cursor).Page(uCtx, &out)
			require.NoError(t, err)
			assert.Equal(t, "", next)
			assert.Equal(t, last, api.LastInput().(*dynamodb.QueryInput).ExclusiveStartKey)
		})
	}
}

func TestList_secondPageOfOneBuilder_sendsAFreshInput(t *testing.T) {
	g, api := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{{LastEvaluatedKey: uLastKey(uCaller, "doc-1", 10)}, {}})
	l := g.List(uCaller).Limit(1)
	var out []map[string]any
	next, err := l.Page(uCtx, &out)
	require.NoError(t, err)
	first := api.LastInput().(*dynamodb.QueryInput)
	_, err = l.After(next).Page(uCtx, &out)
	require.NoError(t, err)
	second := api.LastInput().(*dynamodb.QueryInput)
	assert.NotSame(t, first, second)
	assert.Nil(t, first.ExclusiveStartKey, "the first page's input is left as it was sent")
	assert.Equal(t, uLastKey(uCaller, "doc-1", 10), second.ExclusiveStartKey)
}

func TestList_itemOutsideTheCallersList_isMisdeclaredIndexWithNoItems(t *testing.T) {
	tests := map[string]struct {
		schema ddbguard.Schema
		tenant string
		page   *dynamodb.QueryOutput
	}{
		"another owner's item": {uListSchema(), "", &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{
			uListed(uCaller, "doc-1", 1), uListed(uIntruder, "doc-2", 2)}}},
		"an item without owner": {uListSchema(), "", &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{
			ddbguardtest.Item(map[string]any{"pk": "doc-3", "sk": "r", "title": uSecret})}}},
		"another owner's last key": {uListSchema(), "", &dynamodb.QueryOutput{LastEvaluatedKey: uLastKey(uIntruder, "doc-2", 2)}},
		"another tenant's item": {uTenantSchema(), "acme", &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{
			ddbguardtest.Item(map[string]any{"pk": "doc-1", "owner": uCaller, "tenant": "globex", "title": uSecret})}}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			g, api := uListGuard(t, tt.schema, []*dynamodb.QueryOutput{tt.page})
			if tt.tenant != "" {
				g = g.ForTenant(tt.tenant)
			}
			out := []map[string]any{{"stale": true}}
			next, err := g.List(uCaller).Page(uCtx, &out)
			e := uAsError(t, err)
			assert.Nil(t, e.Err, "a misdeclared index is not the caller's fault")
			assert.Nil(t, e.Item)
			assert.Equal(t, "list", e.Op)
			assert.Contains(t, err.Error(), "OwnerIndex")
			assert.NotContains(t, err.Error(), uIntruder)
			assert.NotContains(t, err.Error(), uSecret)
			assert.Equal(t, "", next)
			assert.NotNil(t, out)
			assert.Empty(t, out, "no item of a misdeclared index reaches out")
			assert.Equal(t, 500, ddbguard.HTTPStatus(err))
			assert.Equal(t, 1, api.Requests())
		})
	}
}

func TestList_sdkError_isWrappedWithoutSentinel(t *testing.T) {
	cause := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	g, api := uNewBare(t, uListSchema())
	api.On("Query", mock.Anything, mock.Anything).Return(nil, cause)
	out := []map[string]any{{"stale": true}}
	next, err := g.List(uCaller).Page(uCtx, &out)
	e := uAsError(t, err)
	assert.Nil(t, e.Err)
	assert.Equal(t, "list", e.Op)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, 503, ddbguard.HTTPStatus(err))
	assert.Equal(t, "", next)
	assert.Empty(t, out)
	assert.Equal(t, 1, api.Requests())
}

func TestList_itemThatDoesNotFitOut_isWrappedWithoutSentinel(t *testing.T) {
	g, _ := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{{Items: []map[string]types.AttributeValue{
		ddbguardtest.Item(map[string]any{"pk": "doc-1", "sk": "r", "owner": uCaller, "title": []string{"a", "b"}})}}})
	var out []uListDoc
	_, err := g.List(uCaller).Page(uCtx, &out)
	e := uAsError(t, err)
	assert.Nil(t, e.Err)
	assert.NotNil(t, e.Cause)
	assert.Empty(t, out)
}

func TestWithCursorKey_wrongLength_failsNew(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		_, err := ddbguard.New(new(ddbguardtest.API), uListSchema(), ddbguard.WithCursorKey(make([]byte, n)))
		uIsOnly(t, err, ddbguard.ErrInvalidInput)
		assert.True(t, strings.Contains(err.Error(), "32"), err.Error())
	}
}

func uPtr[T any](v T) *T { return &v }

// uCursorKey returns a 32-byte cursor key made of seed.
func uCursorKey(seed byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed
	}
	return k
}

func TestList_input_isWhatPageSends_andSendsNothing(t *testing.T) {
	g, api := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{{}})
	l := g.List(uCaller).Limit(5).Where(expression.Name("status").Equal(expression.Value("open")))
	in, err := l.Input()
	require.NoError(t, err)
	assert.Equal(t, 0, api.Requests())
	var out []map[string]any
	_, err = l.Page(uCtx, &out)
	require.NoError(t, err)
	assert.Equal(t, in, api.LastInput())

	_, err = g.List(uCaller).Limit(0).Input()
	uIsOnly(t, err, ddbguard.ErrInvalidInput)
	_, err = g.List(uCaller).Where(expression.Name("owner").Equal(expression.Value("x"))).Input()
	uIsOnly(t, err, ddbguard.ErrInvalidInput)
	assert.Equal(t, 1, api.Requests())
}

func TestList_oneGuardPagedConcurrently_acceptsOnlyEachCallersOwnCursor(t *testing.T) {
	key := ddbguard.WithCursorKey(uCursorKey(9))
	g, err := ddbguard.New(uEcho{}, uListSchema(), key)
	require.NoError(t, err)
	callers := []string{"alice", "bob", "carol", "dave"}
	cursors := make([]string, len(callers))
	for i, c := range callers {
		issuer, err := ddbguard.New(uNoopQuery{page: &dynamodb.QueryOutput{LastEvaluatedKey: uLastKey(c, "doc-1", 10)}}, uListSchema(), key)
		require.NoError(t, err)
		var out []map[string]any
		cursors[i], err = issuer.List(c).Page(uCtx, &out)
		require.NoError(t, err)
	}
	errs := make(chan error, len(callers)*len(callers)*10)
	var wg sync.WaitGroup
	for range 10 {
		for i, c := range callers {
			for j, cursor := range cursors {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var out []map[string]any
					next, err := g.List(c).After(cursor).Page(uCtx, &out)
					if (i == j) != (err == nil) || (err == nil && next == "") {
						errs <- fmt.Errorf("%s with %s's cursor: next %q, %v", c, callers[j], next, err)
					}
				}()
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// uEcho answers every Query with an empty page that ends where it
// started; it keeps no state, so that many goroutines can share it.
type uEcho struct{ ddbguard.API }

func (uEcho) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return &dynamodb.QueryOutput{LastEvaluatedKey: in.ExclusiveStartKey}, nil
}

func TestList_lastKeyTooLongForACursor_failsThePageWithoutSentinel(t *testing.T) {
	long := strings.Repeat("a", 2048)
	g, api := uListGuard(t, uListSchema(), []*dynamodb.QueryOutput{{LastEvaluatedKey: ddbguardtest.Item(map[string]any{
		"pk": strings.Repeat("p", 2048), "sk": "rev-1", "owner": long, "created": 1})}})
	var out []map[string]any
	next, err := g.List(long).Page(uCtx, &out)
	e := uAsError(t, err)
	assert.Nil(t, e.Err)
	assert.Contains(t, err.Error(), "4 KiB")
	assert.Equal(t, "", next)
	assert.Equal(t, 1, api.Requests())
}
