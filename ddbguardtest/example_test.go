package ddbguardtest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
