// Package ddbguard stands in for the library: it builds SDK inputs itself and
// attaches its guard by construction, so nothing here is reported.
package ddbguard

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Send sends an input the library built.
func Send(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, &dynamodb.PutItemInput{})
}

// Update changes an item only if caller owns it, in one conditional write.
func Update(ctx context.Context, c *dynamodb.Client, in *dynamodb.UpdateItemInput, caller string) error {
	in.ConditionExpression = &caller
	_, err := c.UpdateItem(ctx, in)
	return err
}
