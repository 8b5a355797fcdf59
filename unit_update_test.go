package ddbguard_test

import (
	"math"
	"regexp"
	"strings"
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

func TestFailClosed_updateBuilderMisuse_isInvalidInput(t *testing.T) {
	full, plain := uFullSchema(), uPlainSchema()
	pk := ddbguard.Key{PK: "doc-1"}
	long := strings.Repeat("n", 256)
	set := func(n string) expression.UpdateBuilder {
		return expression.Set(expression.Name(n), expression.Value(1))
	}
	tests := []struct {
		name string
		s    ddbguard.Schema
		mk   func(g *ddbguard.Guard) *ddbguard.GuardedUpdate
	}{
		{"IfVersion without Schema.Version", plain, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, pk).Set("title", "t").IfVersion(1)
		}},
		{"With called twice", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).With(set("a")).With(set("b"))
		}},
		{"empty update", plain, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, pk) }},
		{"empty update on a versioned table", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).IfVersion(3)
		}},
		{"Add with a string", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Add("views", "1") }},
		{"Add with a bool", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Add("views", true) }},
		{"NaN value", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Set("score", math.NaN())
		}},
		{"infinite value", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Set("score", math.Inf(-1))
		}},
		{"NaN inside a map", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Set("stats", map[string]any{"mean": math.NaN()})
		}},
		{"NaN Add", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Add("views", math.NaN())
		}},
		{"invalid UTF-8 Set name", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Set("ti\xfftle", 1) }},
		{"invalid UTF-8 Add name", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Add("\xff", 1) }},
		{"invalid UTF-8 Remove name", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Remove("\xfe") }},
		{"256-byte name", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Set(long, 1) }},
		{"empty name", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey).Remove("") }},
		{"name given twice", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Set("title", "a").Remove("title")
		}},
		{"With and Set on one name", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Set("title", "a").With(set("title"))
		}},
		{"value larger than an item", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.Update(uCaller, uKey).Set("body", strings.Repeat("x", 400*1024+1))
		}},
		{"transfer to nobody", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Transfer(uCaller, uKey, " ") }},
		{"editors on a table without them", plain, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
			return g.AddEditors(uCaller, pk, uEditor)
		}},
		{"no editors given", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.RemoveEditors(uCaller, uKey) }},
		{"empty editor", full, func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.AddEditors(uCaller, uKey, uEditor, "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, api := uNew(t, tt.s, nil)
			for _, err := range uRunUpdate(t, func() *ddbguard.GuardedUpdate { return tt.mk(g) }, api) {
				uIsOnly(t, err, ddbguard.ErrInvalidInput)
			}
			assert.Equal(t, 0, api.Requests())
		})
	}
}

func TestUpdateValue_outNotANonNilPointer_isInvalidInputWithoutRequest(t *testing.T) {
	var m map[string]any
	for name, out := range map[string]any{"nil": nil, "map value": m, "struct value": struct{}{}, "nil pointer": (*struct{})(nil)} {
		t.Run(name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), nil)
			uIsOnly(t, g.Update(uCaller, uKey).Set("title", "t").Value(uCtx, out), ddbguard.ErrInvalidInput)
			uIsOnly(t, g.Delete(uCaller, uKey).Value(uCtx, out), ddbguard.ErrInvalidInput)
			assert.Equal(t, 0, api.Requests())
		})
	}
}

// uUpdateCase is one answer of DynamoDB to a guarded update and the error
// it must become.
type uUpdateCase struct {
	name   string
	caller string
	mk     func(g *ddbguard.Guard, caller string) *ddbguard.GuardedUpdate
	stored map[string]types.AttributeValue // ALL_OLD; nil: no item
	want   error
	expose bool // the error carries the stored item
}

func uSetTitle(g *ddbguard.Guard, c string) *ddbguard.GuardedUpdate {
	return g.Update(c, uKey).Set("title", "t")
}

