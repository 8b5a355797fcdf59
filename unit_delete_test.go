package ddbguard_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

func TestDelete_conditionFailure_isClassifiedFromTheOldItemInOneRequest(t *testing.T) {
	plain := func(g *ddbguard.Guard, c string) *ddbguard.GuardedDelete { return g.Delete(c, uKey) }
	stale := func(g *ddbguard.Guard, c string) *ddbguard.GuardedDelete { return g.Delete(c, uKey).IfVersion(1) }
	archived := func(g *ddbguard.Guard, c string) *ddbguard.GuardedDelete {
		return g.Delete(c, uKey).If(expression.Name("status").Equal(expression.Value("archived")))
	}
	own := uStored(uCaller, nil)
	tests := []struct {
		name   string
		caller string
		mk     func(g *ddbguard.Guard, c string) *ddbguard.GuardedDelete
		stored map[string]types.AttributeValue
		want   error
		expose bool
	}{
		{"no item is not found", uCaller, plain, nil, ddbguard.ErrNotFound, false},
		{"another owner's item is not owner", uCaller, plain, uStored(uIntruder, nil), ddbguard.ErrNotOwner, false},
		{"owner changed before a stale delete is not owner", uCaller, stale, uStored(uIntruder, nil), ddbguard.ErrNotOwner, false},
		{"editor may not delete", uEditor, plain, uStored("bob", map[string]any{"editors": []string{uEditor}}), ddbguard.ErrNotOwner, false},
		{"own item at another version is conflict", uCaller, stale, own, ddbguard.ErrConflict, true},
		{"own item failing If is conflict", uCaller, archived, own, ddbguard.ErrConflict, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), ddbguardtest.ConditionFailed(tt.stored))
			err := tt.mk(g, tt.caller).Run(uCtx)

			uIsOnly(t, err, tt.want)
			e := uAsError(t, err)
			assert.Equal(t, "delete", e.Op)
			assert.Equal(t, uKey, e.Key)
			var ccf *types.ConditionalCheckFailedException
			require.ErrorAs(t, err, &ccf)
			if tt.expose {
				assert.Equal(t, tt.stored, e.Item)
			} else {
				assert.Nil(t, e.Item)
				assert.Nil(t, ccf.Item)
			}
			assert.Equal(t, 1, api.Requests())
			in := api.LastInput().(*dynamodb.DeleteItemInput)
			assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
		})
	}
}

func TestDelete_success_sendsOneRequest(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	require.NoError(t, g.Delete(uCaller, uKey).IfVersion(3).Run(uCtx))
	assert.Equal(t, 1, api.RequestsOf("DeleteItem"))
	assert.Equal(t, 1, api.Requests())
	in := api.LastInput().(*dynamodb.DeleteItemInput)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, types.ReturnValueNone, in.ReturnValues)
}

func TestDeleteValue_returnsTheItemAsItWas(t *testing.T) {
	g, api := uNewBare(t, uFullSchema())
	api.On("DeleteItem", mock.Anything, mock.Anything).
		Return(&dynamodb.DeleteItemOutput{Attributes: uStored(uCaller, nil)}, nil)

	var out struct {
		Owner   string `dynamodbav:"owner"`
		Title   string `dynamodbav:"title"`
		Version int    `dynamodbav:"version"`
	}
	require.NoError(t, g.Delete(uCaller, uKey).Value(uCtx, &out))
	assert.Equal(t, uCaller, out.Owner)
	assert.Equal(t, uSecret, out.Title)
	assert.Equal(t, 3, out.Version)
	in := api.LastInput().(*dynamodb.DeleteItemInput)
	assert.Equal(t, types.ReturnValueAllOld, in.ReturnValues)
	assert.Equal(t, 1, api.Requests())
}

func TestDelete_ifVersionWithoutSchemaVersion_isInvalidInputWithoutRequest(t *testing.T) {
	g, api := uNew(t, uPlainSchema(), nil)
	d := g.Delete(uCaller, ddbguard.Key{PK: "doc-1"}).IfVersion(1)
	uIsOnly(t, d.Run(uCtx), ddbguard.ErrInvalidInput)
	_, err := d.Input()
	uIsOnly(t, err, ddbguard.ErrInvalidInput)
	uIsOnly(t, ddbguard.NewTx(api).Delete(d).Run(uCtx), ddbguard.ErrInvalidInput)
	assert.Equal(t, 0, api.Requests())
}

func TestDeleteInput_ownerOnly_isExact(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	in, err := g.Delete(uCaller, uKey).Input()
	require.NoError(t, err)
	assert.Equal(t, "docs", *in.TableName)
	assert.Equal(t, ddbguardtest.Item(map[string]any{"pk": "doc-1", "sk": "rev-1"}), in.Key)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc", *in.ConditionExpression, "editors may not delete")
	assert.Equal(t, map[string]string{"#gk": "pk", "#go": "owner"}, in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{":gc": uCaller}), in.ExpressionAttributeValues)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, 0, api.Requests())
}

func TestDeleteInput_versionAndIf_areAndedWithTheGuard(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	in, err := g.Delete(uCaller, uKey).IfVersion(7).
		If(expression.Name("status").Equal(expression.Value("archived"))).
		If(expression.Name("owner").NotEqual(expression.Value(uCaller)).Or(expression.Name("pk").AttributeExists())).
		Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc AND #gv = :gv AND ((#0 = :0) AND ((#1 <> :1) OR (attribute_exists (#2))))",
		*in.ConditionExpression)
	assert.Equal(t, map[string]string{"#gk": "pk", "#go": "owner", "#gv": "version", "#0": "status", "#1": "owner", "#2": "pk"},
		in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{":gc": uCaller, ":gv": 7, ":0": "archived", ":1": uCaller}), in.ExpressionAttributeValues)
}
