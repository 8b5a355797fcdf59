package ddbguard_test

import (
	"context"
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

// uWIDSchema is uFullSchema with a WriteID attribute.
func uWIDSchema() ddbguard.Schema {
	s := uFullSchema()
	s.WriteID = "wid"
	return s
}

const (
	uCondEditor = "attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc)))"
	uCondOwner  = "attribute_exists(#gk) AND #go = :gc"
	uCondWID    = " AND (attribute_not_exists(#gw) OR #gw <> :gw)"
)

// uWriteInput is the condition, update and values of one builder's request.
type uWriteInput struct {
	cond, update string
	values       map[string]types.AttributeValue
	item         map[string]types.AttributeValue
}

func uBuildWrites(t *testing.T, g *ddbguard.Guard) map[string]uWriteInput {
	t.Helper()
	k := uKey
	c := expression.Name("x").Equal(expression.Value(1))
	up := func(u *ddbguard.GuardedUpdate) uWriteInput {
		in, err := u.Input()
		require.NoError(t, err)
		return uWriteInput{cond: *in.ConditionExpression, update: *in.UpdateExpression, values: in.ExpressionAttributeValues}
	}
	put := func(in *dynamodb.PutItemInput, err error) uWriteInput {
		require.NoError(t, err)
		return uWriteInput{cond: *in.ConditionExpression, values: in.ExpressionAttributeValues, item: in.Item}
	}
	del := func(in *dynamodb.DeleteItemInput, err error) uWriteInput {
		require.NoError(t, err)
		return uWriteInput{cond: *in.ConditionExpression, values: in.ExpressionAttributeValues}
	}
	body := map[string]any{"pk": "doc-1", "sk": "rev-1", "wid": "from-the-body", "version": 99}
	return map[string]uWriteInput{
		"update":         up(g.Update(uCaller, k).Set("a", 1)),
		"update editors": up(g.Update(uCaller, k).Set("a", 1).Add("n", 2)),
		"update version": up(g.Update(uCaller, k).Set("a", 1).IfVersion(3)),
		"update if":      up(g.Update(uCaller, k).Set("a", 1).IfVersion(3).If(c)),
		"transfer":       up(g.Transfer(uCaller, k, "bob")),
		"add editors":    up(g.AddEditors(uCaller, k, "carol")),
		"remove editors": up(g.RemoveEditors(uCaller, k, "carol")),
		"delete":         del(g.Delete(uCaller, k).Input()),
		"delete if":      del(g.Delete(uCaller, k).IfVersion(3).If(c).Input()),
		"replace":        put(g.Replace(uCaller, body).IfVersion(3).Input()),
		"create":         put(g.Create(uCaller, body).Input()),
	}
}

func TestInput_writeID_pinsEveryBuildersFullCondition(t *testing.T) {
	replace := uCondOwner + " AND #gv = :gv AND attribute_not_exists(#gp0) AND attribute_not_exists(#gp1)"
	want := map[string][2]string{ // without, with WriteID
		"update":         {uCondEditor, uCondEditor + uCondWID},
		"update editors": {uCondEditor, uCondEditor + uCondWID},
		"update version": {uCondEditor + " AND #gv = :gv", uCondEditor + " AND #gv = :gv" + uCondWID},
		"update if":      {uCondEditor + " AND #gv = :gv AND (#0 = :0)", uCondEditor + " AND #gv = :gv" + uCondWID + " AND (#0 = :0)"},
		"transfer":       {uCondOwner, uCondOwner + uCondWID},
		"add editors":    {uCondOwner, uCondOwner + uCondWID},
		"remove editors": {uCondOwner, uCondOwner + uCondWID},
		"delete":         {uCondOwner, uCondOwner + uCondWID},
		"delete if":      {uCondOwner + " AND #gv = :gv AND (#0 = :0)", uCondOwner + " AND #gv = :gv" + uCondWID + " AND (#0 = :0)"},
		"replace":        {replace, replace + uCondWID},
		"create":         {"attribute_not_exists(#gk)", "attribute_not_exists(#gk)"},
	}
	wantUpdate := map[string][2]string{
		"update":         {"SET #n0 = :v0 ADD #gv :g1", "SET #n0 = :v0, #gw = :gw ADD #gv :g1"},
		"update editors": {"SET #n0 = :v0 ADD #n1 :v1, #gv :g1", "SET #n0 = :v0, #gw = :gw ADD #n1 :v1, #gv :g1"},
		"transfer":       {"SET #go = :gn REMOVE #ge ADD #gv :g1", "SET #go = :gn, #gw = :gw REMOVE #ge ADD #gv :g1"},
		"add editors":    {"ADD #gv :g1, #ge :ge", "SET #gw = :gw ADD #gv :g1, #ge :ge"},
		"remove editors": {"ADD #gv :g1 DELETE #ge :ge", "SET #gw = :gw ADD #gv :g1 DELETE #ge :ge"},
	}
	for i, s := range []ddbguard.Schema{uFullSchema(), uWIDSchema()} {
		g, api := uNew(t, s, nil)
		for name, in := range uBuildWrites(t, g) {
			assert.Equal(t, want[name][i], in.cond, "%s, WriteID %q", name, s.WriteID)
			if u, ok := wantUpdate[name]; ok {
				assert.Equal(t, u[i], in.update, "%s, WriteID %q", name, s.WriteID)
			}
			id, hasID := in.values[":gw"].(*types.AttributeValueMemberS)
			assert.Equal(t, s.WriteID != "" && name != "create", hasID, "%s: :gw", name)
			if in.item != nil {
				stored, ok := in.item["wid"].(*types.AttributeValueMemberS)
				if s.WriteID == "" {
					assert.Equal(t, "from-the-body", stored.Value, "%s: without WriteID the body is stored as given", name)
					continue
				}
				require.True(t, ok, "%s stores its id", name)
				assert.NotEqual(t, "from-the-body", stored.Value, "%s: a body's WriteID is overwritten", name)
				assert.Len(t, stored.Value, 26, "%s: crypto/rand.Text", name)
				assert.NotEqual(t, "99", in.item["version"].(*types.AttributeValueMemberN).Value, "%s: a body's version is overwritten", name)
				if hasID {
					assert.Equal(t, id.Value, stored.Value, "%s: the condition's id is the stored one", name)
				}
			}
		}
		assert.Equal(t, 0, api.Requests())
	}
}

func TestWriteID_isAGuardedAttribute(t *testing.T) {
	g, api := uNew(t, uWIDSchema(), nil)
	uIsOnly(t, g.Update(uCaller, uKey).Set("wid", "x").Run(uCtx), ddbguard.ErrProtectedAttribute)
	uIsOnly(t, g.Update(uCaller, uKey).With(expression.Remove(expression.Name("wid"))).Run(uCtx), ddbguard.ErrProtectedAttribute)
	assert.Equal(t, 0, api.Requests())
}

// uWID returns the id an update's input carries.
func uWID(t *testing.T, in any) string {
	t.Helper()
	var values map[string]types.AttributeValue
	switch x := in.(type) {
	case *dynamodb.UpdateItemInput:
		values = x.ExpressionAttributeValues
	case *dynamodb.PutItemInput:
		return x.Item["wid"].(*types.AttributeValueMemberS).Value
	case *dynamodb.TransactWriteItemsInput:
		values = x.TransactItems[0].Update.ExpressionAttributeValues
	}
	return values[":gw"].(*types.AttributeValueMemberS).Value
}

// uSentIDs returns the ids of every UpdateItem api received, in order.
func uSentIDs(t *testing.T, api *ddbguardtest.API) []string {
	var ids []string
	for _, c := range api.Calls {
		ids = append(ids, uWID(t, c.Arguments.Get(1)))
	}
	return ids
}

func TestWriteID_lifecycle_keptUntilDynamoDBsVerdict(t *testing.T) {
	g, api := uNewBare(t, uWIDSchema())
	transport := errors.New("connection reset")
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, transport).Twice()
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil).Once()
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(uStored(uCaller, nil))).Once()
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, transport).Once()
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil)

	u := g.Update(uCaller, uKey).Set("a", 1)
	in1, _ := u.Input()
	in2, _ := u.Input()
	drawn := uWID(t, in1)
	assert.Equal(t, drawn, uWID(t, in2), "Input draws once and keeps the id")

	assert.Error(t, u.Run(uCtx)) // transport error: in doubt
	assert.Error(t, u.Run(uCtx)) // again
	assert.NoError(t, u.Run(uCtx))
	uIsOnly(t, u.Run(uCtx), ddbguard.ErrConflict) // a verdict
	assert.Error(t, u.Run(uCtx))                  // in doubt
	u.Set("b", 2)                                 // a setter after a Run: another write
	assert.NoError(t, u.Run(uCtx))

	ids := uSentIDs(t, api)
	require.Len(t, ids, 6)
	assert.Equal(t, []string{drawn, drawn, drawn}, ids[:3], "the same id until DynamoDB's verdict")
	assert.NotEqual(t, ids[2], ids[3], "success ends the id")
	assert.NotEqual(t, ids[3], ids[4], "a classified failure ends the id")
	assert.NotEqual(t, ids[4], ids[5], "a setter after a Run draws a new id")
}

