package ddbguard_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// query answers a Query on the owner index as DynamoDB would, without
// filters: the items of table whose owner is the key condition's, in
// table order, from after ExclusiveStartKey, at most Limit of them, with
// LastEvaluatedKey set when Limit items were read.
func (db *exampleDB) query(in *dynamodb.QueryInput) *dynamodb.QueryOutput {
	owner := in.ExpressionAttributeNames["#go"]
	caller := in.ExpressionAttributeValues[":gc"]
	started := in.ExclusiveStartKey == nil
	out := &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{}}
	for _, it := range db.table {
		if it[owner].(*types.AttributeValueMemberS).Value != caller.(*types.AttributeValueMemberS).Value {
			continue
		}
		if !started {
			started = it["id"].(*types.AttributeValueMemberS).Value == in.ExclusiveStartKey["id"].(*types.AttributeValueMemberS).Value
			continue
		}
		out.Items = append(out.Items, it)
		if in.Limit != nil && int32(len(out.Items)) == *in.Limit {
			out.LastEvaluatedKey = map[string]types.AttributeValue{"id": it["id"], owner: it[owner]}
			break
		}
	}
	return out
}

// exampleLibrary is a table of documents of two owners, and a Guard with
// the owner index List queries.
func exampleLibrary() (*exampleDB, *ddbguard.Guard) {
	db := &exampleDB{table: []map[string]types.AttributeValue{
		item(map[string]any{"id": "doc-1", "owner": "alice", "title": "Q3 plan"}),
		item(map[string]any{"id": "doc-2", "owner": "bob", "title": "Bob's notes"}),
		item(map[string]any{"id": "doc-3", "owner": "alice", "title": "Budget"}),
		item(map[string]any{"id": "doc-4", "owner": "alice", "title": "Hiring"}),
		item(map[string]any{"id": "doc-5", "owner": "bob", "title": "Bob's plans"}),
		item(map[string]any{"id": "doc-6", "owner": "alice", "title": "Offsite"}),
		item(map[string]any{"id": "doc-7", "owner": "alice", "title": "Roadmap"}),
	}}
	g, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", OwnerIndex: "by_owner"})
	if err != nil {
		panic(err)
	}
	return db, g
}

type exampleDoc struct {
	ID    string `dynamodbav:"id"`
	Title string `dynamodbav:"title"`
}

func ExampleGuard_List() {
	// GET /items: the caller comes from the session, never from the request.
	db, g := exampleLibrary()

	in, _ := g.List("bob").Input()
	fmt.Println(*in.IndexName, *in.KeyConditionExpression)

	var page []exampleDoc
	next, err := g.List("bob").Page(context.Background(), &page)
	for _, d := range page {
		fmt.Println(d.ID, d.Title)
	}
	fmt.Println("last page:", next == "", "error:", err, "requests:", db.requests)
	// Output:
	// by_owner #go = :gc
	// doc-2 Bob's notes
	// doc-5 Bob's plans
	// last page: true error: <nil> requests: 1
}

func ExampleGuardedList_Page() {
	// Page through alice's documents two at a time. A page can hold fewer
	// items than Limit, even none; only an empty next cursor ends the list.
	db, g := exampleLibrary()

	cursor := "" // in a service: the ?cursor= the client sent back
	for {
		var page []exampleDoc
		next, err := g.List("alice").Limit(2).After(cursor).Page(context.Background(), &page)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(page, "more:", next != "")
		if next == "" {
			break
		}
		cursor = next
	}
	fmt.Println("requests:", db.requests)
	// Output:
	// [{doc-1 Q3 plan} {doc-3 Budget}] more: true
	// [{doc-4 Hiring} {doc-6 Offsite}] more: true
	// [{doc-7 Roadmap}] more: false
	// requests: 3
}

func ExampleGuardedList_After_anotherUsersCursor() {
	// Bob replays a cursor from alice's list: it is refused before any
	// request, so it cannot show him anything of hers.
	db, g := exampleLibrary()
	var page []exampleDoc
	alices, _ := g.List("alice").Limit(1).Page(context.Background(), &page)

	_, err := g.List("bob").After(alices).Page(context.Background(), &page)
	fmt.Println(errors.Is(err, ddbguard.ErrInvalidInput), ddbguard.HTTPStatus(err), len(page), db.requests)
	// Output:
	// true 400 0 1
}

func ExampleWithCursorKey() {
	// Sealed cursors hide the item keys from clients and cannot be edited.
	// The key comes from a secret store and is the same on every instance.
	key := []byte("0123456789abcdef0123456789abcdef") // 32 bytes: AES-256
	db, _ := exampleLibrary()
	g, _ := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", OwnerIndex: "by_owner"},
		ddbguard.WithCursorKey(key))

	var page []exampleDoc
	next, _ := g.List("alice").Limit(2).Page(context.Background(), &page)
	edited := []byte(next)
	edited[len(edited)/2] ^= 'A' ^ 'B'
	_, err := g.List("alice").After(string(edited)).Page(context.Background(), &page)
	fmt.Println(errors.Is(err, ddbguard.ErrInvalidInput), db.requests)

	_, err = ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", OwnerIndex: "by_owner"},
		ddbguard.WithCursorKey([]byte("too short")))
	fmt.Println(errors.Is(err, ddbguard.ErrInvalidInput))
	// Output:
	// true 1
	// true
}
