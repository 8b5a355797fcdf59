package toctou

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// GuardedRename checks the owner inside the write.
func GuardedRename(ctx context.Context, c *dynamodb.Client, key map[string]types.AttributeValue, caller string) error {
	return ddbguard.Update(ctx, c, &dynamodb.UpdateItemInput{Key: key}, caller)
}
