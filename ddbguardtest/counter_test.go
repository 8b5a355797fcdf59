package ddbguardtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

func TestCounter_countsEachOperationAndForwards(t *testing.T) {
	m := &ddbguardtest.API{}
	m.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil)
	m.On("PutItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil))
	c := &ddbguardtest.Counter{API: m}
	g, err := ddbguard.New(c, ddbguard.Schema{Table: "docs", PartitionKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	assert.NoError(t, g.Update("alice", ddbguard.Key{PK: "d1"}).Set("title", "x").Run(ctx))
	assert.ErrorIs(t, g.Create("alice", map[string]any{"id": "d1"}).Run(ctx), ddbguard.ErrConflict)
	assert.ErrorIs(t, g.Delete("", ddbguard.Key{PK: "d1"}).Run(ctx), ddbguard.ErrUnauthenticated)

	assert.Equal(t, 2, c.Requests())
	assert.Equal(t, 1, c.RequestsOf("UpdateItem"))
	assert.Equal(t, 1, c.RequestsOf("PutItem"))
	assert.Equal(t, 0, c.RequestsOf("DeleteItem"))
	assert.Equal(t, 2, m.Requests(), "every counted request reaches the API")
	c.Reset()
	assert.Equal(t, 0, c.Requests())
}
