package ddbguard_test

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The examples of List, the views and WriteID share this stand-in for
// DynamoDB; example_test.go shows the single writes on ddbguardtest.API.

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
