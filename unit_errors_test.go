package ddbguard_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// Values the unit tests use. uIntruder and uSecret are distinctive so that
// a leak of either into an error or an audit event is found by substring.
const (
	uTable    = "docs"
	uCaller   = "alice"
	uIntruder = "mallory-7f3a91"
	uEditor   = "carol"
	uSecret   = "secret-b52e0c"
)

var (
	uCtx = context.Background()
	uKey = ddbguard.Key{PK: "doc-1", SK: "rev-1"}
	// uSentinels lists every sentinel, for asserting that an error is none
	// of the others.
	uSentinels = []error{
		ddbguard.ErrUnauthenticated, ddbguard.ErrInvalidInput, ddbguard.ErrProtectedAttribute,
		ddbguard.ErrNotFound, ddbguard.ErrNotOwner, ddbguard.ErrForbidden,
		ddbguard.ErrConflict, ddbguard.ErrAlreadyExists,
	}
)

// uFullSchema has a sort key, a version, editors and a protected attribute.
func uFullSchema() ddbguard.Schema {
	return ddbguard.Schema{
		Table: uTable, PartitionKey: "pk", SortKey: "sk",
		Version: "version", Editors: "editors", Protected: []string{"created_at"},
	}
}

// uPlainSchema has a partition key only.
func uPlainSchema() ddbguard.Schema {
	return ddbguard.Schema{Table: uTable, PartitionKey: "pk"}
}

// uNew returns a Guard on a mock that answers every request with answer
// (nil: success), so that a request that should not have been sent is
// counted rather than panicked on.
func uNew(t *testing.T, s ddbguard.Schema, answer error, opts ...ddbguard.Option) (*ddbguard.Guard, *ddbguardtest.API) {
	t.Helper()
	g, api := uNewBare(t, s, opts...)
	uAnswer(api, answer)
	return g, api
}

// uNewBare returns a Guard on a mock without expectations.
func uNewBare(t *testing.T, s ddbguard.Schema, opts ...ddbguard.Option) (*ddbguard.Guard, *ddbguardtest.API) {
	t.Helper()
	api := new(ddbguardtest.API)
	g, err := ddbguard.New(api, s, opts...)
	require.NoError(t, err)
	return g, api
}

// uAnswer makes every method of api answer with err, or succeed with an
// empty output when err is nil.
func uAnswer(api *ddbguardtest.API, err error) {
	outs := map[string]any{
		"GetItem":            &dynamodb.GetItemOutput{},
		"PutItem":            &dynamodb.PutItemOutput{},
		"UpdateItem":         &dynamodb.UpdateItemOutput{},
		"DeleteItem":         &dynamodb.DeleteItemOutput{},
		"TransactWriteItems": &dynamodb.TransactWriteItemsOutput{},
	}
	for method, out := range outs {
		if err != nil {
			out = nil
		}
		api.On(method, mock.Anything, mock.Anything).Return(out, err).Maybe()
	}
}

// uStored is an item as DynamoDB holds it, owned by owner, with version 3
// and attribute values that must never reach a caller who does not own it.
func uStored(owner string, extra map[string]any) map[string]types.AttributeValue {
	kv := map[string]any{
		"pk": "doc-1", "sk": "rev-1", "owner": owner, "version": 3,
		"title": uSecret, "created_at": "2024-01-02",
	}
	for k, v := range extra {
		kv[k] = v
	}
	return ddbguardtest.Item(kv)
}

// uAsError returns err as an *ddbguard.Error, failing the test otherwise.
func uAsError(t *testing.T, err error) *ddbguard.Error {
	t.Helper()
	var e *ddbguard.Error
	require.ErrorAs(t, err, &e)
	return e
}

// uIsOnly asserts that err matches want and no unrelated sentinel.
func uIsOnly(t *testing.T, err, want error) {
	t.Helper()
	require.ErrorIs(t, err, want)
	for _, s := range uSentinels {
		if s == want || (want == ddbguard.ErrAlreadyExists && s == ddbguard.ErrConflict) {
			continue
		}
		assert.NotErrorIs(t, err, s)
	}
}

var uPlaceholder = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

// uPlaceholdersMatch asserts that the placeholders the expressions use are
// exactly those defined in names and values, as DynamoDB requires.
func uPlaceholdersMatch(t *testing.T, names map[string]string, values map[string]types.AttributeValue, exprs ...*string) {
	t.Helper()
	used := map[string]bool{}
	for _, e := range exprs {
		if e != nil {
			for _, p := range uPlaceholder.FindAllString(*e, -1) {
				used[p] = true
			}
		}
	}
	var defined []string
	for k := range names {
		defined = append(defined, k)
	}
	for k := range values {
		defined = append(defined, k)
	}
	var want []string
	for k := range used {
		want = append(want, k)
	}
	sort.Strings(defined)
	sort.Strings(want)
	assert.Equal(t, want, defined, "placeholders used vs defined")
	assert.Equal(t, len(names)+len(values), len(defined))
}