func TestWriteID_conditionFailedOnOwnID_isSuccess(t *testing.T) {
	var out map[string]any
	cases := map[string]func(g *ddbguard.Guard) (input func() (any, error), run func() error){
		"update": func(g *ddbguard.Guard) (func() (any, error), func() error) {
			u := g.Update(uCaller, uKey).Add("n", 1)
			return func() (any, error) { return u.Input() }, func() error { return u.Run(uCtx) }
		},
		"update value": func(g *ddbguard.Guard) (func() (any, error), func() error) {
			u := g.Update(uCaller, uKey).Set("a", 1)
			return func() (any, error) { return u.Input() }, func() error { return u.Value(uCtx, &out) }
		},
		"transfer": func(g *ddbguard.Guard) (func() (any, error), func() error) {
			u := g.Transfer(uCaller, uKey, "bob")
			return func() (any, error) { return u.Input() }, func() error { return u.Run(uCtx) }
		},
		"replace": func(g *ddbguard.Guard) (func() (any, error), func() error) {
			r := g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).IfVersion(3)
			return func() (any, error) { return r.Input() }, func() error { return r.Run(uCtx) }
		},
		"create": func(g *ddbguard.Guard) (func() (any, error), func() error) {
			c := g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"})
			return func() (any, error) { return c.Input() }, func() error { return c.Run(uCtx) }
		},
	}
	for name, mk := range cases {
		g, api := uNewBare(t, uWIDSchema())
		input, run := mk(g)
		in, err := input()
		require.NoError(t, err)
		// The stored item is the landed write's: a transfer's names bob.
		stored := uStored("bob", map[string]any{"wid": uWID(t, in), "version": 4})
		uAnswer(api, ddbguardtest.ConditionFailed(stored))
		assert.NoError(t, run(), name)
		assert.Equal(t, 1, api.Requests(), name)
	}
	assert.Equal(t, "secret-b52e0c", out["title"], "Value of a landed update is the stored item")

	// Another id is a separate write: judged as usual.
	g, _ := uNew(t, uWIDSchema(), ddbguardtest.ConditionFailed(uStored("bob", map[string]any{"wid": "another"})))
	uIsOnly(t, g.Update(uCaller, uKey).Add("n", 1).Run(uCtx), ddbguard.ErrNotOwner)
}

