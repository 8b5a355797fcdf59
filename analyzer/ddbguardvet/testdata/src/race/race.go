// Package race holds read-then-write patterns: a read whose result decides
// whether an unconditioned write runs is a time-of-check/time-of-use race.
package race

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var errForbidden = errors.New("forbidden")

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}}
}

func ownerAttributeThenUpdate(ctx context.Context, c *dynamodb.Client, id, caller string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("docs"), Key: key(id)})
	if err != nil {
		return err
	}
	owner, _ := out.Item["owner"].(*types.AttributeValueMemberS)
	if owner == nil || owner.Value != caller {
		return errForbidden
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: key(id), UpdateExpression: aws.String("SET v = :v")}) // want `^UpdateItem without ConditionExpression .*; read-then-write race \(time-of-check/time-of-use\): the GetItem at race.go:22 .*; use ddbguard Guard.Update .* \(the owner check runs inside the write\)$`
	return err
}

type doc struct {
	ID    string `dynamodbav:"pk"`
	Owner string `dynamodbav:"owner"`
}

func unmarshalThenDelete(ctx context.Context, c *dynamodb.Client, id, caller string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	var d doc
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return err
	}
	if d.Owner == caller {
		_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key(id)}) // want `^DeleteItem without .*; read-then-write race .* the GetItem at race.go:40 `
	}
	return err
}

func queryThenPut(ctx context.Context, c *dynamodb.Client, caller string) {
	out, _ := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("docs")})
	for _, item := range out.Items {
		if o, ok := item["owner"].(*types.AttributeValueMemberS); ok && o.Value == caller {
			c.PutItem(ctx, &dynamodb.PutItemInput{Item: item}) // want `^PutItem without .*; read-then-write race .* the Query at race.go:55 .*Guard.List`
		}
	}
}

func existenceThenPut(ctx context.Context, c *dynamodb.Client, id string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	if out.Item == nil {
		return errors.New("not found")
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{Item: key(id)}) // want `read-then-write race .* the GetItem at race.go:64`
	return err
}

func authorize(item map[string]types.AttributeValue, caller string) error {
	if o, ok := item["owner"].(*types.AttributeValueMemberS); !ok || o.Value != caller {
		return errForbidden
	}
	return nil
}

func authorizeHelperThenDelete(ctx context.Context, c *dynamodb.Client, id, caller string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	if err := authorize(out.Item, caller); err != nil {
		return err
	}
	in := &dynamodb.DeleteItemInput{Key: key(id)}
	_, err = c.DeleteItem(ctx, in) // want `read-then-write race .* the GetItem at race.go:83`
	return err
}

// Not races: the read decides nothing, or the write carries its own check.

func onlyErrorChecked(ctx context.Context, c *dynamodb.Client, id string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	var d doc
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return err
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: key(d.ID)}) // want `^UpdateItem without ConditionExpression`
	return err
}

func comparedButNotDeciding(ctx context.Context, c *dynamodb.Client, id, caller string, logf func(string)) {
	out, _ := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if o, _ := out.Item["owner"].(*types.AttributeValueMemberS); o == nil || o.Value != caller {
		logf("writing someone else's item")
	}
	c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key(id)}) // want `^DeleteItem without ConditionExpression`
}

func comparedButWriteConditioned(ctx context.Context, c *dynamodb.Client, id, caller string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	if o, _ := out.Item["owner"].(*types.AttributeValueMemberS); o == nil || o.Value != caller {
		return errForbidden
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		Key:                       key(id),
		UpdateExpression:          aws.String("SET v = :v"),
		ConditionExpression:       aws.String("#o = :caller"),
		ExpressionAttributeNames:  map[string]string{"#o": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":caller": &types.AttributeValueMemberS{Value: caller}},
	})
	return err
}
