package ddbguard_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// uDoc is an item as a service would create it; Owner is left empty for
// the guard to stamp.
type uDoc struct {
	PK        string   `dynamodbav:"pk"`
	SK        string   `dynamodbav:"sk"`
	Owner     string   `dynamodbav:"owner"`
	Title     string   `dynamodbav:"title"`
	CreatedAt string   `dynamodbav:"created_at"`
	Editors   []string `dynamodbav:"editors,stringset,omitempty"`
}

func uNewDoc() uDoc { return uDoc{PK: "doc-1", SK: "rev-1", Title: "Plans", CreatedAt: "2024-01-02"} }

func TestCreateInput_stampsOwnerAndVersionUnderAttributeNotExists(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	in, err := g.Create(uCaller, uNewDoc()).Input()
	require.NoError(t, err)
	assert.Equal(t, "docs", *in.TableName)
	assert.Equal(t, "attribute_not_exists(#gk)", *in.ConditionExpression)
	assert.Equal(t, map[string]string{"#gk": "pk"}, in.ExpressionAttributeNames)
	assert.Nil(t, in.ExpressionAttributeValues, "DynamoDB refuses an empty values map")
	assert.Equal(t, ddbguardtest.Item(map[string]any{
		"pk": "doc-1", "sk": "rev-1", "owner": uCaller, "title": "Plans", "created_at": "2024-01-02", "version": 1,
	}), in.Item)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, 0, api.Requests())
}

func TestCreateInput_ifIsAndedWithTheGuard(t *testing.T) {
	g, _ := uNew(t, uPlainSchema(), nil)
	in, err := g.Create(uCaller, map[string]any{"pk": "doc-1", "owner": uCaller}).
		If(expression.Name("tombstone").NotEqual(expression.Value(true))).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_not_exists(#gk) AND (#0 <> :0)", *in.ConditionExpression)
	assert.Equal(t, map[string]string{"#gk": "pk", "#0": "tombstone"}, in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{":0": true}), in.ExpressionAttributeValues)
	assert.Equal(t, ddbguardtest.Item(map[string]any{"pk": "doc-1", "owner": uCaller}), in.Item)
}

func TestCreate_editorsThatAreNotAStringSet_isInvalidInput(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	err := g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1", "editors": uEditor}).Run(uCtx)
	uIsOnly(t, err, ddbguard.ErrInvalidInput)
	assert.Equal(t, 0, api.Requests())
}

func TestCreate_outcomes_areClassifiedInOneRequest(t *testing.T) {
	doc := uNewDoc()
	landed := ddbguardtest.Item(map[string]any{
		"pk": "doc-1", "sk": "rev-1", "owner": uCaller, "title": "Plans", "created_at": "2024-01-02", "version": 1,
	})
	ownOther := uStored(uCaller, nil)
	tests := []struct {
		name   string
		answer error
		want   error // nil: success
		expose map[string]types.AttributeValue
	}{
		{"new item succeeds", nil, nil, nil},
		{"another owner's item already exists", ddbguardtest.ConditionFailed(uStored(uIntruder, nil)), ddbguard.ErrAlreadyExists, nil},
		{"own different item already exists", ddbguardtest.ConditionFailed(ownOther), ddbguard.ErrAlreadyExists, ownOther},
		{"own identical item on a first attempt already exists", ddbguardtest.ConditionFailed(landed), ddbguard.ErrAlreadyExists, landed},
		{"failed If without an item is conflict", ddbguardtest.ConditionFailed(nil), ddbguard.ErrConflict, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), tt.answer)
			c := g.Create(uCaller, doc)
			if tt.want == ddbguard.ErrConflict {
				c.If(expression.Name("quota").GreaterThan(expression.Value(0)))
			}
			err := c.Run(uCtx)
			assert.Equal(t, 1, api.RequestsOf("PutItem"))
			assert.Equal(t, 1, api.Requests())
			in := api.LastInput().(*dynamodb.PutItemInput)
			assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			uIsOnly(t, err, tt.want)
			assert.ErrorIs(t, err, ddbguard.ErrConflict)
			e := uAsError(t, err)
			assert.Equal(t, "create", e.Op)
			assert.Equal(t, uKey, e.Key)
			assert.Equal(t, tt.expose, e.Item)
			var ccf *types.ConditionalCheckFailedException
			require.ErrorAs(t, err, &ccf)
			if tt.expose == nil {
				assert.Nil(t, ccf.Item)
			}
		})
	}
}

func TestCreate_ownerAlreadyTheCallerOrEmpty_isStamped(t *testing.T) {
	g, _ := uNew(t, uPlainSchema(), nil)
	for _, owner := range []string{"", uCaller} {
		in, err := g.Create(uCaller, map[string]any{"pk": "doc-1", "owner": owner}).Input()
		require.NoError(t, err)
		assert.Equal(t, &types.AttributeValueMemberS{Value: uCaller}, in.Item["owner"])
	}
}