func TestUpdate_withoutWriteID_retryFindingItsOwnValues_isConflictWithItem(t *testing.T) {
	// The item shows exactly what the update writes, at the version it
	// would write: without WriteID that proves nothing.
	stored := uStored(uCaller, map[string]any{"a": 1, "version": 4})
	g, api := uNewBare(t, uFullSchema())
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, errors.New("connection reset")).Once()
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(stored)).Once()
	u := g.Update(uCaller, uKey).Set("a", 1).IfVersion(3)
	assert.Error(t, u.Run(uCtx)) // no answer: the write is in doubt
	err := u.Run(uCtx)
	uIsOnly(t, err, ddbguard.ErrConflict)
	assert.Equal(t, stored, uAsError(t, err).Item)
	assert.Equal(t, 2, api.Requests())
}

func TestTx_writeIDs_followTheToken(t *testing.T) {
	g, api := uNew(t, uWIDSchema(), nil)
	u := g.Update(uCaller, uKey).Set("a", 1)
	tx := ddbguard.NewTx(api).Update(u).Token("t1")
	ids := func() string {
		in, err := tx.Input()
		require.NoError(t, err)
		return uWID(t, in)
	}
	first := ids()
	require.NoError(t, tx.Run(uCtx))
	require.NoError(t, tx.Run(uCtx))
	assert.Equal(t, first, ids(), "with one token every Run sends the same ids")
	tx.Token("t1")
	assert.Equal(t, first, ids(), "the same token keeps them")
	tx.Token("t2")
	assert.NotEqual(t, first, ids(), "a new token draws new ids")
	for _, c := range api.Calls {
		assert.Equal(t, first, uWID(t, c.Arguments.Get(1)))
	}
}

