// Package guards holds conditioned writes and inputs the analysis cannot see
// into: none of them may be reported.
package guards

import (
	"context"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var key = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "doc#1"}}

func conditionInLiteral(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, &dynamodb.PutItemInput{Item: key, ConditionExpression: aws.String("attribute_not_exists(pk)")})
}

func legacyExpected(ctx context.Context, c *dynamodb.Client) {
	c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key, Expected: map[string]types.ExpectedAttributeValue{
		"owner": {Value: &types.AttributeValueMemberS{Value: "alice"}},
	}})
}

func conditionAssignedLater(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.UpdateItemInput{Key: key, UpdateExpression: aws.String("SET title = :t")}
	in.ExpressionAttributeValues = map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: "x"}}
	in.ConditionExpression = aws.String("#o = :caller")
	c.UpdateItem(ctx, in)
}

func valueConditionAssignedLater(ctx context.Context, c *dynamodb.Client) {
	var in dynamodb.DeleteItemInput
	in.Key = key
	in.ConditionExpression = aws.String("attribute_exists(pk)")
	c.DeleteItem(ctx, &in)
}

func expectedAssignedLater(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.PutItemInput{Item: key}
	in.Expected = map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}
	c.PutItem(ctx, in)
}

func expressionPackage(ctx context.Context, c *dynamodb.Client, caller string) error {
	cond := expression.Name("owner").Equal(expression.Value(caller))
	upd := expression.Set(expression.Name("title"), expression.Value("x"))
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return err
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		Key:                       key,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		UpdateExpression:          expr.Update(),
	})
	return err
}

func conditionInBranch(ctx context.Context, c *dynamodb.Client, create bool) {
	in := &dynamodb.PutItemInput{Item: key}
	if create {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		in.ConditionExpression = aws.String("#o = :caller")
	}
	c.PutItem(ctx, in)
}

func conditionInClosure(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.DeleteItemInput{Key: key}
	guard := func() { in.ConditionExpression = aws.String("attribute_exists(pk)") }
	guard()
	c.DeleteItem(ctx, in)
}

func newPut(item map[string]types.AttributeValue) *dynamodb.PutItemInput {
	return &dynamodb.PutItemInput{Item: item}
}

func helperReturnsInput(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, newPut(key))
}

func parameterInput(ctx context.Context, c *dynamodb.Client, in *dynamodb.UpdateItemInput) {
	c.UpdateItem(ctx, in)
}

func addOwnerGuard(in *dynamodb.DeleteItemInput, caller string) {
	in.ConditionExpression = aws.String("#o = :caller")
}

func helperAddsCondition(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.DeleteItemInput{Key: key}
	addOwnerGuard(in, "alice")
	c.DeleteItem(ctx, in)
}

type request struct{ in *dynamodb.PutItemInput }

func (r *request) send(ctx context.Context, c *dynamodb.Client) { c.PutItem(ctx, r.in) }

func storedInStruct(ctx context.Context, c *dynamodb.Client) {
	r := &request{in: &dynamodb.PutItemInput{Item: key}}
	r.send(ctx, c)
}

func conditionThroughCapturedVariable(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.PutItemInput{Item: key}
	func() { in.ConditionExpression = aws.String("attribute_not_exists(pk)") }()
	log.Printf("put %v", in)
	c.PutItem(ctx, in)
}

func conditionCheckItem(ctx context.Context, c *dynamodb.Client) {
	c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{Key: key, ConditionExpression: aws.String("attribute_exists(pk)")}},
		{Put: &types.Put{Item: key, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
}

func txConditionAssignedLater(ctx context.Context, c *dynamodb.Client) {
	del := &types.Delete{Key: key}
	del.ConditionExpression = aws.String("#o = :caller")
	upd := types.Update{Key: key, UpdateExpression: aws.String("SET n = n + :one")}
	upd.ConditionExpression = aws.String("#o = :caller")
	c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: del}, {Update: &upd},
	}})
}

func txConditionThroughSlice(ctx context.Context, c *dynamodb.Client) {
	items := []types.TransactWriteItem{{Put: &types.Put{Item: key}}}
	items[0].Put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
}
