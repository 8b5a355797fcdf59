// Package dynamo implements repo.Notes on DynamoDB.
package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"vettest/app/model"
	"vettest/app/repo"
)

// Notes is the DynamoDB repository.
type Notes struct{ db *dynamodb.Client }

var _ repo.Notes = (*Notes)(nil)

// New returns the repository.
func New(db *dynamodb.Client) *Notes { return &Notes{db: db} }

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}}
}

// Find reads a note.
func (r *Notes) Find(ctx context.Context, id string) (*model.Note, error) { // want Find:"returns GetItem data"
	out, err := r.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("notes"), Key: key(id)})
	if err != nil {
		return nil, err
	}
	var n model.Note
	err = attributevalue.UnmarshalMap(out.Item, &n)
	return &n, err
}

// Save stores a note as it is.
func (r *Notes) Save(ctx context.Context, n *model.Note) error { // want Save:"writes PutItem unconditioned at dynamo.go:45 keyed by parameter \\[2\\]$"
	av, err := attributevalue.MarshalMap(n)
	if err != nil {
		return err
	}
	_, err = r.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("notes"), Item: av}) // want `^PutItem without ConditionExpression`
	return err
}

// Delete deletes a note.
func (r *Notes) Delete(ctx context.Context, id string) error { // want Delete:"writes DeleteItem unconditioned at dynamo.go:51 keyed by parameter \\[2\\] \\(generic helper\\)"
	_, err := r.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("notes"), Key: key(id)}) // want `^DeleteItem without ConditionExpression`
	return err
}

// Bump counts an edit.
func (r *Notes) Bump(ctx context.Context, id string) error { // want Bump:"low: increment-only update"
	_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("notes"), Key: key(id), UpdateExpression: aws.String("ADD edits :one")}) // want `^low severity \(increment-only update\)`
	return err
}