func TestHTTPStatus_mapsEveryOutcome(t *testing.T) {
	wrap := func(sentinel error) error { return &ddbguard.Error{Op: "update", Index: -1, Err: sentinel} }
	sdk := func(cause error) error { return &ddbguard.Error{Op: "update", Index: -1, Cause: cause} }
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 200},
		{"unauthenticated", wrap(ddbguard.ErrUnauthenticated), 401},
		{"invalid input", wrap(ddbguard.ErrInvalidInput), 400},
		{"protected attribute", wrap(ddbguard.ErrProtectedAttribute), 400},
		{"not found", wrap(ddbguard.ErrNotFound), 404},
		{"not owner", wrap(ddbguard.ErrNotOwner), 404},
		{"forbidden", wrap(ddbguard.ErrForbidden), 404},
		{"conflict", wrap(ddbguard.ErrConflict), 409},
		{"already exists", wrap(ddbguard.ErrAlreadyExists), 409},
		{"bare sentinel", ddbguard.ErrNotOwner, 404},
		{"throttling", sdk(&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}), 503},
		{"provisioned throughput", sdk(&types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}), 503},
		{"deadline exceeded", sdk(context.DeadlineExceeded), 504},
		{"deadline inside the SDK's errors", sdk(&smithy.OperationError{ServiceID: "DynamoDB", OperationName: "UpdateItem",
			Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}), 504},
		{"transaction throttled", sdk(ddbguardtest.TxCanceled(ddbguardtest.ReasonNone(),
			types.CancellationReason{Code: aws.String("ThrottlingError")})), 503},
		{"transaction validation", sdk(ddbguardtest.TxCanceled(
			types.CancellationReason{Code: aws.String("ValidationError")})), 500},
		{"validation", sdk(&smithy.GenericAPIError{Code: "ValidationException", Message: "bad"}), 500},
		{"canceled", sdk(context.Canceled), 500},
		{"unknown", errors.New("boom"), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ddbguard.HTTPStatus(tt.err))
		})
	}
}

func TestErrAlreadyExists_alsoMatchesErrConflict(t *testing.T) {
	assert.ErrorIs(t, ddbguard.ErrAlreadyExists, ddbguard.ErrConflict)
	assert.NotErrorIs(t, ddbguard.ErrConflict, ddbguard.ErrAlreadyExists)
}

// uRunAll runs one representative request of every kind against g.
func uRunAll(g *ddbguard.Guard) map[string]error {
	var out map[string]any
	return map[string]error{
		"update":  g.Update(uCaller, uKey).Set("title", "t").Run(uCtx),
		"delete":  g.Delete(uCaller, uKey).Run(uCtx),
		"create":  g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Run(uCtx),
		"replace": g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1", "created_at": "2024-01-02"}).IfVersion(3).Run(uCtx),
		"get":     g.Get(uCtx, uCaller, uKey, &out),
	}
}

func TestNonConditionErrors_areWrappedNeverClassified(t *testing.T) {
	causes := []struct {
		name   string
		cause  error
		status int
	}{
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, 503},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Message: "One or more parameter values were invalid"}, 500},
		{"canceled", context.Canceled, 500},
		{"deadline", context.DeadlineExceeded, 504},
	}
	for _, c := range causes {
		t.Run(c.name, func(t *testing.T) {
			var events []ddbguard.AuditEvent
			audit := ddbguard.WithAudit(func(_ context.Context, ev ddbguard.AuditEvent) { events = append(events, ev) })
			g, api := uNew(t, uFullSchema(), c.cause, audit)
			errs := uRunAll(g)
			for op, err := range errs {
				e := uAsError(t, err)
				assert.Nil(t, e.Err, op)
				assert.Equal(t, c.cause, e.Cause, op)
				assert.ErrorIs(t, err, c.cause, op)
				for _, s := range uSentinels {
					assert.NotErrorIs(t, err, s, op)
				}
				assert.Equal(t, c.status, ddbguard.HTTPStatus(err), op)
				assert.Equal(t, -1, e.Index, op)
			}
			assert.Equal(t, len(errs), api.Requests(), "one request per operation")
			assert.Empty(t, events, "transport failures are not audited as refusals")
		})
	}
}

func TestError_isAndAsHoldOnTheSameError(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), ddbguardtest.ConditionFailed(uStored(uIntruder, nil)))
	err := g.Update(uCaller, uKey).Set("title", "t").Run(uCtx)

	assert.ErrorIs(t, err, ddbguard.ErrNotOwner)
	var ccf *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	assert.Nil(t, ccf.Item, "the SDK error must not carry another owner's item")
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "ConditionalCheckFailedException", apiErr.ErrorCode())
}

func TestError_conditionFailedInsideOperationError_isClassified(t *testing.T) {
	wrapped := &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "UpdateItem",
		Err: ddbguardtest.ConditionFailed(uStored(uIntruder, nil))}
	g, _ := uNew(t, uFullSchema(), wrapped)
	err := g.Update(uCaller, uKey).Set("title", "t").Run(uCtx)

	uIsOnly(t, err, ddbguard.ErrNotOwner)
	var ccf *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	assert.Nil(t, ccf.Item)
}

