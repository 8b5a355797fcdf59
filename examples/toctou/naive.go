package main

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ddbguard/ddbguard"
)

// naive is the read-then-write service that ddbguard replaces: every
// handler reads the item (time of check), compares the owner and version in
// Go, spends its think time, then writes with no condition (time of use).
// Whatever changed in between is overwritten. Do not copy this file.
type naive struct {
	db    ddbguard.API
	table string
	think time.Duration
}

var _ Items = (*naive)(nil)

// Create refuses an id that is taken, then stores the item.
func (s *naive) Create(ctx context.Context, caller, id string) error {
	cur, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	if cur != nil {
		return ddbguard.ErrAlreadyExists
	}
	if err := think(ctx, s.think); err != nil {
		return err
	}
	av, err := attributevalue.MarshalMap(newItem(id, caller))
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av})
	return err
}

// Update checks the owner, then sets the value.
func (s *naive) Update(ctx context.Context, caller, id, value string) error {
	cur, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	if err := cur.writableBy(caller); err != nil {
		return err
	}
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.update(ctx, id, appendHistory(entry(logUpdate, caller, value)).
		Set(expression.Name(attrValue), expression.Value(value)).
		Set(expression.Name(attrLastWriter), expression.Value(caller)).
		Add(expression.Name(attrVersion), expression.Value(1)))
}

// UpdateIfVersion checks the owner and the version, then writes the next
// version.
func (s *naive) UpdateIfVersion(ctx context.Context, caller, id string, version int64, value string) error {
	cur, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	if err := cur.writableBy(caller); err != nil {
		return err
	}
	if cur.Version != version {
		return ddbguard.ErrConflict
	}
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.update(ctx, id, appendHistory(entry(logUpdate, caller, strconv.FormatInt(version+1, 10)+" "+value)).
		Set(expression.Name(attrValue), expression.Value(value)).
		Set(expression.Name(attrLastWriter), expression.Value(caller)).
		Set(expression.Name(attrVersion), expression.Value(version+1)))
}

// Delete checks the owner, then deletes.
func (s *naive) Delete(ctx context.Context, caller, id string) error {
	cur, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	if err := cur.writableBy(caller); err != nil {
		return err
	}
	if err := think(ctx, s.think); err != nil {
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: itemKey(id)})
	return err
}

// Transfer checks the owner, then sets the new one.
func (s *naive) Transfer(ctx context.Context, caller, id, newOwner string) error {
	cur, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	if err := cur.writableBy(caller); err != nil {
		return err
	}
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.update(ctx, id, appendHistory(entry(logTransfer, newOwner, "")).
		Set(expression.Name(attrOwner), expression.Value(newOwner)).
		Add(expression.Name(attrVersion), expression.Value(1)))
}

// read is the time of check: a strongly consistent GetItem, so the race
// shown is not eventual consistency but the gap between check and use.
func (s *naive) read(ctx context.Context, id string) (*item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil || len(out.Item) == 0 {
		return nil, err
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, err
	}
	return &it, nil
}

// update is the time of use: an UpdateItem with no condition, which even
// creates the item if it was deleted meanwhile.
func (s *naive) update(ctx context.Context, id string, ub expression.UpdateBuilder) error {
	expr, err := expression.NewBuilder().WithUpdate(ub).Build()
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(id),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	return err
}

// writableBy is the check in Go: the item exists and caller owns it.
func (it *item) writableBy(caller string) error {
	switch {
	case it == nil:
		return ddbguard.ErrNotFound
	case it.Owner != caller:
		return ddbguard.ErrNotOwner
	}
	return nil
}
