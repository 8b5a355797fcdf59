package ddbguard_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// exampleDB stands in for DynamoDB in the examples: every write gets reply
// (nil means it succeeded), GetItem gets item, Query pages through table
// (example_list_test.go), and requests are counted. In a service, pass a
// *dynamodb.Client instead.
type exampleDB struct {
	reply    error
	item     map[string]types.AttributeValue
	table    []map[string]types.AttributeValue
	requests int
}

func (db *exampleDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	db.requests++
	return &dynamodb.GetItemOutput{Item: db.item}, nil
}

func (db *exampleDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	db.requests++
	return &dynamodb.PutItemOutput{}, db.reply
}

func (db *exampleDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	db.requests++
	return &dynamodb.UpdateItemOutput{Attributes: db.item}, db.reply
}

func (db *exampleDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	db.requests++
	return &dynamodb.DeleteItemOutput{Attributes: db.item}, db.reply
}

func (db *exampleDB) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	db.requests++
	return &dynamodb.TransactWriteItemsOutput{}, db.reply
}

func (db *exampleDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	db.requests++
	return db.query(in), db.reply
}

// item marshals an example item.
func item(m map[string]any) map[string]types.AttributeValue {
	av, err := attributevalue.MarshalMap(m)
	if err != nil {
		panic(err)
	}
	return av
}

// conditionFailed is DynamoDB's answer to a write whose condition failed,
// with the item as it was (ReturnValuesOnConditionCheckFailure=ALL_OLD).
func conditionFailed(old map[string]any) error {
	e := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	if old != nil {
		e.Item = item(old)
	}
	return e
}

func docs(db ddbguard.API) *ddbguard.Guard {
	g, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}
	return g
}

func ExampleGuard_Update() {
	db := &exampleDB{}
	g := docs(db)

	u := g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "Q3 plan")
	in, _ := u.Input()
	fmt.Println(*in.ConditionExpression)
	fmt.Println(*in.UpdateExpression)

	err := u.Run(context.Background())
	fmt.Println(err, db.requests)
	// Output:
	// attribute_exists(#gk) AND #go = :gc
	// SET #n0 = :v0 ADD #gv :g1
	// <nil> 1
}

func ExampleGuard_Update_notOwner() {
	// The document changed hands after the handler read it: DynamoDB
	// refuses the write and returns the item as it is now.
	db := &exampleDB{reply: conditionFailed(map[string]any{"id": "doc-1", "owner": "bob", "title": "secret"})}
	g := docs(db)

	err := g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "mine now").Run(context.Background())

	var e *ddbguard.Error
	errors.As(err, &e)
	fmt.Println(errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err))
	fmt.Println(err)
	fmt.Println("item shown:", e.Item != nil, "requests:", db.requests)
	// Output:
	// true 404
	// ddbguard: update docs: not owner
	// item shown: false requests: 1
}

func ExampleGuard_Update_conflict() {
	// Alice edits version 3, but version 4 is stored: she owns the item, so
	// the error carries it and she can merge without another read.
	db := &exampleDB{reply: conditionFailed(map[string]any{"id": "doc-1", "owner": "alice", "version": 4})}
	g := docs(db)

	err := g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "v3 edit").IfVersion(3).Run(context.Background())

	var e *ddbguard.Error
	errors.As(err, &e)
	fmt.Println(errors.Is(err, ddbguard.ErrConflict), ddbguard.HTTPStatus(err))
	fmt.Println(err)
	fmt.Println("stored version:", e.Item["version"].(*types.AttributeValueMemberN).Value)
	// Output:
	// true 409
	// ddbguard: update docs: conflict: version mismatch
	// stored version: 4
}

func ExampleGuard_Update_protectedAttribute() {
	// A client tries to take the item over through an update body. Nothing
	// is sent.
	db := &exampleDB{}
	g := docs(db)

	err := g.Update("mallory", ddbguard.Key{PK: "doc-1"}).Set("owner", "mallory").Run(context.Background())
	fmt.Println(errors.Is(err, ddbguard.ErrProtectedAttribute), ddbguard.HTTPStatus(err), db.requests)
	// Output:
	// true 400 0
}

func ExampleGuard_Update_with() {
	// Nested paths and functions go through the expression package; their
	// names are checked like Set's and the guard still applies.
	g := docs(&exampleDB{})
	in, _ := g.Update("alice", ddbguard.Key{PK: "doc-1"}).
		With(expression.Set(expression.Name("meta.tags"),
			expression.ListAppend(expression.Name("meta.tags"), expression.Value([]string{"q3"})))).
		If(expression.Name("status").Equal(expression.Value("draft"))).
		Input()
	fmt.Println(*in.ConditionExpression)
	fmt.Println(*in.UpdateExpression)
	// Output:
	// attribute_exists(#gk) AND #go = :gc AND (#0 = :0)
	// SET #1.#2 = list_append(#1.#2, :1) ADD #gv :g1
}

func ExampleGuard_Transfer() {
	db := &exampleDB{}
	g := docs(db)

	u := g.Transfer("alice", ddbguard.Key{PK: "doc-1"}, "bob")
	in, _ := u.Input()
	fmt.Println(*in.UpdateExpression)
	fmt.Println(u.Run(context.Background()))
	// Output:
	// SET #go = :gn ADD #gv :g1
	// <nil>
}