func uUpdateCases() []uUpdateCase {
	other := uStored(uIntruder, nil)
	own := uStored(uCaller, nil)
	shared := uStored("bob", map[string]any{"editors": []string{uEditor, "dave"}})
	stale := func(g *ddbguard.Guard, c string) *ddbguard.GuardedUpdate { return uSetTitle(g, c).IfVersion(1) }
	open := func(g *ddbguard.Guard, c string) *ddbguard.GuardedUpdate {
		return uSetTitle(g, c).If(expression.Name("status").Equal(expression.Value("open")))
	}
	transfer := func(g *ddbguard.Guard, c string) *ddbguard.GuardedUpdate { return g.Transfer(c, uKey, "erin") }
	addEd := func(g *ddbguard.Guard, c string) *ddbguard.GuardedUpdate { return g.AddEditors(c, uKey, "erin") }
	return []uUpdateCase{
		{"no item is not found", uCaller, uSetTitle, nil, ddbguard.ErrNotFound, false},
		{"another owner's item is not owner", uCaller, uSetTitle, other, ddbguard.ErrNotOwner, false},
		{"owner changed between check and write is not owner", uCaller, stale, other, ddbguard.ErrNotOwner, false},
		{"own item at another version is conflict", uCaller, stale, own, ddbguard.ErrConflict, true},
		{"own item failing If is conflict", uCaller, open, own, ddbguard.ErrConflict, true},
		{"editor at another version is conflict", uEditor, stale, shared, ddbguard.ErrConflict, true},
		{"substring of a plain-string editors is not owner", uEditor, uSetTitle,
			uStored("bob", map[string]any{"editors": "carolyn"}), ddbguard.ErrNotOwner, false},
		{"equal plain-string editors is not owner", uEditor, uSetTitle,
			uStored("bob", map[string]any{"editors": uEditor}), ddbguard.ErrNotOwner, false},
		{"longer set member is not owner", uEditor, uSetTitle,
			uStored("bob", map[string]any{"editors": []string{"carolyn"}}), ddbguard.ErrNotOwner, false},
		{"editor may not transfer", uEditor, transfer, shared, ddbguard.ErrNotOwner, false},
		{"editor may not change editors", uEditor, addEd, shared, ddbguard.ErrNotOwner, false},
		{"transfer of a missing item is not found", uCaller, transfer, nil, ddbguard.ErrNotFound, false},
		{"transfer of another owner's item is not owner", uCaller, transfer, other, ddbguard.ErrNotOwner, false},
		{"stale transfer of own item is conflict", uCaller, func(g *ddbguard.Guard, c string) *ddbguard.GuardedUpdate {
			return transfer(g, c).IfVersion(1)
		}, own, ddbguard.ErrConflict, true},
	}
}

func TestUpdate_conditionFailure_isClassifiedFromTheOldItemInOneRequest(t *testing.T) {
	for _, tt := range uUpdateCases() {
		t.Run(tt.name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), ddbguardtest.ConditionFailed(tt.stored))
			err := tt.mk(g, tt.caller).Run(uCtx)

			uIsOnly(t, err, tt.want)
			e := uAsError(t, err)
			assert.Equal(t, tt.want, e.Err)
			var ccf *types.ConditionalCheckFailedException
			require.ErrorAs(t, err, &ccf, "the SDK error stays reachable")
			if tt.expose {
				assert.Equal(t, tt.stored, e.Item)
			} else {
				assert.Nil(t, e.Item)
				assert.Nil(t, ccf.Item, "the SDK error's copy of the item is stripped too")
			}
			assert.Equal(t, 1, api.RequestsOf("UpdateItem"))
			assert.Equal(t, 1, api.Requests())
			in := api.LastInput().(*dynamodb.UpdateItemInput)
			assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
		})
	}
}

func TestUpdate_success_sendsOneRequestAskingForTheOldItemOnFailure(t *testing.T) {
	builders := map[string]func(g *ddbguard.Guard) *ddbguard.GuardedUpdate{
		"owner update":   func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return uSetTitle(g, uCaller) },
		"editor update":  func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return uSetTitle(g, uEditor) },
		"transfer":       func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Transfer(uCaller, uKey, "erin") },
		"add editors":    func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.AddEditors(uCaller, uKey, "erin") },
		"remove editors": func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.RemoveEditors(uCaller, uKey, "erin") },
	}
	for name, mk := range builders {
		t.Run(name, func(t *testing.T) {
			g, api := uNew(t, uFullSchema(), nil)
			require.NoError(t, mk(g).Run(uCtx))
			assert.Equal(t, 1, api.Requests())
			in := api.LastInput().(*dynamodb.UpdateItemInput)
			assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
			assert.Equal(t, types.ReturnValueNone, in.ReturnValues)
			uPlaceholdersMatch(t, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression, in.UpdateExpression)
		})
	}
}

