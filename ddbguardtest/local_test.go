package ddbguardtest_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// TestMain runs the package's tests; without DynamoDB it then says how many
// integration tests were skipped and the command that runs them.
func TestMain(m *testing.M) { os.Exit(ddbguardtest.Main(m)) }

func TestLocalTable_createsKeysAndOwnerIndex_andDeletesTheTableAfterTheTest(t *testing.T) {
	var name string
	var c *dynamodb.Client
	t.Run("inner", func(t *testing.T) {
		var s ddbguard.Schema
		c, s = ddbguardtest.LocalTable(t, ddbguard.Schema{
			PartitionKey: "id", SortKey: "n", KeyTypes: []types.ScalarAttributeType{"S", "N"},
			OwnerIndex: "by_owner", Tenant: "tenant",
		})
		name = s.Table
		if name == "" || s.PartitionKey != "id" || s.OwnerIndex != "by_owner" {
			t.Fatalf("schema = %+v", s)
		}
		out, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		defs := map[string]types.ScalarAttributeType{}
		for _, d := range out.Table.AttributeDefinitions {
			defs[*d.AttributeName] = d.AttributeType
		}
		if defs["id"] != "S" || defs["n"] != "N" || defs["owner"] != "S" || defs["tenant"] != "S" {
			t.Errorf("attribute definitions = %v", defs)
		}
		if len(out.Table.GlobalSecondaryIndexes) != 1 {
			t.Fatalf("indexes = %v", out.Table.GlobalSecondaryIndexes)
		}
		gsi := out.Table.GlobalSecondaryIndexes[0]
		if *gsi.IndexName != "by_owner" || *gsi.KeySchema[0].AttributeName != "owner" || *gsi.KeySchema[1].AttributeName != "tenant" ||
			gsi.Projection.ProjectionType != "ALL" {
			t.Errorf("index = %s %v %v", *gsi.IndexName, gsi.KeySchema, gsi.Projection.ProjectionType)
		}
	})
	if c == nil {
		return // skipped: no DynamoDB
	}
	_, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("table %s still exists after its test: %v", name, err)
	}
}
