package ddbguardtest

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ddbguard/ddbguard"
)

// Counter is a ddbguard.API that forwards every request to API and counts
// it by operation, so that a test against a real DynamoDB can check that an
// operation sent exactly one request, or none:
//
//	c := &ddbguardtest.Counter{API: client}
//	g, _ := ddbguard.New(c, schema)
//	err := g.Update(caller, key).Set("title", "x").Run(ctx)
//	// c.Requests() == 1, whatever err is
//
// A Counter is safe for concurrent use; set API before the first request.
type Counter struct {
	API ddbguard.API
	n   [len(operations)]atomic.Int64
}

var _ ddbguard.API = (*Counter)(nil)

// operations are the API methods a Counter counts, in the order of its
// counters.
var operations = [...]string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "Query"}

// Requests returns the number of requests sent so far.
func (c *Counter) Requests() int {
	total := 0
	for i := range c.n {
		total += int(c.n[i].Load())
	}
	return total
}

// RequestsOf returns the number of requests sent so far to method, such as
// "UpdateItem".
func (c *Counter) RequestsOf(method string) int {
	for i, op := range operations {
		if op == method {
			return int(c.n[i].Load())
		}
	}
	return 0
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
	for i := range c.n {
		c.n[i].Store(0)
	}
}

// GetItem counts the request and forwards it.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.n[0].Add(1)
	return c.API.GetItem(ctx, in, optFns...)
}

// PutItem counts the request and forwards it.
func (c *Counter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.n[1].Add(1)
	return c.API.PutItem(ctx, in, optFns...)
}

// UpdateItem counts the request and forwards it.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.n[2].Add(1)
	return c.API.UpdateItem(ctx, in, optFns...)
}

// DeleteItem counts the request and forwards it.
func (c *Counter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.n[3].Add(1)
	return c.API.DeleteItem(ctx, in, optFns...)
}

// TransactWriteItems counts the request and forwards it.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.n[4].Add(1)
	return c.API.TransactWriteItems(ctx, in, optFns...)
}

// Query counts the request and forwards it.
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.n[5].Add(1)
	return c.API.Query(ctx, in, optFns...)
}