func TestUpdateValue_returnsTheItemAfterTheUpdate(t *testing.T) {
	g, api := uNewBare(t, uFullSchema())
	after := uStored(uCaller, map[string]any{"version": 4, "title": "New"})
	api.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{Attributes: after}, nil)

	var out struct {
		Title   string `dynamodbav:"title"`
		Version int    `dynamodbav:"version"`
	}
	require.NoError(t, g.Update(uCaller, uKey).Set("title", "New").IfVersion(3).Value(uCtx, &out))
	assert.Equal(t, "New", out.Title)
	assert.Equal(t, 4, out.Version)
	in := api.LastInput().(*dynamodb.UpdateItemInput)
	assert.Equal(t, types.ReturnValueAllNew, in.ReturnValues)
	assert.Equal(t, 1, api.Requests())
}

// uValues builds an ExpressionAttributeValues map from Go values.
func uValues(kv map[string]any) map[string]types.AttributeValue { return ddbguardtest.Item(kv) }

func TestUpdateInput_ownerOnly_isExact(t *testing.T) {
	g, api := uNew(t, uPlainSchema(), nil)
	in, err := g.Update(uCaller, ddbguard.Key{PK: "doc-1"}).Set("title", "New").Input()
	require.NoError(t, err)
	assert.Equal(t, "docs", *in.TableName)
	assert.Equal(t, ddbguardtest.Item(map[string]any{"pk": "doc-1"}), in.Key)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc", *in.ConditionExpression)
	assert.Equal(t, "SET #n0 = :v0", *in.UpdateExpression)
	assert.Equal(t, map[string]string{"#gk": "pk", "#go": "owner", "#n0": "title"}, in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{":gc": uCaller, ":v0": "New"}), in.ExpressionAttributeValues)
	assert.Equal(t, types.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, 0, api.Requests(), "Input sends nothing")
}

func TestUpdateInput_editorsAndVersion_isExact(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	in, err := g.Update(uCaller, uKey).Set("title", "New").Remove("draft").Add("views", 1).IfVersion(3).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc))) AND #gv = :gv",
		*in.ConditionExpression)
	assert.Equal(t, "SET #n0 = :v0 REMOVE #n1 ADD #n2 :v2, #gv :g1", *in.UpdateExpression)
	assert.Equal(t, map[string]string{
		"#gk": "pk", "#go": "owner", "#ge": "editors", "#gv": "version",
		"#n0": "title", "#n1": "draft", "#n2": "views",
	}, in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{
		":gc": uCaller, ":gt": "SS", ":gv": 3, ":g1": 1, ":v0": "New", ":v2": 1,
	}), in.ExpressionAttributeValues)
}

func TestUpdateInput_withAndIf_mergeIntoOneExpression(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	in, err := g.Update(uCaller, uKey).
		Set("title", "New").
		With(expression.Set(expression.Name("meta.tags"), expression.Value([]string{"a"})).Remove(expression.Name("old"))).
		If(expression.Name("status").Equal(expression.Value("open"))).
		Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc))) AND (#0 = :0)",
		*in.ConditionExpression)
	assert.Equal(t, "SET #n0 = :v0, #2.#3 = :1 REMOVE #1 ADD #gv :g1", *in.UpdateExpression)
	assert.Equal(t, map[string]string{
		"#gk": "pk", "#go": "owner", "#ge": "editors", "#gv": "version", "#n0": "title",
		"#0": "status", "#1": "old", "#2": "meta", "#3": "tags",
	}, in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{
		":gc": uCaller, ":gt": "SS", ":g1": 1, ":v0": "New", ":0": "open",
		":1": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "a"}}},
	}), in.ExpressionAttributeValues)
}