func TestReplace_versionedTableWithoutIfVersion_isInvalidInputWithoutRequest(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	r := g.Replace(uCaller, uNewDoc())
	uIsOnly(t, r.Run(uCtx), ddbguard.ErrInvalidInput)
	_, err := r.Input()
	uIsOnly(t, err, ddbguard.ErrInvalidInput)
	uIsOnly(t, ddbguard.NewTx(api).Replace(r).Run(uCtx), ddbguard.ErrInvalidInput)
	assert.Equal(t, 0, api.Requests())
}

func TestReplace_ifVersionWithoutSchemaVersion_isInvalidInputWithoutRequest(t *testing.T) {
	g, api := uNew(t, uPlainSchema(), nil)
	uIsOnly(t, g.Replace(uCaller, map[string]any{"pk": "doc-1"}).IfVersion(2).Run(uCtx), ddbguard.ErrInvalidInput)
	assert.Equal(t, 0, api.Requests())
}

func TestReplaceInput_protectedAttributesAndEditorsMustBeUnchanged(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	in, err := g.Replace(uCaller, uNewDoc()).IfVersion(3).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc AND #gv = :gv AND #gp0 = :gp0 AND attribute_not_exists(#gp1)",
		*in.ConditionExpression)
	assert.Equal(t, map[string]string{"#gk": "pk", "#go": "owner", "#gv": "version", "#gp0": "created_at", "#gp1": "editors"},
		in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{":gc": uCaller, ":gv": 3, ":gp0": "2024-01-02"}), in.ExpressionAttributeValues)
	assert.Equal(t, ddbguardtest.Item(map[string]any{
		"pk": "doc-1", "sk": "rev-1", "owner": uCaller, "title": "Plans", "created_at": "2024-01-02", "version": 4,
	}), in.Item, "the version written is IfVersion's plus one")
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
}

func TestReplaceInput_withEditorsAndIf_isExact(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	doc := uNewDoc()
	doc.Editors = []string{uEditor}
	in, err := g.Replace(uCaller, doc).IfVersion(3).If(expression.Name("status").Equal(expression.Value("draft"))).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc AND #gv = :gv AND #gp0 = :gp0 AND #gp1 = :gp1 AND (#0 = :0)",
		*in.ConditionExpression)
	assert.Equal(t, &types.AttributeValueMemberSS{Value: []string{uEditor}}, in.ExpressionAttributeValues[":gp1"])
	uPlaceholdersMatch(t, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression)
}

func TestReplace_conditionFailure_isClassifiedFromTheOldItemInOneRequest(t *testing.T) {
	own := uStored(uCaller, nil)
	tests := []struct {
		name   string
		caller string
		doc    func() uDoc
		stored map[string]types.AttributeValue
		want   error
		expose bool
	}{
		{"no item is not found", uCaller, uNewDoc, nil, ddbguard.ErrNotFound, false},
		{"another owner's item is not owner", uCaller, uNewDoc, uStored(uIntruder, nil), ddbguard.ErrNotOwner, false},
		{"editor may not replace", uEditor, uNewDoc, uStored("bob", map[string]any{"editors": []string{uEditor}}), ddbguard.ErrNotOwner, false},
		{"own item at another version is conflict", uCaller, uNewDoc,
			uStored(uCaller, map[string]any{"version": 9}), ddbguard.ErrConflict, true},
		{"changed protected attribute is protected", uCaller, func() uDoc { d := uNewDoc(); d.CreatedAt = "2030-01-01"; return d },
			own, ddbguard.ErrProtectedAttribute, true},
		{"changed editors are protected", uCaller, func() uDoc { d := uNewDoc(); d.Editors = []string{"erin"}; return d },
			own, ddbguard.ErrProtectedAttribute, true},
		{"dropped editors are protected", uCaller, uNewDoc,
			uStored(uCaller, map[string]any{"editors": []string{uEditor}}), ddbguard.ErrProtectedAttribute, true},
		{"unchanged protected attributes and failing If is conflict", uCaller, uNewDoc, own, ddbguard.ErrConflict, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), ddbguardtest.ConditionFailed(tt.stored))
			err := g.Replace(tt.caller, tt.doc()).IfVersion(3).
				If(expression.Name("status").Equal(expression.Value("draft"))).Run(uCtx)

			uIsOnly(t, err, tt.want)
			e := uAsError(t, err)
			assert.Equal(t, "replace", e.Op)
			var ccf *types.ConditionalCheckFailedException
			require.ErrorAs(t, err, &ccf)
			if tt.expose {
				assert.Equal(t, tt.stored, e.Item)
			} else {
				assert.Nil(t, e.Item)
				assert.Nil(t, ccf.Item)
			}
			assert.Equal(t, 1, api.RequestsOf("PutItem"))
			assert.Equal(t, 1, api.Requests())
			in := api.LastInput().(*dynamodb.PutItemInput)
			assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
		})
	}
}

func TestReplace_success_sendsOneRequest(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	require.NoError(t, g.Replace(uCaller, uNewDoc()).IfVersion(3).Run(uCtx))
	assert.Equal(t, 1, api.Requests())
	in := api.LastInput().(*dynamodb.PutItemInput)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
}
