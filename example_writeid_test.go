package ddbguard_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// lostOnceDB applies the first UpdateItem and loses its response, as a
// connection reset while reading does; it then holds the item as that
// write left it, WriteID included.
type lostOnceDB struct {
	exampleDB
	stored map[string]types.AttributeValue
}

func (db *lostOnceDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	db.requests++
	if db.stored == nil {
		db.stored = item(map[string]any{"id": "doc-1", "owner": "alice", "n": 1})
		db.stored["write_id"] = in.ExpressionAttributeValues[":gw"]
		return nil, errors.New("connection reset by peer")
	}
	// The retry's condition fails on the id its first attempt stored.
	return nil, &types.ConditionalCheckFailedException{Item: db.stored}
}

// With Schema.WriteID a write that landed while its response was lost is
// recognized on retry by its own id: the Add is applied once and the
// caller is told it succeeded.
func ExampleSchema_writeID() {
	db := &lostOnceDB{}
	g, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", WriteID: "write_id"})
	if err != nil {
		panic(err)
	}
	add := g.Update("alice", ddbguard.Key{PK: "doc-1"}).Add("n", 1)
	fmt.Println("first run:", add.Run(context.Background()) != nil)
	fmt.Println("retry:", add.Run(context.Background()))
	fmt.Println("requests:", db.requests)
	// Output:
	// first run: true
	// retry: <nil>
	// requests: 2
}

// foreignDB holds someone else's item under every key: a write's
// condition fails, and the classification Query reads one item that its
// filter drops.
type foreignDB struct{ exampleDB }

func (db *foreignDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	db.requests++
	return nil, &types.ConditionalCheckFailedException{} // NONE: no item
}

func (db *foreignDB) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	db.requests++
	return &dynamodb.QueryOutput{ScannedCount: 1, Count: 0}, nil
}

// Under WithoutOldItem no answer carries an item the caller may not see: a
// refusal is classified by one Query that returns only the caller's own.
func ExampleWithoutOldItem() {
	db := &foreignDB{}
	g, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id"}, ddbguard.WithoutOldItem())
	if err != nil {
		panic(err)
	}
	err = g.Update("mallory", ddbguard.Key{PK: "doc-1"}).Set("title", "x").Run(context.Background())
	var e *ddbguard.Error
	errors.As(err, &e)
	fmt.Println(errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err), e.Item == nil, db.requests)
	// Output: true 404 true 2
}
