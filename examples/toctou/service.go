package main

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// Items is the small items service that both implementations provide. The
// caller is the authenticated user on whose behalf a request runs; the
// scenarios play several users at once against one implementation.
//
// Both implementations answer a refusal with ddbguard's sentinels
// (ErrNotFound, ErrNotOwner, ErrConflict, ErrAlreadyExists), so the
// scenarios treat them alike; any other error is a failure of the run.
type Items interface {
	// Create stores a new item under id, owned by caller.
	Create(ctx context.Context, caller, id string) error
	// Update sets the item's value, if caller owns it.
	Update(ctx context.Context, caller, id, value string) error
	// UpdateIfVersion sets the item's value if caller owns it and its
	// version is still version, the one the client read.
	UpdateIfVersion(ctx context.Context, caller, id string, version int64, value string) error
	// Delete removes the item, if caller owns it.
	Delete(ctx context.Context, caller, id string) error
	// Transfer gives the item to newOwner, if caller owns it.
	Transfer(ctx context.Context, caller, id, newOwner string) error
}

// The item's attributes. history is an append-only log of every write, in
// the order DynamoDB applied them: the checker reads it afterwards.
const (
	attrID         = "id"
	attrOwner      = "owner"
	attrVersion    = "version"
	attrValue      = "value"
	attrLastWriter = "last_writer"
	attrHistory    = "history"
)

// History entries, one per write: "<kind> <user> [<arg>]". The user is the
// creator, the updater or the new owner; an update's arg is the value it
// wrote, preceded by the version it wrote when it knew it ("2 phone").
const (
	logCreate   = "create"
	logUpdate   = "update"
	logTransfer = "transfer"
)

func entry(kind, who, arg string) string {
	if arg == "" {
		return kind + " " + who
	}
	return kind + " " + who + " " + arg
}

// parseEntry splits a history entry into its kind and user.
func parseEntry(e string) (kind, who string) {
	kind, rest, _ := strings.Cut(e, " ")
	who, _, _ = strings.Cut(rest, " ")
	return kind, who
}

// appendHistory is the update clause that logs e. if_not_exists lets an
// update of a missing item (which UpdateItem turns into an insert) log too,
// so the checker sees such a ghost item for what it is.
func appendHistory(e string) expression.UpdateBuilder {
	h := expression.Name(attrHistory)
	return expression.Set(h, expression.ListAppend(
		expression.IfNotExists(h, expression.Value([]string{})),
		expression.Value([]string{e})))
}

// isRefusal reports whether err is an answer the service may give: the
// request was refused because of the item's state.
func isRefusal(err error) bool {
	return errors.Is(err, ddbguard.ErrNotFound) || errors.Is(err, ddbguard.ErrNotOwner) ||
		errors.Is(err, ddbguard.ErrConflict)
}

// think stands for the application's work between deciding a request and
// writing its result (validation, a call to another service, a pause of the
// runtime). Both implementations spend it, so the comparison is fair.
func think(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// countingAPI passes every request to a DynamoDB client and counts it, to
// report requests per operation.
type countingAPI struct {
	api ddbguard.API
	n   atomic.Int64
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.n.Add(1)
	return c.api.GetItem(ctx, in, opts...)
}

func (c *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.n.Add(1)
	return c.api.PutItem(ctx, in, opts...)
}

func (c *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.n.Add(1)
	return c.api.UpdateItem(ctx, in, opts...)
}

func (c *countingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.n.Add(1)
	return c.api.DeleteItem(ctx, in, opts...)
}

func (c *countingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.n.Add(1)
	return c.api.TransactWriteItems(ctx, in, opts...)
}

func (c *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.n.Add(1)
	return c.api.Query(ctx, in, opts...)
}

// item is the stored form of an item. A ghost item, inserted by an update
// of a deleted item, has no owner.
type item struct {
	ID         string   `dynamodbav:"id"`
	Owner      string   `dynamodbav:"owner,omitempty"`
	Version    int64    `dynamodbav:"version"`
	Value      string   `dynamodbav:"value"`
	LastWriter string   `dynamodbav:"last_writer"`
	History    []string `dynamodbav:"history"`
}

// newItem returns a new item under id, owned by owner, at version 1.
func newItem(id, owner string) item {
	return item{
		ID:         id,
		Owner:      owner,
		Version:    1,
		Value:      "new",
		LastWriter: owner,
		History:    []string{entry(logCreate, owner, "")},
	}
}

func itemKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}}
}