func TestTx_reasonHoldingItsWritesOwnID_isSuccess(t *testing.T) {
	g, api := uNewBare(t, uWIDSchema())
	u := g.Update(uCaller, uKey).Set("a", 1)
	d := g.Delete(uCaller, ddbguard.Key{PK: "doc-2", SK: "rev-1"})
	tx := ddbguard.NewTx(api).Delete(d).Update(u).Token("t1")
	in, err := tx.Input()
	require.NoError(t, err)
	id := in.TransactItems[1].Update.ExpressionAttributeValues[":gw"].(*types.AttributeValueMemberS).Value
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonConditionFailed(nil),
		ddbguardtest.ReasonConditionFailed(uStored(uCaller, map[string]any{"wid": id})),
	))
	assert.NoError(t, tx.Run(uCtx), "the transaction committed whole")

	// A delete's id is never a mark: its reason alone decides nothing.
	g2, api2 := uNewBare(t, uWIDSchema())
	d2 := g2.Delete(uCaller, uKey)
	tx2 := ddbguard.NewTx(api2).Delete(d2)
	in2, err := tx2.Input()
	require.NoError(t, err)
	did := in2.TransactItems[0].Delete.ExpressionAttributeValues[":gw"].(*types.AttributeValueMemberS).Value
	api2.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonConditionFailed(uStored(uCaller, map[string]any{"wid": did}))))
	uIsOnly(t, tx2.Run(uCtx), ddbguard.ErrConflict)
}

func TestTx_builderBelongsToItsTransaction(t *testing.T) {
	g, api := uNew(t, uWIDSchema(), nil)
	u := g.Update(uCaller, uKey).Set("a", 1)
	d := g.Delete(uCaller, ddbguard.Key{PK: "doc-2", SK: "rev-1"})
	c := g.Create(uCaller, map[string]any{"pk": "doc-3", "sk": "rev-1"})
	r := g.Replace(uCaller, map[string]any{"pk": "doc-4", "sk": "rev-1"}).IfVersion(1)
	chk := g.Check(ddbguard.Key{PK: "doc-5", SK: "rev-1"}, expression.Name("x").AttributeExists())
	ddbguard.NewTx(api).Update(u).Delete(d).Create(c).Replace(r).Check(chk)
	var out map[string]any
	for name, err := range map[string]error{
		"update run":   u.Run(uCtx),
		"update value": u.Value(uCtx, &out),
		"delete run":   d.Run(uCtx),
		"delete value": d.Value(uCtx, &out),
		"create run":   c.Run(uCtx),
		"replace run":  r.Run(uCtx),
	} {
		uIsOnly(t, err, ddbguard.ErrInvalidInput)
		assert.Equal(t, -1, uAsError(t, err).Index, name)
	}
	for name, tx := range map[string]*ddbguard.Tx{
		"update": ddbguard.NewTx(api).Update(u), "delete": ddbguard.NewTx(api).Delete(d),
		"create": ddbguard.NewTx(api).Create(c), "replace": ddbguard.NewTx(api).Replace(r),
		"check": ddbguard.NewTx(api).Check(chk),
	} {
		err := tx.Run(uCtx)
		uIsOnly(t, err, ddbguard.ErrInvalidInput)
		assert.Contains(t, err.Error(), "another transaction", name)
	}
	assert.Equal(t, 0, api.Requests())
}

