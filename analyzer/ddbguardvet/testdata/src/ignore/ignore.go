// Package ignore exercises the //ddbguard:ignore directive.
package ignore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var key = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "doc#1"}}

func sameLine(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, &dynamodb.PutItemInput{Item: key}) //ddbguard:ignore the migration job owns every item
}

func lineAbove(ctx context.Context, c *dynamodb.Client) {
	//ddbguard:ignore counters are not owned by anyone
	c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: key})
}

func withoutReason(ctx context.Context, c *dynamodb.Client) {
	// want +1 `//ddbguard:ignore needs a reason`
	//ddbguard:ignore
	c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key}) // want `DeleteItem without`
}

func onlyOneFinding(ctx context.Context, c *dynamodb.Client) {
	c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		//ddbguard:ignore the put creates a scratch item nobody owns yet
		{Put: &types.Put{Item: key}}, {Delete: &types.Delete{Key: key}}, // want `transaction Delete without`
	}})
}

func tooFarAway(ctx context.Context, c *dynamodb.Client) {
	//ddbguard:ignore two lines above covers nothing

	c.PutItem(ctx, &dynamodb.PutItemInput{Item: key}) // want `PutItem without`
}
