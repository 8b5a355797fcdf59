package ddbguardtest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/stretchr/testify/mock"
)

// rename is the handler under test: it renames a document on behalf of the
// authenticated caller and answers with an HTTP status.
func rename(ctx context.Context, g *ddbguard.Guard, caller, id, title string) int {
	err := g.Update(caller, ddbguard.Key{PK: id}).Set("title", title).Run(ctx)
	return ddbguard.HTTPStatus(err)
}

// A handler's unit test drives a Guard built on the mock. Here the stored
// document belongs to bob, so DynamoDB refuses alice's update and returns
// the item as it was; the handler answers 404, as for a missing document.
func Example() {
	api := new(ddbguardtest.API)
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(
		ddbguardtest.Item(map[string]any{"id": "doc-1", "owner": "bob", "title": "Plans"}),
	)).Once()
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil).Once()

	g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "id"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	fmt.Println("alice:", rename(ctx, g, "alice", "doc-1", "Mine now"))
	fmt.Println("bob:", rename(ctx, g, "bob", "doc-1", "Plans v2"))
	fmt.Println("requests:", api.Requests())

	in := api.LastInput().(*dynamodb.UpdateItemInput)
	fmt.Println("condition:", *in.ConditionExpression)
	// Output:
	// alice: 404
	// bob: 200
	// requests: 2
	// condition: attribute_exists(#gk) AND #go = :gc
}

// A transaction's cancellation names the failing item by its position:
// here the second item, whose owner is not the caller.
func ExampleTxCanceled() {
	api := new(ddbguardtest.API)
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonNone(),
		ddbguardtest.ReasonConditionFailed(ddbguardtest.Item(map[string]any{"id": "doc-2", "owner": "bob"})),
	))
	g, err := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "id"})
	if err != nil {
		panic(err)
	}
	err = ddbguard.NewTx(api).
		Update(g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("folder", "archive")).
		Update(g.Update("alice", ddbguard.Key{PK: "doc-2"}).Set("folder", "archive")).
		Run(context.Background())

	var e *ddbguard.Error
	if errors.As(err, &e) {
		fmt.Println("item:", e.Index, "not owner:", errors.Is(err, ddbguard.ErrNotOwner), "item shown:", e.Item != nil)
	}
	fmt.Println("status:", ddbguard.HTTPStatus(err), "requests:", api.Requests())
	// Output:
	// item: 1 not owner: true item shown: false
	// status: 404 requests: 1
}

// An integration test gets a fresh table for its Schema on DynamoDB Local
// (make test starts one and sets DDBGUARD_DYNAMODB_ENDPOINT), and checks the
// stored item behind the guard's back with the raw client. Without the
// endpoint the test is skipped. This example is compiled, not run: it needs
// a *testing.T.
func ExampleLocalTable() {
	testRename := func(t *testing.T) {
		client, schema := ddbguardtest.LocalTable(t, ddbguard.Schema{PartitionKey: "id", Owner: "owner"})
		docs, err := ddbguard.New(client, schema)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := docs.Create("alice", map[string]any{"id": "doc-1", "title": "Plans"}).Run(ctx); err != nil {
			t.Fatal(err)
		}
		err = docs.Update("mallory", ddbguard.Key{PK: "doc-1"}).Set("title", "Mine").Run(ctx)
		if !errors.Is(err, ddbguard.ErrNotOwner) {
			t.Fatalf("mallory's update: %v, want ErrNotOwner", err)
		}
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(schema.Table),
			Key:       ddbguardtest.Item(map[string]any{"id": "doc-1"}),
		})
		if err != nil || out.Item["title"].(*types.AttributeValueMemberS).Value != "Plans" {
			t.Fatalf("stored item: %v, %v", out, err)
		}
	}
	_ = testRename
}
