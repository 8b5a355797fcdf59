// Package demo stands in for the library's examples, which are checked like
// user code.
package demo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Naive writes without a guard.
func Naive(ctx context.Context, c *dynamodb.Client) { // want Naive:"writes UpdateItem unconditioned at demo.go:13"
	c.UpdateItem(ctx, &dynamodb.UpdateItemInput{}) // want `UpdateItem without`
}