func TestUpdateInput_transfer_setsOwnerAndClearsEditors(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	in, err := g.Transfer(uCaller, uKey, "bob").Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc", *in.ConditionExpression, "only the owner may transfer")
	assert.Equal(t, "SET #go = :gn REMOVE #ge ADD #gv :g1", *in.UpdateExpression)
	assert.Equal(t, map[string]string{"#gk": "pk", "#go": "owner", "#ge": "editors", "#gv": "version"}, in.ExpressionAttributeNames)
	assert.Equal(t, uValues(map[string]any{":gc": uCaller, ":gn": "bob", ":g1": 1}), in.ExpressionAttributeValues)
}

func TestUpdateInput_editorsChanges_areOwnerOnly(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	add, err := g.AddEditors(uCaller, uKey, uEditor).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc", *add.ConditionExpression)
	assert.Equal(t, "ADD #gv :g1, #ge :ge", *add.UpdateExpression)
	assert.Equal(t, &types.AttributeValueMemberSS{Value: []string{uEditor}}, add.ExpressionAttributeValues[":ge"])
	rm, err := g.RemoveEditors(uCaller, uKey, uEditor).Input()
	require.NoError(t, err)
	assert.Equal(t, "attribute_exists(#gk) AND #go = :gc", *rm.ConditionExpression)
	assert.Equal(t, "ADD #gv :g1 DELETE #ge :ge", *rm.UpdateExpression)
	uPlaceholdersMatch(t, rm.ExpressionAttributeNames, rm.ExpressionAttributeValues, rm.ConditionExpression, rm.UpdateExpression)
}

func TestUpdateInput_guardPlaceholdersNeverCollideWithTheExpressionPackages(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	with := expression.Set(expression.Name("a"), expression.Value("w0")).
		Set(expression.Name("b"), expression.Value("w1")).
		Add(expression.Name("c"), expression.Value(2))
	in, err := g.Update(uCaller, uKey).Set("d", "s0").Set("e", "s1").Remove("f").
		With(with).
		If(expression.Name("owner").Equal(expression.Value("if0"))).
		If(expression.Name("g").AttributeExists()).
		IfVersion(3).
		Input()
	require.NoError(t, err)
	uPlaceholdersMatch(t, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression, in.UpdateExpression)
	// 4 guard names, 3 setter names, 5 user names; nothing was overwritten.
	assert.Len(t, in.ExpressionAttributeNames, 12)
	assert.Len(t, in.ExpressionAttributeValues, 4+2+4)
	assert.Equal(t, "owner", in.ExpressionAttributeNames["#go"])
	assert.Equal(t, &types.AttributeValueMemberS{Value: uCaller}, in.ExpressionAttributeValues[":gc"])
	assert.Contains(t, *in.ConditionExpression, "#go = :gc", "a user If on the owner never replaces the guard")
	var userValues []string
	for k, v := range in.ExpressionAttributeValues {
		if s, ok := v.(*types.AttributeValueMemberS); ok && k != ":gc" && k != ":gt" {
			userValues = append(userValues, s.Value)
		}
	}
	assert.ElementsMatch(t, []string{"w0", "w1", "s0", "s1", "if0"}, userValues)
}

var uOnlyPlaceholders = regexp.MustCompile(`^(SET|REMOVE|ADD|DELETE|[#:][a-z0-9]+|[ =,])+$`)

func TestUpdateInput_namesAreAliasedLiterally(t *testing.T) {
	names := []string{"name", "a.b", "list[0]", "my attr", "status", "size", "#go", ":gc"}
	g, _ := uNew(t, uPlainSchema(), nil)
	u := g.Update(uCaller, ddbguard.Key{PK: "doc-1"})
	for i, n := range names[:5] {
		u.Set(n, i)
	}
	u.Remove(names[5]).Add(names[6], 1).Set(names[7], "x")
	in, err := u.Input()
	require.NoError(t, err)
	assert.Regexp(t, uOnlyPlaceholders, *in.UpdateExpression)
	aliased := map[string]bool{}
	for ph, n := range in.ExpressionAttributeNames {
		if strings.HasPrefix(ph, "#n") {
			aliased[n] = true
		}
	}
	for _, n := range names {
		assert.True(t, aliased[n], "%q is aliased as one name", n)
	}
	assert.Equal(t, "owner", in.ExpressionAttributeNames["#go"])
	uPlaceholdersMatch(t, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression, in.UpdateExpression)
}
