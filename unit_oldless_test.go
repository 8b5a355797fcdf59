package ddbguard_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// uOldless returns a Guard under WithoutOldItem whose writes fail their
// condition and whose classification Query answers with out (or err).
func uOldless(t *testing.T, s ddbguard.Schema, out *dynamodb.QueryOutput, err error) (*ddbguard.Guard, *ddbguardtest.API) {
	t.Helper()
	g, api := uNewBare(t, s, ddbguard.WithoutOldItem())
	none := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	for _, m := range []string{"PutItem", "UpdateItem", "DeleteItem"} {
		api.On(m, mock.Anything, mock.Anything).Return(nil, none).Maybe()
	}
	if err != nil {
		out = nil
	}
	api.On("Query", mock.Anything, mock.Anything).Return(out, err).Maybe()
	return g, api
}

// uQueryOf returns the classification Query api received.
func uQueryOf(t *testing.T, api *ddbguardtest.API) *dynamodb.QueryInput {
	t.Helper()
	for _, c := range api.Calls {
		if c.Method == "Query" {
			return c.Arguments.Get(1).(*dynamodb.QueryInput)
		}
	}
	t.Fatal("no Query sent")
	return nil
}

func TestWithoutOldItem_everyWriteAndTxItemAsksForNothing(t *testing.T) {
	g, api := uNew(t, uWIDSchema(), nil, ddbguard.WithoutOldItem())
	none := types.ReturnValuesOnConditionCheckFailureNone
	u, _ := g.Update(uCaller, uKey).Set("a", 1).Input()
	d, _ := g.Delete(uCaller, uKey).Input()
	c, _ := g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Input()
	r, _ := g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).IfVersion(1).Input()
	assert.Equal(t, none, u.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, d.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, c.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, r.ReturnValuesOnConditionCheckFailure)
	k := func(pk string) ddbguard.Key { return ddbguard.Key{PK: pk, SK: "r"} }
	tx, err := ddbguard.NewTx(api).Update(g.Transfer(uCaller, k("a"), "bob")).Delete(g.Delete(uCaller, k("b"))).
		Create(g.Create(uCaller, map[string]any{"pk": "c", "sk": "r"})).
		Replace(g.Replace(uCaller, map[string]any{"pk": "d", "sk": "r"}).IfVersion(1)).
		Check(g.Check(k("e"), expression.Name("x").AttributeExists())).Input()
	require.NoError(t, err)
	assert.Equal(t, none, tx.TransactItems[0].Update.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, tx.TransactItems[1].Delete.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, tx.TransactItems[2].Put.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, tx.TransactItems[3].Put.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, none, tx.TransactItems[4].ConditionCheck.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, 0, api.Requests())
}

func TestWithoutOldItem_classificationQuery_isExact(t *testing.T) {
	const editorTerms = "#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc))"
	keyNames := map[string]string{"#gk": "pk", "#gs": "sk", "#go": "owner", "#gv": "version", "#gw": "wid"}
	cases := []struct {
		name       string
		run        func(g *ddbguard.Guard) error
		filter     string
		projection string
		extraNames map[string]string
		editors    bool
	}{
		{"update", func(g *ddbguard.Guard) error { return g.Update(uCaller, uKey).Set("a", 1).Run(uCtx) },
			"(" + editorTerms + ") OR #gw = :gw", "#gk, #gs, #gv, #gw", map[string]string{"#ge": "editors"}, true},
		{"transfer", func(g *ddbguard.Guard) error { return g.Transfer(uCaller, uKey, "bob").Run(uCtx) },
			"(#go = :gc) OR #gw = :gw", "#gk, #gs, #gv, #gw", nil, false},
		{"delete", func(g *ddbguard.Guard) error { return g.Delete(uCaller, uKey).Run(uCtx) },
			"(#go = :gc) OR #gw = :gw", "#gk, #gs, #gv, #gw", nil, false},
		{"create", func(g *ddbguard.Guard) error {
			return g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Run(uCtx)
		}, "(#go = :gc) OR #gw = :gw", "#gk, #gs, #gv, #gw", nil, false},
		{"replace", func(g *ddbguard.Guard) error {
			return g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).IfVersion(3).Run(uCtx)
		}, "(#go = :gc) OR #gw = :gw", "#gk, #gs, #gv, #gw, #gq0, #gq1", map[string]string{"#gq0": "created_at", "#gq1": "editors"}, false},
	}
	for _, c := range cases {
		g, api := uOldless(t, uWIDSchema(), &dynamodb.QueryOutput{}, nil)
		want := ddbguard.ErrNotFound
		if c.name == "create" {
			want = ddbguard.ErrConflict // no item: its If failed
		}
		uIsOnly(t, c.run(g), want)
		require.Equal(t, 2, api.Requests(), c.name)
		write := api.Calls[0].Arguments.Get(1)
		q := uQueryOf(t, api)
		assert.Equal(t, "docs", aws.ToString(q.TableName), c.name)
		assert.Nil(t, q.IndexName, "%s: never an index", c.name)
		assert.Equal(t, aws.Bool(true), q.ConsistentRead, c.name)
		assert.Equal(t, "#gk = :gkp AND #gs = :gks", aws.ToString(q.KeyConditionExpression), c.name)
		assert.Equal(t, c.filter, aws.ToString(q.FilterExpression), c.name)
		assert.Equal(t, c.projection, aws.ToString(q.ProjectionExpression), c.name)
		names := map[string]string{}
		for k, v := range keyNames {
			names[k] = v
		}
		for k, v := range c.extraNames {
			names[k] = v
		}
		assert.Equal(t, names, q.ExpressionAttributeNames, c.name)
		values := uValues(map[string]any{":gkp": "doc-1", ":gks": "rev-1", ":gc": uCaller, ":gw": uWID(t, uAsUpdateOrPut(write))})
		if c.editors {
			values[":gt"] = &types.AttributeValueMemberS{Value: "SS"}
		}
		assert.Equal(t, values, q.ExpressionAttributeValues, c.name)
		uPlaceholdersMatch(t, q.ExpressionAttributeNames, q.ExpressionAttributeValues,
			q.KeyConditionExpression, q.FilterExpression, q.ProjectionExpression)
	}

	// Without WriteID and Version: no id in the filter, no such names.
	g, api := uOldless(t, uPlainSchema(), &dynamodb.QueryOutput{}, nil)
	uIsOnly(t, g.Update(uCaller, ddbguard.Key{PK: "doc-1"}).Set("a", 1).Run(uCtx), ddbguard.ErrNotFound)
	q := uQueryOf(t, api)
	assert.Equal(t, "#gk = :gkp", aws.ToString(q.KeyConditionExpression))
	assert.Equal(t, "#go = :gc", aws.ToString(q.FilterExpression))
	assert.Equal(t, "#gk", aws.ToString(q.ProjectionExpression))
	assert.Equal(t, map[string]string{"#gk": "pk", "#go": "owner"}, q.ExpressionAttributeNames)
}

