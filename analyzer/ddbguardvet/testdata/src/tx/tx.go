// Package tx holds unguarded transaction items and batch writes.
package tx

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var key = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "doc#1"}}

func transferWithoutGuards(ctx context.Context, c *dynamodb.Client) error {
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{Key: key, UpdateExpression: aws.String("SET #o = :new")}}, // want `transaction Update without ConditionExpression.* ddbguard NewTx`
		{Put: &types.Put{Item: key}},      // want `transaction Put without ConditionExpression.* ddbguard NewTx`
		{Delete: &types.Delete{Key: key}}, // want `transaction Delete without ConditionExpression`
	}})
	return err
}

func itemsBuiltInHelper() []types.TransactWriteItem {
	del := &types.Delete{Key: key} // want `transaction Delete without`
	return []types.TransactWriteItem{{Delete: del}}
}

func oneOfTwoGuarded(ctx context.Context, c *dynamodb.Client) {
	guarded := &types.Update{Key: key, ConditionExpression: aws.String("#o = :caller")}
	c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: guarded},
		{Put: &types.Put{Item: key}}, // want `transaction Put without`
	}})
}

func batch(ctx context.Context, c *dynamodb.Client) {
	c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{ // want `BatchWriteItem can never carry a condition.*ddbguard NewTx`
		"docs": {{DeleteRequest: &types.DeleteRequest{Key: key}}},
	}})
}

func batchFromParameter(ctx context.Context, c *dynamodb.Client, in *dynamodb.BatchWriteItemInput) {
	c.BatchWriteItem(ctx, in) // want `BatchWriteItem can never carry a condition`
}
