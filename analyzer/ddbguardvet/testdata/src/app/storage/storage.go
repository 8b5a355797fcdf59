// Package storage is a storage layer of plain functions over DynamoDB, as
// many services have: reads return decoded items, writes send them as they
// are.
package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"vettest/app/model"
)

// Table is the table every function uses.
const Table = "docs"

func docKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}}
}

// GetDoc reads one document.
func GetDoc(ctx context.Context, db *dynamodb.Client, id string) (*model.Doc, error) { // want GetDoc:"returns GetItem data"
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(Table), Key: docKey(id)})
	if err != nil || out.Item == nil {
		return nil, err
	}
	var d model.Doc
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// SaveDoc stores the document as it is: whoever owns the stored one.
func SaveDoc(ctx context.Context, db *dynamodb.Client, d *model.Doc) error { // want SaveDoc:"writes PutItem unconditioned at storage.go:43 keyed by parameter \\[2\\]$"
	av, err := attributevalue.MarshalMap(d)
	if err != nil {
		return err
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(Table), Item: av}) // want `^PutItem without ConditionExpression`
	return err
}

// PutItem is a generic helper: it stores any item.
func PutItem(ctx context.Context, db *dynamodb.Client, item any) error { // want PutItem:"writes PutItem unconditioned at storage.go:53 keyed by parameter \\[2\\] \\(generic helper\\)"
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return err
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(Table), Item: av}) // want `^PutItem without ConditionExpression`
	return err
}

// DeleteItem is a generic helper: it deletes by partition and sort key.
func DeleteItem(ctx context.Context, db *dynamodb.Client, pk, sk string) error { // want DeleteItem:"writes DeleteItem unconditioned at storage.go:60 keyed by parameter \\[2 3\\] \\(generic helper\\)"
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
	_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(Table), Key: key}) // want `^DeleteItem without ConditionExpression .* Guard.Delete$`
	return err
}

// Send sends an input built by its caller: it writes through its input.
func Send(ctx context.Context, db *dynamodb.Client, in *dynamodb.UpdateItemInput) error { // want Send:"sends its input 2 unconditioned"
	_, err := db.UpdateItem(ctx, in)
	return err
}

// SaveDocGuarded refuses to overwrite another owner's document.
func SaveDocGuarded(ctx context.Context, db *dynamodb.Client, d *model.Doc) error {
	av, err := attributevalue.MarshalMap(d)
	if err != nil {
		return err
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(Table), Item: av,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #o = :o"),
		ExpressionAttributeNames:  map[string]string{"#o": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: d.OwnerID}},
	})
	return err
}