func TestCheck_neverAsksForItsItem_andIsForbidden(t *testing.T) {
	g, api := uNewBare(t, uFullSchema())
	chk := g.Check(ddbguard.Key{PK: "org", SK: "member"}, expression.Name("role").Equal(expression.Value("admin")))
	cc, err := chk.Input()
	require.NoError(t, err)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureNone, cc.ReturnValuesOnConditionCheckFailure)
	// Even an answer holding the item (a misbehaving engine) changes nothing.
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonNone(), ddbguardtest.ReasonConditionFailed(uStored(uCaller, nil))))
	err = ddbguard.NewTx(api).Update(g.Update(uCaller, uKey).Set("a", 1)).Check(chk).Run(uCtx)
	uIsOnly(t, err, ddbguard.ErrForbidden)
	e := uAsError(t, err)
	assert.Nil(t, e.Item)
	assert.Equal(t, 1, e.Index)
	assert.Equal(t, 1, api.Requests())
}

func TestRefusal_causeIsScrubbedOfTheAnswer(t *testing.T) {
	foreign := uStored(uIntruder, nil)
	g, _ := uNew(t, uFullSchema(), ddbguardtest.ConditionFailed(foreign))
	for name, err := range uRunAll(g) {
		if name == "get" {
			continue // GetItem never answers with a condition failure
		}
		e := uAsError(t, err)
		var ccf *types.ConditionalCheckFailedException
		require.ErrorAs(t, err, &ccf, name)
		assert.Nil(t, ccf.Item, name)
		assert.Nil(t, e.Item, name)
		assert.Equal(t, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, e.Cause, name)
	}
	tg, api := uNewBare(t, uFullSchema())
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonNone(), ddbguardtest.ReasonConditionFailed(foreign)))
	err := ddbguard.NewTx(api).Update(tg.Update(uCaller, uKey).Set("a", 1)).
		Delete(tg.Delete(uCaller, ddbguard.Key{PK: "doc-2", SK: "rev-1"})).Run(uCtx)
	uIsOnly(t, err, ddbguard.ErrNotOwner)
	assert.Equal(t, &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String("ConditionalCheckFailed")},
	}}, uAsError(t, err).Cause)
}

func TestTx_deniedAuditEventNamesTheCaller(t *testing.T) {
	var events []ddbguard.AuditEvent
	audit := ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) { events = append(events, e) })
	g, api := uNewBare(t, uFullSchema(), audit)
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonNone(), ddbguardtest.ReasonConditionFailed(nil))).Once()
	api.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonConditionFailed(nil), ddbguardtest.ReasonNone())).Once()
	chk := g.Check(ddbguard.Key{PK: "org", SK: "m"}, expression.Name("x").AttributeExists())
	uIsOnly(t, ddbguard.NewTx(api).Update(g.Update(uCaller, uKey).Set("a", 1)).
		Delete(g.Delete("bob", ddbguard.Key{PK: "doc-2", SK: "r"})).Run(uCtx), ddbguard.ErrNotFound)
	uIsOnly(t, ddbguard.NewTx(api).Check(chk).Update(g.Update(uCaller, uKey).Set("a", 1)).Run(uCtx), ddbguard.ErrForbidden)
	require.Len(t, events, 2)
	assert.Equal(t, "bob", events[0].Caller, "the failing item's caller")
	assert.Equal(t, uCaller, events[1].Caller, "a failing Check names the first write's caller")
	assert.Equal(t, 0, events[1].Index)
}
