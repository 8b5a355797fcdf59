package storage

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrUsed is returned for a token consumed before.
var ErrUsed = errors.New("token already used")

var one = map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}

// IncrementViews counts a view: a counter nobody owns.
func IncrementViews(ctx context.Context, db *dynamodb.Client, id string) error { // want IncrementViews:"low: increment-only update"
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{ // want `^low severity \(increment-only update\): UpdateItem without`
		TableName: aws.String(Table), Key: docKey(id),
		UpdateExpression: aws.String("ADD views :one"), ExpressionAttributeValues: one,
	})
	return err
}

// Touch counts with SET n = n + :one.
func Touch(ctx context.Context, db *dynamodb.Client, id string) error { // want Touch:"low: increment-only update"
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{ // want `^low severity \(increment-only update\)`
		TableName: aws.String(Table), Key: docKey(id),
		UpdateExpression: aws.String("SET hits = if_not_exists(hits, :zero) + :one, n = n + :one"), ExpressionAttributeValues: one,
	})
	return err
}

// Like counts with the expression builder's Add.
func Like(ctx context.Context, db *dynamodb.Client, id string) error { // want Like:"low: increment-only update"
	upd, err := expression.NewBuilder().WithUpdate(expression.Add(expression.Name("likes"), expression.Value(1))).Build()
	if err != nil {
		return err
	}
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{ // want `^low severity \(increment-only update\)`
		TableName: aws.String(Table), Key: docKey(id), UpdateExpression: upd.Update(),
		ExpressionAttributeNames: upd.Names(), ExpressionAttributeValues: upd.Values(),
	})
	return err
}

// ConsumeToken deletes a one-time token; the old item says whether this
// call consumed it, so a concurrent consumer is seen.
func ConsumeToken(ctx context.Context, db *dynamodb.Client, token string) error { // want ConsumeToken:"low: consume-once delete"
	out, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{ // want `^low severity \(consume-once delete, ReturnValues checked\): DeleteItem without`
		TableName: aws.String("tokens"), Key: docKey(token), ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return err
	}
	if len(out.Attributes) == 0 {
		return ErrUsed
	}
	return nil
}

// ClaimJob sets a flag and checks the old value: test-and-set.
func ClaimJob(ctx context.Context, db *dynamodb.Client, id string) (bool, error) { // want ClaimJob:"low: test-and-set update"
	out, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{ // want `^low severity \(test-and-set update, ReturnValues checked\)`
		TableName: aws.String("jobs"), Key: docKey(id), UpdateExpression: aws.String("SET claimed = :t"),
		ReturnValues: types.ReturnValueUpdatedOld,
	})
	if err != nil {
		return false, err
	}
	_, was := out.Attributes["claimed"]
	return !was, nil
}

// RenameUnchecked asks for the old item but never looks at it: still high.
func RenameUnchecked(ctx context.Context, db *dynamodb.Client, id string) error { // want RenameUnchecked:"writes UpdateItem unconditioned at counters.go:79"
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{ // want `^UpdateItem without`
		TableName: aws.String(Table), Key: docKey(id), UpdateExpression: aws.String("SET title = :t"),
		ReturnValues: types.ReturnValueAllOld,
	})
	return err
}
