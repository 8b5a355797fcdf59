package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// The checker is independent of both implementations: it seeds items and
// reads the final state through its own client, and judges only what
// DynamoDB holds afterwards (plus what the service told its users).

// env is what the scenarios share: the checker's client, the table and the
// run's settings.
type env struct {
	db    *dynamodb.Client
	table string
	cfg   config
}

// seed stores a fresh item under id owned by owner. The id must be new:
// every round uses its own ids, and the condition makes sure of it.
func (e *env) seed(ctx context.Context, id, owner string) error {
	av, err := attributevalue.MarshalMap(newItem(id, owner))
	if err != nil {
		return err
	}
	_, err = e.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(e.table),
		Item:                     av,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	})
	if err != nil {
		return fmt.Errorf("seed %s: %w", id, err)
	}
	return nil
}

// load reads the final state of the item under id; nil when there is none.
func (e *env) load(ctx context.Context, id string) (*item, error) {
	out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		Key:            itemKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	return &it, nil
}

// staleWrites replays the item's history in the order DynamoDB applied it
// and counts the updates made by a user who did not own the item at that
// moment: an update that landed after a transfer, on someone else's item,
// or on a deleted item (which UpdateItem brings back as a ghost with no
// owner).
func staleWrites(it *item) int {
	if it == nil {
		return 0
	}
	owner, n := "", 0
	for _, e := range it.History {
		switch kind, who := parseEntry(e); kind {
		case logCreate, logTransfer:
			owner = who
		case logUpdate:
			if who != owner {
				n++
			}
		}
	}
	return n
}

// lostUpdates counts acknowledged updates that the item's version does not
// account for: every update that a user was told succeeded must have
// produced its own version, so the history of versions has no gap.
func lostUpdates(it *item, from int64, acked int) int {
	if it == nil {
		return acked
	}
	return max(0, acked-int(it.Version-from))
}

// falseCreates reports 1 when user was told "created" but does not own the
// item: another create overwrote it.
func falseCreates(it *item, user string) int {
	if it == nil || it.Owner != user {
		return 1
	}
	return 0
}
