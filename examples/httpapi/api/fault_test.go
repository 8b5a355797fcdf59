package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// failingDB answers every request with the error fail returns.
type failingDB struct {
	fail func(ctx context.Context) error
}

func (d failingDB) GetItem(ctx context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, d.fail(ctx)
}

func (d failingDB) PutItem(ctx context.Context, _ *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, d.fail(ctx)
}

func (d failingDB) UpdateItem(ctx context.Context, _ *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, d.fail(ctx)
}

func (d failingDB) DeleteItem(ctx context.Context, _ *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, d.fail(ctx)
}

func (d failingDB) TransactWriteItems(ctx context.Context, _ *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, d.fail(ctx)
}

func (d failingDB) Query(ctx context.Context, _ *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return nil, d.fail(ctx)
}

func TestDynamoDBFailures_answer5xxProblemsWithoutInternals(t *testing.T) {
	tests := []struct {
		name   string
		fail   func(ctx context.Context) error
		status int
	}{
		{"throttled", func(context.Context) error {
			return &types.ProvisionedThroughputExceededException{Message: aws.String("secret table detail")}
		}, http.StatusServiceUnavailable},
		{"deadline", func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}, http.StatusGatewayTimeout},
		{"other", func(context.Context) error { return errors.New("secret table detail") }, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startServer(t, api.Config{DB: failingDB{fail: tt.fail}, Table: "items", Timeout: 50 * time.Millisecond})
			for _, rt := range routes {
				var body any
				if rt.body != "" {
					body = rt.body
				}
				r := f.call("alice", rt.method, rt.path, body)
				require.Equal(t, tt.status, r.status, "%s %s: %s", rt.method, rt.path, r.body)
				r.problem(t)
				assert.NotContains(t, string(r.body), "secret")
			}
		})
	}
}
