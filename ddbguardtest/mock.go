// Package ddbguardtest provides a testify mock of ddbguard.API and helpers
// that build the errors DynamoDB answers with, for unit tests of code that
// uses ddbguard.
//
// A handler under test receives a *ddbguard.Guard built on an *API instead
// of a *dynamodb.Client. The test sets the answers it needs with testify's
// On, and checks what was sent with AssertExpectations, Requests or the
// input recorded in Calls:
//
//	api := new(ddbguardtest.API)
//	api.On("UpdateItem", mock.Anything, mock.Anything).
//		Return(nil, ddbguardtest.ConditionFailed(map[string]types.AttributeValue{
//			"id":    &types.AttributeValueMemberS{Value: "doc-1"},
//			"owner": &types.AttributeValueMemberS{Value: "bob"},
//		}))
//	g, _ := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "id"})
//	status := renameHandler(g, "alice", "doc-1") // 404: alice does not own doc-1
//
// ConditionFailed(item) answers as DynamoDB does when a guarded write's
// condition fails: the item as it was, since every guarded write asks for
// ReturnValuesOnConditionCheckFailure=ALL_OLD. ConditionFailed(nil) is the
// answer for an item that does not exist. TxCanceled does the same for a
// transaction. Under ddbguard.WithoutOldItem a write asks for nothing:
// answer ConditionFailed(nil), and answer the Query that classifies the
// failure (ScannedCount 0: no item; ScannedCount 1 and no Items: someone
// else's item).
//
// A method called without a matching On expectation panics, as testify's
// mocks do, so a test that expects no request needs no expectation at all.
//
// Against a real DynamoDB, Counter counts the requests an operation sends,
// and Faults injects throttling, server errors, timeouts, cancellations and
// lost responses.
package ddbguardtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbguard/ddbguard"
	"github.com/stretchr/testify/mock"
)

// API is a testify mock of ddbguard.API. Its methods record the context and
// the input they receive (not the functional options), so expectations are
// set with two arguments: api.On("PutItem", mock.Anything, mock.Anything).
// Return takes the output (a pointer, or nil) and the error.
type API struct {
	mock.Mock
}

var _ ddbguard.API = (*API)(nil)

// GetItem records the call and returns the values given to Return.
func (m *API) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	args := m.Called(ctx, in)
	out, _ := args.Get(0).(*dynamodb.GetItemOutput)
	return out, args.Error(1)
}

// PutItem records the call and returns the values given to Return.
func (m *API) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	args := m.Called(ctx, in)
	out, _ := args.Get(0).(*dynamodb.PutItemOutput)
	return out, args.Error(1)
}

// UpdateItem records the call and returns the values given to Return.
func (m *API) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	args := m.Called(ctx, in)
	out, _ := args.Get(0).(*dynamodb.UpdateItemOutput)
	return out, args.Error(1)
}

// DeleteItem records the call and returns the values given to Return.
func (m *API) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	args := m.Called(ctx, in)
	out, _ := args.Get(0).(*dynamodb.DeleteItemOutput)
	return out, args.Error(1)
}

// TransactWriteItems records the call and returns the values given to
// Return.
func (m *API) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	args := m.Called(ctx, in)
	out, _ := args.Get(0).(*dynamodb.TransactWriteItemsOutput)
	return out, args.Error(1)
}

// Query records the call and returns the values given to Return.
func (m *API) Query(ctx context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	args := m.Called(ctx, in)
	out, _ := args.Get(0).(*dynamodb.QueryOutput)
	return out, args.Error(1)
}

// Requests returns how many requests were sent through m, of any kind.
// Like testify's own Calls, it is meant to be read once the requests have
// returned, not while they run.
func (m *API) Requests() int {
	return len(m.Calls)
}

// RequestsOf returns how many calls of method (such as "UpdateItem") were
// sent through m.
func (m *API) RequestsOf(method string) int {
	n := 0
	for _, c := range m.Calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// LastInput returns the input of the last call sent through m, such as a
// *dynamodb.UpdateItemInput, or nil when nothing was sent.
func (m *API) LastInput() any {
	if len(m.Calls) == 0 {
		return nil
	}
	return m.Calls[len(m.Calls)-1].Arguments.Get(1)
}

// ConditionFailed returns the error DynamoDB answers with when a write's
// ConditionExpression is false and the write asked for
// ReturnValuesOnConditionCheckFailure=ALL_OLD: item is the item as it was,
// or nil when there was none.
func ConditionFailed(item map[string]types.AttributeValue) error {
	return &types.ConditionalCheckFailedException{
		Message: aws.String("The conditional request failed"),
		Item:    item,
	}
}

// TxCanceled returns the error DynamoDB answers with when it cancels a
// transaction, with one reason per item in the transaction's order.
func TxCanceled(reasons ...types.CancellationReason) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = aws.ToString(r.Code)
		if codes[i] == "" {
			codes[i] = "None"
		}
	}
	return &types.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"),
		CancellationReasons: reasons,
	}
}

// ReasonNone is the cancellation reason of a transaction item that did not
// cause the cancellation.
func ReasonNone() types.CancellationReason {
	return types.CancellationReason{Code: aws.String("None")}
}

// ReasonConditionFailed is the cancellation reason of a transaction item
// whose condition failed; item is the item as it was (ALL_OLD), or nil.
func ReasonConditionFailed(item map[string]types.AttributeValue) types.CancellationReason {
	return types.CancellationReason{
		Code:    aws.String("ConditionalCheckFailed"),
		Message: aws.String("The conditional request failed"),
		Item:    item,
	}
}

// ReasonConflict is the cancellation reason of a transaction item that
// another write was changing at the same time.
func ReasonConflict() types.CancellationReason {
	return types.CancellationReason{
		Code:    aws.String("TransactionConflict"),
		Message: aws.String("Transaction is ongoing for the item"),
	}
}

// Item builds an attribute map from Go values, for answers and assertions:
// a string becomes S, an int or int64 N, a []string SS, a bool BOOL, and a
// types.AttributeValue is kept. Any other type panics.
func Item(kv map[string]any) map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(kv))
	for k, v := range kv {
		m[k] = value(v)
	}
	return m
}

func value(v any) types.AttributeValue {
	switch x := v.(type) {
	case string:
		return &types.AttributeValueMemberS{Value: x}
	case int:
		return &types.AttributeValueMemberN{Value: strconv.Itoa(x)}
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}
	case []string:
		return &types.AttributeValueMemberSS{Value: x}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: x}
	case types.AttributeValue:
		return x
	}
	panic(fmt.Sprintf("ddbguardtest: Item cannot convert %T", v))
}
