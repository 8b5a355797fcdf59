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

// uExprs is what a builder's Input puts in front of DynamoDB.
type uExprs struct {
	cond, update *string
	names        map[string]string
	values       map[string]types.AttributeValue
}

// uInputs builds every kind of request for g, with and without an If.
func uInputs(g *ddbguard.Guard) map[string]func() (uExprs, error) {
	k := ddbguard.Key{PK: "a"}
	cond := expression.Name("x").Equal(expression.Value(1))
	versioned := g.Schema().Version != ""
	upd := func(u *ddbguard.GuardedUpdate) func() (uExprs, error) {
		return func() (uExprs, error) {
			in, err := u.Input()
			if err != nil {
				return uExprs{}, err
			}
			return uExprs{in.ConditionExpression, in.UpdateExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues}, nil
		}
	}
	put := func(in *dynamodb.PutItemInput, err error) (uExprs, error) {
		if err != nil {
			return uExprs{}, err
		}
		return uExprs{in.ConditionExpression, nil, in.ExpressionAttributeNames, in.ExpressionAttributeValues}, nil
	}
	replace := func() *ddbguard.GuardedReplace {
		r := g.Replace(uCaller, map[string]any{"pk": "a", "p1": "x"})
		if versioned {
			r.IfVersion(1)
		}
		return r
	}
	m := map[string]func() (uExprs, error){
		"update": upd(g.Update(uCaller, k).Set("a", 1)),
		"update with everything": upd(g.Update(uCaller, k).Set("a", 1).Remove("b").Add("n", 2).
			With(expression.Set(expression.Name("m.x"), expression.Value(1))).If(cond)),
		"transfer":    upd(g.Transfer(uCaller, k, "bob").If(cond)),
		"create":      func() (uExprs, error) { return put(g.Create(uCaller, map[string]any{"pk": "a"}).Input()) },
		"create if":   func() (uExprs, error) { return put(g.Create(uCaller, map[string]any{"pk": "a"}).If(cond).Input()) },
		"replace":     func() (uExprs, error) { return put(replace().Input()) },
		"replace if":  func() (uExprs, error) { return put(replace().If(cond).Input()) },
		"delete":      func() (uExprs, error) { return put(uDeleteAsPut(g.Delete(uCaller, k).Input())) },
		"delete if":   func() (uExprs, error) { return put(uDeleteAsPut(g.Delete(uCaller, k).If(cond).Input())) },
		"check":       func() (uExprs, error) { return uCheckExprs(g.Check(k, expression.Name("x").AttributeExists()).Input()) },
		"check value": func() (uExprs, error) { return uCheckExprs(g.Check(k, cond).Input()) },
	}
	if g.Schema().Editors != "" {
		m["add editors"] = upd(g.AddEditors(uCaller, k, uEditor))
		m["remove editors"] = upd(g.RemoveEditors(uCaller, k, uEditor).If(cond))
	}
	if versioned {
		m["update version"] = upd(g.Update(uCaller, k).Set("a", 1).IfVersion(2))
		m["transfer version"] = upd(g.Transfer(uCaller, k, "bob").IfVersion(2))
		m["delete version"] = func() (uExprs, error) { return put(uDeleteAsPut(g.Delete(uCaller, k).IfVersion(1).Input())) }
	}
	return m
}

func uDeleteAsPut(in *dynamodb.DeleteItemInput, err error) (*dynamodb.PutItemInput, error) {
	if err != nil {
		return nil, err
	}
	return &dynamodb.PutItemInput{ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues}, nil
}

func uCheckExprs(cc *types.ConditionCheck, err error) (uExprs, error) {
	if err != nil {
		return uExprs{}, err
	}
	return uExprs{cc.ConditionExpression, nil, cc.ExpressionAttributeNames, cc.ExpressionAttributeValues}, nil
}

// DynamoDB refuses a request that defines a placeholder it does not use,
// or an empty ExpressionAttributeValues map.
func TestInput_everyBuilderDefinesExactlyThePlaceholdersItUses(t *testing.T) {
	schemas := map[string]ddbguard.Schema{
		"plain":    {Table: uTable, PartitionKey: "pk"},
		"editors":  {Table: uTable, PartitionKey: "pk", Editors: "editors"},
		"version":  {Table: uTable, PartitionKey: "pk", Version: "version"},
		"full":     {Table: uTable, PartitionKey: "pk", Version: "version", Editors: "editors", Protected: []string{"p1", "p2"}},
		"write id": {Table: uTable, PartitionKey: "pk", WriteID: "wid"},
		"full with write id": {Table: uTable, PartitionKey: "pk", Version: "version", Editors: "editors",
			Protected: []string{"p1", "p2"}, WriteID: "wid"},
	}
	for sn, s := range schemas {
		g, _ := uNew(t, s, nil)
		for name, build := range uInputs(g) {
			t.Run(sn+"/"+name, func(t *testing.T) {
				x, err := build()
				require.NoError(t, err)
				uPlaceholdersMatch(t, x.names, x.values, x.cond, x.update)
				if x.values != nil {
					assert.NotEmpty(t, x.values)
				}
			})
		}
	}
}
