package ddbguard_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
)

// uGetWith runs a Get by caller against a mock that holds stored (nil: no
// item) and returns what reached out, the request, the number of requests
// and the error.
func uGetWith(t *testing.T, caller string, stored map[string]types.AttributeValue) (map[string]any, *dynamodb.GetItemInput, int, error) {
	t.Helper()
	g, api := uNewBare(t, uFullSchema())
	api.On("GetItem", mock.Anything, mock.Anything).Return(&dynamodb.GetItemOutput{Item: stored}, nil)
	out := map[string]any{}
	err := g.Get(uCtx, caller, uKey, &out)
	in, _ := api.LastInput().(*dynamodb.GetItemInput)
	return out, in, api.Requests(), err
}

func TestGet_ownerReadsTheItemWithOneConsistentRead(t *testing.T) {
	out, in, n, err := uGetWith(t, uCaller, uStored(uCaller, nil))
	require.NoError(t, err)
	assert.Equal(t, uSecret, out["title"])
	assert.Equal(t, 1, n)
	require.NotNil(t, in)
	assert.True(t, *in.ConsistentRead)
	assert.Equal(t, "docs", *in.TableName)
	assert.Equal(t, map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "doc-1"},
		"sk": &types.AttributeValueMemberS{Value: "rev-1"},
	}, in.Key)
}

func TestGet_editorReadsTheItem(t *testing.T) {
	out, _, n, err := uGetWith(t, uEditor, uStored("bob", map[string]any{"editors": []string{"dave", uEditor}}))
	require.NoError(t, err)
	assert.Equal(t, uSecret, out["title"])
	assert.Equal(t, 1, n)
}

func TestGet_refusals_revealNothingInOneRequest(t *testing.T) {
	tests := []struct {
		name   string
		caller string
		stored map[string]types.AttributeValue
		want   error
	}{
		{"no item is not found", uCaller, nil, ddbguard.ErrNotFound},
		{"another owner's item is not owner", uCaller, uStored(uIntruder, nil), ddbguard.ErrNotOwner},
		{"substring of a plain-string editors is not owner", uEditor,
			uStored("bob", map[string]any{"editors": "carolyn"}), ddbguard.ErrNotOwner},
		{"longer set member is not owner", uEditor,
			uStored("bob", map[string]any{"editors": []string{"carolyn"}}), ddbguard.ErrNotOwner},
		{"owner attribute of another type is not owner", uCaller,
			uStored(uCaller, map[string]any{"owner": []string{uCaller}}), ddbguard.ErrNotOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, n, err := uGetWith(t, tt.caller, tt.stored)
			uIsOnly(t, err, tt.want)
			e := uAsError(t, err)
			assert.Equal(t, "get", e.Op)
			assert.Nil(t, e.Item)
			assert.Nil(t, e.Cause)
			assert.Empty(t, out, "nothing of the item reaches out")
			assert.Equal(t, 404, ddbguard.HTTPStatus(err))
			assert.NotContains(t, err.Error(), uIntruder)
			assert.Equal(t, 1, n)
		})
	}
}

func TestGet_outNotANonNilPointer_isInvalidInputWithoutRequest(t *testing.T) {
	var m map[string]any
	for name, out := range map[string]any{"nil": nil, "map value": m, "nil pointer": (*map[string]any)(nil)} {
		t.Run(name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), nil)
			uIsOnly(t, g.Get(uCtx, uCaller, uKey, out), ddbguard.ErrInvalidInput)
			assert.Equal(t, 0, api.Requests())
		})
	}
}

func TestGet_sdkError_isWrappedWithoutSentinel(t *testing.T) {
	cause := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	g, api := uNew(t, uFullSchema(), cause)
	out := map[string]any{}
	err := g.Get(uCtx, uCaller, uKey, &out)
	e := uAsError(t, err)
	assert.Nil(t, e.Err)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, 503, ddbguard.HTTPStatus(err))
	assert.Equal(t, 1, api.Requests())
}