// uLeakCases are refusals of a caller who does not own the item, one per
// operation, each answered by a mock with the real item or with none.
func uLeakCases() map[string]func(g *ddbguard.Guard) error {
	var out map[string]any
	return map[string]func(g *ddbguard.Guard) error{
		"update":   func(g *ddbguard.Guard) error { return g.Update(uCaller, uKey).Set("title", "t").Run(uCtx) },
		"transfer": func(g *ddbguard.Guard) error { return g.Transfer(uCaller, uKey, "bob").Run(uCtx) },
		"delete":   func(g *ddbguard.Guard) error { return g.Delete(uCaller, uKey).Run(uCtx) },
		"delete value": func(g *ddbguard.Guard) error {
			return g.Delete(uCaller, uKey).Value(uCtx, &out)
		},
		"replace": func(g *ddbguard.Guard) error {
			return g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).IfVersion(3).Run(uCtx)
		},
		"create": func(g *ddbguard.Guard) error {
			return g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Run(uCtx)
		},
		"get": func(g *ddbguard.Guard) error {
			err := g.Get(uCtx, uCaller, uKey, &out)
			if len(out) > 0 {
				return fmt.Errorf("get filled out with %v", out)
			}
			return err
		},
	}
}

func TestRefusal_ofAnotherOwnersItem_leaksNothing(t *testing.T) {
	stored := uStored(uIntruder, map[string]any{"editors": []string{"eve-" + uSecret}})
	for _, answer := range []struct {
		name string
		item map[string]types.AttributeValue
	}{{"other owner", stored}, {"missing", nil}} {
		for op, run := range uLeakCases() {
			t.Run(answer.name+"/"+op, func(t *testing.T) {
				var events []ddbguard.AuditEvent
				audit := ddbguard.WithAudit(func(_ context.Context, ev ddbguard.AuditEvent) { events = append(events, ev) })
				g, api := uNewBare(t, uFullSchema(), audit)
				// The first matching expectation wins: GetItem finds the item.
				api.On("GetItem", mock.Anything, mock.Anything).Return(&dynamodb.GetItemOutput{Item: answer.item}, nil)
				uAnswer(api, ddbguardtest.ConditionFailed(answer.item))

				err := run(g)
				e := uAsError(t, err)
				require.NotNil(t, e.Err)
				assert.Nil(t, e.Item)
				var ccf *types.ConditionalCheckFailedException
				if errors.As(err, &ccf) {
					assert.Nil(t, ccf.Item)
				}
				require.Len(t, events, 1)
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%+v", events[0]), fmt.Sprintf("%+v", *e)} {
					assert.NotContains(t, text, uIntruder)
					assert.NotContains(t, text, uSecret)
					assert.NotContains(t, text, "2024-01-02")
				}
				assert.Equal(t, 1, api.Requests())
			})
		}
	}
}

func TestAudit_receivesOneEventPerRefusalAndNoneOnSuccess(t *testing.T) {
	var events []ddbguard.AuditEvent
	audit := ddbguard.WithAudit(func(_ context.Context, ev ddbguard.AuditEvent) { events = append(events, ev) })
	g, api := uNew(t, uFullSchema(), nil, audit)

	require.NoError(t, g.Update(uCaller, uKey).Set("title", "t").Run(uCtx))
	require.NoError(t, g.Delete(uCaller, uKey).Run(uCtx))
	assert.Empty(t, events, "no event on success")

	steps := []struct {
		op     string
		caller string
		answer error
		run    func(caller string) error
		want   error
	}{
		{"update", " ", nil, func(c string) error { return g.Update(c, uKey).Set("title", "t").Run(uCtx) }, ddbguard.ErrUnauthenticated},
		{"update", uCaller, nil, func(c string) error { return g.Update(c, uKey).Set("owner", "x").Run(uCtx) }, ddbguard.ErrProtectedAttribute},
		{"delete", uCaller, ddbguardtest.ConditionFailed(uStored(uIntruder, nil)), func(c string) error { return g.Delete(c, uKey).Run(uCtx) }, ddbguard.ErrNotOwner},
		{"update", uCaller, ddbguardtest.ConditionFailed(uStored(uCaller, nil)), func(c string) error { return g.Update(c, uKey).Set("title", "t").IfVersion(2).Run(uCtx) }, ddbguard.ErrConflict},
		{"transfer", uCaller, ddbguardtest.ConditionFailed(nil), func(c string) error { return g.Transfer(c, uKey, "bob").Run(uCtx) }, ddbguard.ErrNotFound},
	}
	for _, s := range steps {
		events = nil
		api.ExpectedCalls = nil
		uAnswer(api, s.answer)
		err := s.run(s.caller)
		require.ErrorIs(t, err, s.want)
		require.Len(t, events, 1, s.op)
		ev := events[0]
		assert.Equal(t, s.op, ev.Op)
		assert.Equal(t, uTable, ev.Table)
		assert.Equal(t, uKey, ev.Key)
		assert.Equal(t, s.caller, ev.Caller)
		assert.Equal(t, s.want, ev.Reason)
		assert.Equal(t, -1, ev.Index)
	}
	assert.True(t, strings.HasPrefix(fmt.Sprint(events[0].Reason), "ddbguard: "))
}