func ExampleGuard_AddEditors() {
	// Alice lets Carol edit her document. Carol may then Update and Get it,
	// but not Delete, Replace or Transfer it, nor change who edits it.
	db := &exampleDB{}
	g, _ := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Editors: "editors"})

	add := g.AddEditors("alice", ddbguard.Key{PK: "doc-1"}, "carol")
	in, _ := add.Input()
	fmt.Println(*in.UpdateExpression)
	fmt.Println(add.Run(context.Background()))

	in, _ = g.Update("carol", ddbguard.Key{PK: "doc-1"}).Set("title", "Edited").Input()
	fmt.Println(*in.ConditionExpression)
	// Output:
	// ADD #ge :ge
	// <nil>
	// attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc)))
}

func ExampleGuard_Delete() {
	db := &exampleDB{reply: conditionFailed(nil)}
	g := docs(db)

	err := g.Delete("alice", ddbguard.Key{PK: "doc-404"}).Run(context.Background())
	fmt.Println(errors.Is(err, ddbguard.ErrNotFound), ddbguard.HTTPStatus(err))
	// Output:
	// true 404
}

func ExampleGuard_Create() {
	db := &exampleDB{}
	g := docs(db)

	c := g.Create("alice", map[string]any{"id": "doc-2", "title": "Notes"})
	in, _ := c.Input()
	fmt.Println(*in.ConditionExpression)
	fmt.Println("owner:", in.Item["owner"].(*types.AttributeValueMemberS).Value,
		"version:", in.Item["version"].(*types.AttributeValueMemberN).Value)
	fmt.Println(c.Run(context.Background()))
	// Output:
	// attribute_not_exists(#gk)
	// owner: alice version: 1
	// <nil>
}

func ExampleGuard_Create_alreadyExists() {
	db := &exampleDB{reply: conditionFailed(map[string]any{"id": "doc-2", "owner": "bob"})}
	g := docs(db)

	err := g.Create("alice", map[string]any{"id": "doc-2"}).Run(context.Background())
	fmt.Println(errors.Is(err, ddbguard.ErrAlreadyExists), errors.Is(err, ddbguard.ErrConflict), ddbguard.HTTPStatus(err))
	// Output:
	// true true 409
}

func ExampleGuard_Replace() {
	db := &exampleDB{}
	g := docs(db)

	r := g.Replace("alice", map[string]any{"id": "doc-1", "title": "Rewritten"}).IfVersion(4)
	in, _ := r.Input()
	fmt.Println(*in.ConditionExpression)
	fmt.Println("writes version", in.Item["version"].(*types.AttributeValueMemberN).Value)
	fmt.Println(r.Run(context.Background()))
	// Output:
	// attribute_exists(#gk) AND #go = :gc AND #gv = :gv
	// writes version 5
	// <nil>
}

func ExampleGuard_Get() {
	db := &exampleDB{item: item(map[string]any{"id": "doc-1", "owner": "bob", "title": "secret"})}
	g := docs(db)

	var doc struct{ Title string }
	err := g.Get(context.Background(), "alice", ddbguard.Key{PK: "doc-1"}, &doc)
	fmt.Println(errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err), doc.Title == "")

	err = g.Get(context.Background(), "bob", ddbguard.Key{PK: "doc-1"}, &doc)
	fmt.Println(err, doc.Title)
	// Output:
	// true 404 true
	// <nil> secret
}

func ExampleNewTx() {
	// Alice hands two documents to Bob: both move or neither does, and each
	// keeps its own guard.
	db := &exampleDB{}
	g := docs(db)

	err := ddbguard.NewTx(db).
		Update(g.Transfer("alice", ddbguard.Key{PK: "doc-1"}, "bob")).
		Update(g.Transfer("alice", ddbguard.Key{PK: "doc-2"}, "bob")).
		Token("handover-7f3a").
		Run(context.Background())
	fmt.Println(err, db.requests)
	// Output:
	// <nil> 1
}

func ExampleGuard_Check() {
	// Only an admin of org#1 may rename the org's shared document. The
	// membership is checked in the same transaction as the write, so a
	// revocation cannot slip in between.
	db := &exampleDB{reply: &types.TransactionCanceledException{
		Message: aws.String("Transaction cancelled"),
		CancellationReasons: []types.CancellationReason{
			{Code: aws.String("ConditionalCheckFailed")},
			{Code: aws.String("None")},
		},
	}}
	members, _ := ddbguard.New(db, ddbguard.Schema{Table: "members", PartitionKey: "pk", SortKey: "sk"})
	shared, _ := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Editors: "editors"})

	err := ddbguard.NewTx(db).
		Check(members.Check(ddbguard.Key{PK: "org#1", SK: "member#alice"},
			expression.Name("role").Equal(expression.Value("admin")))).
		Update(shared.Update("alice", ddbguard.Key{PK: "doc-9"}).Set("title", "Renamed")).
		Run(context.Background())

	var e *ddbguard.Error
	errors.As(err, &e)
	fmt.Println(errors.Is(err, ddbguard.ErrForbidden), ddbguard.HTTPStatus(err), "item", e.Index)
	// Output:
	// true 404 item 0
}

func ExampleHTTPStatus() {
	for _, err := range []error{nil, ddbguard.ErrUnauthenticated, ddbguard.ErrInvalidInput,
		ddbguard.ErrNotOwner, ddbguard.ErrConflict, errors.New("network down")} {
		fmt.Println(ddbguard.HTTPStatus(err))
	}
	// Output:
	// 200
	// 401
	// 400
	// 404
	// 409
	// 500
}