// uAsUpdateOrPut turns a delete's input into something uWID reads.
func uAsUpdateOrPut(in any) any {
	if d, ok := in.(*dynamodb.DeleteItemInput); ok {
		return &dynamodb.UpdateItemInput{ExpressionAttributeValues: d.ExpressionAttributeValues}
	}
	return in
}

func TestWithoutOldItem_verdicts_areClassifiedFromTheQuery(t *testing.T) {
	gone := &dynamodb.QueryOutput{ScannedCount: 0, Count: 0}
	foreign := &dynamodb.QueryOutput{ScannedCount: 1, Count: 0}
	held := func(version int) *dynamodb.QueryOutput {
		item := ddbguardtest.Item(map[string]any{"pk": "doc-1", "sk": "rev-1", "version": version, "wid": "another"})
		return &dynamodb.QueryOutput{ScannedCount: 1, Count: 1, Items: []map[string]types.AttributeValue{item}}
	}
	update := func(g *ddbguard.Guard) error { return g.Update(uCaller, uKey).Set("a", 1).IfVersion(3).Run(uCtx) }
	create := func(g *ddbguard.Guard) error {
		return g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Run(uCtx)
	}
	replace := func(g *ddbguard.Guard) error {
		return g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1", "created_at": "new"}).IfVersion(3).Run(uCtx)
	}
	cases := []struct {
		name string
		out  *dynamodb.QueryOutput
		run  func(g *ddbguard.Guard) error
		want error
	}{
		{"update, absent", gone, update, ddbguard.ErrNotFound},
		{"update, another owner's", foreign, update, ddbguard.ErrNotOwner},
		{"update, version moved", held(4), update, ddbguard.ErrConflict},
		{"update, precondition", held(3), update, ddbguard.ErrConflict},
		{"create, If failed", gone, create, ddbguard.ErrConflict},
		{"create, another owner's", foreign, create, ddbguard.ErrAlreadyExists},
		{"create, own item", held(1), create, ddbguard.ErrAlreadyExists},
		{"replace, protected differs", held(3), replace, ddbguard.ErrProtectedAttribute},
		{"delete, absent", gone, func(g *ddbguard.Guard) error { return g.Delete(uCaller, uKey).Run(uCtx) }, ddbguard.ErrNotFound},
	}
	for _, c := range cases {
		g, api := uOldless(t, uWIDSchema(), c.out, nil)
		err := c.run(g)
		uIsOnly(t, err, c.want)
		e := uAsError(t, err)
		assert.Nil(t, e.Item, "%s: Item is always nil under WithoutOldItem", c.name)
		assert.Equal(t, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, e.Cause, c.name)
		assert.Equal(t, 2, api.Requests(), c.name)
	}
	if t.Failed() {
		return
	}
	// A create that failed its If only (ErrConflict) is not ErrAlreadyExists.
	g, _ := uOldless(t, uWIDSchema(), gone, nil)
	assert.NotErrorIs(t, create(g), ddbguard.ErrAlreadyExists)
}

