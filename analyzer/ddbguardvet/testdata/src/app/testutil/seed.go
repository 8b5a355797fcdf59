// Package testutil seeds tables for tests, outside _test.go files.
package testutil

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Seed writes fixtures.
func Seed(ctx context.Context, db *dynamodb.Client, items []map[string]types.AttributeValue) error { // want Seed:"low: fixture in a test-helper package"
	for _, it := range items {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("docs"), Item: it}); err != nil { // want `^low severity \(fixture in a test-helper package\): PutItem without`
			return err
		}
	}
	return nil
}
