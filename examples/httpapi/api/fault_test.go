package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// failingDB is the test kit's mock of DynamoDB answering every request
// with the error fail returns, after waiting for run if it is set.
func failingDB(fail error, run func(mock.Arguments)) *ddbguardtest.API {
	db := new(ddbguardtest.API)
	for _, op := range []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "Query"} {
		call := db.On(op, mock.Anything, mock.Anything).Return(nil, fail)
		if run != nil {
			call.Run(run)
		}
	}
	return db
}

func TestDynamoDBFailures_answer5xxProblemsWithoutInternals(t *testing.T) {
	waitForDeadline := func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }
	tests := []struct {
		name   string
		db     *ddbguardtest.API
		status int
	}{
		{"throttled", failingDB(&types.ProvisionedThroughputExceededException{Message: aws.String("secret table detail")}, nil),
			http.StatusServiceUnavailable},
		{"deadline", failingDB(context.DeadlineExceeded, waitForDeadline), http.StatusGatewayTimeout},
		{"other", failingDB(errors.New("secret table detail"), nil), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startServer(t, api.Config{DB: tt.db, Table: "items", Timeout: 50 * time.Millisecond})
			for _, rt := range routes {
				var body any
				if rt.body != "" {
					body = rt.body
				}
				// An admin token reaches every route, the admin one too.
				r := f.callAs(api.Claims{User: "alice", Tenant: tenant, Admin: true}, rt.method, rt.path, body)
				require.Equal(t, tt.status, r.status, "%s %s: %s", rt.method, rt.path, r.body)
				r.problem(t)
				assert.NotContains(t, string(r.body), "secret")
			}
		})
	}
}

// A handler's not-owner path, unit-tested on the mock: DynamoDB refuses the
// write and returns bob's item (ALL_OLD); alice gets the same 404 as for a
// missing item, with none of bob's data, after exactly one request.
func TestPatch_someoneElsesItem_onTheMock_answers404InOneRequest(t *testing.T) {
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(
		ddbguardtest.Item(map[string]any{"tenant": "acme", "id": "bobs-item", "owner": "bob", "version": 3, "name": "bob's secret"})))
	f := startServer(t, api.Config{DB: db, Table: "items"})

	r := f.call("alice", http.MethodPatch, "/items/bobs-item", `{"name":"mine"}`)
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "no item with this id", r.problem(t).Detail)
	assert.NotContains(t, string(r.body), "secret")
	assert.Empty(t, r.header.Get("ETag"), "no version of someone else's item")
	assert.Equal(t, 1, db.Requests())
}