func TestWithoutOldItem_itemHoldingTheWritesID_isSuccess(t *testing.T) {
	g, api := uNewBare(t, uWIDSchema(), ddbguard.WithoutOldItem())
	u := g.Update(uCaller, uKey).Add("n", 1)
	in, err := u.Input()
	require.NoError(t, err)
	mine := ddbguardtest.Item(map[string]any{"pk": "doc-1", "sk": "rev-1", "version": 9, "wid": uWID(t, in)})
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil))
	api.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{ScannedCount: 1, Count: 1,
		Items: []map[string]types.AttributeValue{mine}}, nil)
	assert.NoError(t, u.Run(uCtx))
	assert.Equal(t, 2, api.Requests())
}

func TestWithoutOldItem_readFails_isSDKErrorWithoutSentinel(t *testing.T) {
	readErr := errors.New("read failed")
	g, api := uOldless(t, uWIDSchema(), nil, readErr)
	err := g.Update(uCaller, uKey).Set("a", 1).Run(uCtx)
	e := uAsError(t, err)
	assert.Nil(t, e.Err)
	assert.Same(t, readErr, e.Cause)
	for _, s := range uSentinels {
		assert.NotErrorIs(t, err, s)
	}
	assert.Equal(t, 2, api.Requests())
}

func TestWithoutOldItem_success_isOneRequest(t *testing.T) {
	g, api := uNew(t, uWIDSchema(), nil, ddbguard.WithoutOldItem())
	api.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{}, nil).Maybe()
	for name, err := range uRunAll(g) {
		if name != "get" {
			assert.NoError(t, err, name)
		}
	}
	assert.Equal(t, 5, api.Requests(), "one request each")
	assert.Equal(t, 1, api.RequestsOf("Query"), "only Get queries")
	assert.Equal(t, 0, api.RequestsOf("GetItem"))
}

func TestWithoutOldItem_get_isOneFilteredQuery(t *testing.T) {
	item := ddbguardtest.Item(map[string]any{"pk": "doc-1", "sk": "rev-1", "owner": uCaller, "title": "t"})
	for _, c := range []struct {
		out  *dynamodb.QueryOutput
		want error
	}{
		{&dynamodb.QueryOutput{}, ddbguard.ErrNotFound},
		{&dynamodb.QueryOutput{ScannedCount: 1}, ddbguard.ErrNotOwner},
		{&dynamodb.QueryOutput{ScannedCount: 1, Count: 1, Items: []map[string]types.AttributeValue{item}}, nil},
	} {
		g, api := uOldless(t, uWIDSchema(), c.out, nil)
		var out map[string]any
		err := g.Get(uCtx, uCaller, uKey, &out)
		if c.want == nil {
			require.NoError(t, err)
			assert.Equal(t, "t", out["title"])
		} else {
			uIsOnly(t, err, c.want)
			assert.Nil(t, out)
		}
		require.Equal(t, 1, api.Requests())
		q := uQueryOf(t, api)
		assert.Nil(t, q.IndexName)
		assert.Equal(t, aws.Bool(true), q.ConsistentRead)
		assert.Equal(t, "#gk = :gkp AND #gs = :gks", aws.ToString(q.KeyConditionExpression))
		assert.Equal(t, "#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc))", aws.ToString(q.FilterExpression))
		assert.Nil(t, q.ProjectionExpression)
		uPlaceholdersMatch(t, q.ExpressionAttributeNames, q.ExpressionAttributeValues, q.KeyConditionExpression, q.FilterExpression)
	}
}

func TestWithoutOldItem_tx_readsOnlyTheFirstFailingWrite(t *testing.T) {
	g, api := uNewBare(t, uWIDSchema(), ddbguard.WithoutOldItem())
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonNone(), ddbguardtest.ReasonConditionFailed(nil), ddbguardtest.ReasonConditionFailed(nil))).Once()
	api.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{ScannedCount: 1}, nil).Once()
	k := func(pk string) ddbguard.Key { return ddbguard.Key{PK: pk, SK: "r"} }
	err := ddbguard.NewTx(api).Update(g.Update(uCaller, k("a")).Set("x", 1)).
		Delete(g.Delete(uCaller, k("b"))).Update(g.Update(uCaller, k("c")).Set("x", 1)).Run(uCtx)
	uIsOnly(t, err, ddbguard.ErrNotOwner)
	e := uAsError(t, err)
	assert.Equal(t, 1, e.Index)
	assert.Nil(t, e.Item)
	assert.Equal(t, 2, api.Requests())
	assert.Equal(t, "b", uQueryOf(t, api).ExpressionAttributeValues[":gkp"].(*types.AttributeValueMemberS).Value)

	// A failing Check reads nothing.
	g2, api2 := uNewBare(t, uWIDSchema(), ddbguard.WithoutOldItem())
	api2.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonConditionFailed(nil), ddbguardtest.ReasonNone()))
	err = ddbguard.NewTx(api2).Check(g2.Check(k("org"), expression.Name("x").AttributeExists())).
		Update(g2.Update(uCaller, k("a")).Set("x", 1)).Run(uCtx)
	uIsOnly(t, err, ddbguard.ErrForbidden)
	assert.Equal(t, 1, api2.Requests())
}
