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
