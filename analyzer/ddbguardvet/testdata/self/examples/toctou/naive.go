// Package toctou stands in for the repository's attack demo: naive.go and
// guarded.go side by side.
package toctou

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// NaiveRename checks the owner, then writes: the owner can change in between.
func NaiveRename(ctx context.Context, c *dynamodb.Client, key map[string]types.AttributeValue, caller string) error { // want NaiveRename:"writes UpdateItem unconditioned at naive.go:22 keyed by parameter \\[2\\]"
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key})
	if err != nil {
		return err
	}
	if o, _ := out.Item["owner"].(*types.AttributeValueMemberS); o == nil || o.Value != caller {
		return errors.New("forbidden")
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: key}) // want `read-then-write race`
	return err
}
