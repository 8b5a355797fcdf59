package ddbguard_test

// Every example is whole: it builds its own Guard on ddbguardtest.API, a
// mock that stands in for a *dynamodb.Client and answers as DynamoDB would
// (in a service, pass the client instead). Each mock answer is set with On
// before the example runs the builder.

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/mock"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// A document service renames a document on behalf of the authenticated
// caller. The owner check is the write's condition, so the answer depends on
// who owns the document when DynamoDB writes, not on an earlier read. Here
// the document is bob's: DynamoDB refuses alice's rename and returns the
// item as it is, and ddbguard reports "not owner" without showing it to her.
func Example() {
	db := new(ddbguardtest.API) // in a service: a *dynamodb.Client
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(
		ddbguardtest.Item(map[string]any{"id": "doc-1", "owner": "bob", "title": "Plans"}))).Once()
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil).Once()

	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Owner: "owner"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	rename := func(caller, title string) error {
		return docs.Update(caller, ddbguard.Key{PK: "doc-1"}).Set("title", title).Run(ctx)
	}

	err = rename("alice", "Mine now")
	fmt.Println("alice:", errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err))
	err = rename("bob", "Plans v2")
	fmt.Println("bob:", err, ddbguard.HTTPStatus(err))
	fmt.Println("requests:", db.Requests())
	fmt.Println("condition:", *db.LastInput().(*dynamodb.UpdateItemInput).ConditionExpression)
	// Output:
	// alice: true 404
	// bob: <nil> 200
	// requests: 2
	// condition: attribute_exists(#gk) AND #go = :gc
}

// New checks the schema once, at startup, and sends nothing: a misdeclared
// schema is an error to fail on before serving, never one met on a request.
func ExampleNew() {
	db := new(ddbguardtest.API) // in a service: a *dynamodb.Client

	_, err := ddbguard.New(db, ddbguard.Schema{Table: "docs"}) // no partition key
	fmt.Println("no partition key:", errors.Is(err, ddbguard.ErrInvalidInput))

	docs, err := ddbguard.New(db, ddbguard.Schema{
		Table: "docs", PartitionKey: "id", Owner: "owner", Version: "version",
		Protected: []string{"created_at"},
	})
	if err != nil {
		panic(err)
	}
	in, err := docs.Delete("alice", ddbguard.Key{PK: "doc-1"}).Input()
	if err != nil {
		panic(err)
	}
	fmt.Println("delete's condition:", *in.ConditionExpression)
	fmt.Println("requests:", db.Requests())
	// Output:
	// no partition key: true
	// delete's condition: attribute_exists(#gk) AND #go = :gc
	// requests: 0
}

func ExampleGuard_Update() {
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	u := docs.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "Q3 plan")
	in, _ := u.Input()
	fmt.Println(*in.ConditionExpression)
	fmt.Println(*in.UpdateExpression)

	err = u.Run(context.Background())
	fmt.Println(err, db.Requests())
	// Output:
	// attribute_exists(#gk) AND #go = :gc
	// SET #n0 = :v0 ADD #gv :g1
	// <nil> 1
}

func ExampleGuard_Update_notOwner() {
	// The document changed hands after the handler read it: DynamoDB
	// refuses the write and returns the item as it is now.
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(
		ddbguardtest.Item(map[string]any{"id": "doc-1", "owner": "bob", "title": "secret"})))
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	err = docs.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "mine now").Run(context.Background())

	var e *ddbguard.Error
	errors.As(err, &e)
	fmt.Println(errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err))
	fmt.Println(err)
	fmt.Println("item shown:", e.Item != nil, "requests:", db.Requests())
	// Output:
	// true 404
	// ddbguard: update docs: not owner
	// item shown: false requests: 1
}

func ExampleGuard_Update_conflict() {
	// Alice edits version 3, but version 4 is stored: she owns the item, so
	// the error carries it and she can merge without another read.
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(
		ddbguardtest.Item(map[string]any{"id": "doc-1", "owner": "alice", "version": 4})))
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	err = docs.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "v3 edit").IfVersion(3).Run(context.Background())

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
	// is sent: the mock has no answer set, and none is needed.
	db := new(ddbguardtest.API)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	err = docs.Update("mallory", ddbguard.Key{PK: "doc-1"}).Set("owner", "mallory").Run(context.Background())
	fmt.Println(errors.Is(err, ddbguard.ErrProtectedAttribute), ddbguard.HTTPStatus(err), db.Requests())
	// Output:
	// true 400 0
}

func ExampleGuard_Update_with() {
	// Nested paths and functions go through the expression package; their
	// names are checked like Set's and the guard still applies.
	docs, err := ddbguard.New(new(ddbguardtest.API), ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}
	in, _ := docs.Update("alice", ddbguard.Key{PK: "doc-1"}).
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
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	u := docs.Transfer("alice", ddbguard.Key{PK: "doc-1"}, "bob")
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
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Editors: "editors"})
	if err != nil {
		panic(err)
	}

	add := docs.AddEditors("alice", ddbguard.Key{PK: "doc-1"}, "carol")
	in, _ := add.Input()
	fmt.Println(*in.UpdateExpression)
	fmt.Println(add.Run(context.Background()))

	in, _ = docs.Update("carol", ddbguard.Key{PK: "doc-1"}).Set("title", "Edited").Input()
	fmt.Println(*in.ConditionExpression)
	// Output:
	// ADD #ge :ge
	// <nil>
	// attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc)))
}

func ExampleGuard_Delete() {
	// No item under the key: DynamoDB's failed condition returns nothing.
	db := new(ddbguardtest.API)
	db.On("DeleteItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(nil))
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	err = docs.Delete("alice", ddbguard.Key{PK: "doc-404"}).Run(context.Background())
	fmt.Println(errors.Is(err, ddbguard.ErrNotFound), ddbguard.HTTPStatus(err))
	// Output:
	// true 404
}

func ExampleGuard_Create() {
	db := new(ddbguardtest.API)
	db.On("PutItem", mock.Anything, mock.Anything).Return(&dynamodb.PutItemOutput{}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	c := docs.Create("alice", map[string]any{"id": "doc-2", "title": "Notes"})
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
	db := new(ddbguardtest.API)
	db.On("PutItem", mock.Anything, mock.Anything).Return(nil, ddbguardtest.ConditionFailed(
		ddbguardtest.Item(map[string]any{"id": "doc-2", "owner": "bob"})))
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	err = docs.Create("alice", map[string]any{"id": "doc-2"}).Run(context.Background())
	fmt.Println(errors.Is(err, ddbguard.ErrAlreadyExists), errors.Is(err, ddbguard.ErrConflict), ddbguard.HTTPStatus(err))
	// Output:
	// true true 409
}

func ExampleGuard_Replace() {
	db := new(ddbguardtest.API)
	db.On("PutItem", mock.Anything, mock.Anything).Return(&dynamodb.PutItemOutput{}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	r := docs.Replace("alice", map[string]any{"id": "doc-1", "title": "Rewritten"}).IfVersion(4)
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
	// The stored document is bob's.
	db := new(ddbguardtest.API)
	db.On("GetItem", mock.Anything, mock.Anything).Return(&dynamodb.GetItemOutput{
		Item: ddbguardtest.Item(map[string]any{"id": "doc-1", "owner": "bob", "title": "secret"}),
	}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	var doc struct{ Title string }
	err = docs.Get(context.Background(), "alice", ddbguard.Key{PK: "doc-1"}, &doc)
	fmt.Println(errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err), doc.Title == "")

	err = docs.Get(context.Background(), "bob", ddbguard.Key{PK: "doc-1"}, &doc)
	fmt.Println(err, doc.Title)
	// Output:
	// true 404 true
	// <nil> secret
}

func ExampleNewTx() {
	// Alice hands two documents to Bob: both move or neither does, and each
	// keeps its own guard.
	db := new(ddbguardtest.API)
	db.On("TransactWriteItems", mock.Anything, mock.Anything).Return(&dynamodb.TransactWriteItemsOutput{}, nil)
	docs, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Version: "version"})
	if err != nil {
		panic(err)
	}

	err = ddbguard.NewTx(db).
		Update(docs.Transfer("alice", ddbguard.Key{PK: "doc-1"}, "bob")).
		Update(docs.Transfer("alice", ddbguard.Key{PK: "doc-2"}, "bob")).
		Token("handover-7f3a").
		Run(context.Background())
	fmt.Println(err, db.Requests())
	// Output:
	// <nil> 1
}

func ExampleGuard_Check() {
	// Only an admin of org#1 may rename the org's shared document. The
	// membership is checked in the same transaction as the write, so a
	// revocation cannot slip in between. Here alice is not an admin:
	// DynamoDB cancels the transaction on its first item, the check.
	db := new(ddbguardtest.API)
	db.On("TransactWriteItems", mock.Anything, mock.Anything).Return(nil, ddbguardtest.TxCanceled(
		ddbguardtest.ReasonConditionFailed(nil), ddbguardtest.ReasonNone()))
	members, err := ddbguard.New(db, ddbguard.Schema{Table: "members", PartitionKey: "pk", SortKey: "sk"})
	if err != nil {
		panic(err)
	}
	shared, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Editors: "editors"})
	if err != nil {
		panic(err)
	}

	err = ddbguard.NewTx(db).
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
