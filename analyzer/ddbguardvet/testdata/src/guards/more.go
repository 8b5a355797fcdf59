package guards

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// builder stands in for a ddbguard builder: Input returns a guarded input.
type builder struct{ caller string }

func (b *builder) Input() (*dynamodb.UpdateItemInput, error) {
	return &dynamodb.UpdateItemInput{Key: key, ConditionExpression: aws.String("#o = :caller")}, nil
}

func builderInput(ctx context.Context, c *dynamodb.Client, b *builder) error {
	in, err := b.Input()
	if err != nil {
		return err
	}
	_, err = c.UpdateItem(ctx, in)
	return err
}

func expressionAssignedLater(ctx context.Context, c *dynamodb.Client) error {
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeExists(expression.Name("pk"))).Build()
	if err != nil {
		return err
	}
	in := &dynamodb.DeleteItemInput{Key: key}
	in.ConditionExpression = expr.Condition()
	in.ExpressionAttributeNames = expr.Names()
	_, err = c.DeleteItem(ctx, in)
	return err
}

func decodedFromJSON(ctx context.Context, c *dynamodb.Client, body []byte) {
	in := &dynamodb.PutItemInput{}
	if json.Unmarshal(body, in) == nil {
		c.PutItem(ctx, in)
	}
}

func rangeOverInputs(ctx context.Context, c *dynamodb.Client, inputs []*dynamodb.PutItemInput) {
	for _, in := range inputs {
		c.PutItem(ctx, in)
	}
}

var template = &dynamodb.PutItemInput{Item: key}

func globalInput(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, template)
}

func sentToWorker(ctx context.Context, c *dynamodb.Client, work chan<- *dynamodb.DeleteItemInput) {
	in := &dynamodb.DeleteItemInput{Key: key}
	work <- in
	c.DeleteItem(ctx, in)
}

func copyWithCondition(ctx context.Context, c *dynamodb.Client, base *dynamodb.PutItemInput) {
	in := &dynamodb.PutItemInput{Item: key}
	cp := *in
	cp.ConditionExpression = aws.String("attribute_not_exists(pk)")
	c.PutItem(ctx, &cp)
}

func throughFieldPointer(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.UpdateItemInput{Key: key}
	p := &in.ConditionExpression
	*p = aws.String("attribute_exists(pk)")
	c.UpdateItem(ctx, in)
}

func withGuard(in *dynamodb.PutItemInput) *dynamodb.PutItemInput {
	in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	return in
}

func reassignedThroughHelper(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.PutItemInput{Item: key}
	in = withGuard(in)
	c.PutItem(ctx, in)
}

// PutItemInput is a type of this package that merely shares the SDK's name.
type PutItemInput struct{ Item map[string]string }

type fakeClient struct{}

func (fakeClient) PutItem(ctx context.Context, in *PutItemInput) error { return nil }

func sameNameOtherType(ctx context.Context, c fakeClient) {
	c.PutItem(ctx, &PutItemInput{})
}

func readThenConditionedLater(ctx context.Context, c *dynamodb.Client, caller string) error {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key})
	if err != nil {
		return err
	}
	if o, _ := out.Item["owner"].(*types.AttributeValueMemberS); o == nil || o.Value != caller {
		return nil
	}
	in := &dynamodb.DeleteItemInput{Key: key}
	in.ConditionExpression = aws.String("#o = :caller")
	_, err = c.DeleteItem(ctx, in)
	return err
}

func readThenHelperInput(ctx context.Context, c *dynamodb.Client, caller string) {
	out, _ := c.GetItem(ctx, &dynamodb.GetItemInput{Key: key})
	if o, _ := out.Item["owner"].(*types.AttributeValueMemberS); o != nil && o.Value == caller {
		c.PutItem(ctx, newPut(out.Item))
	}
}

// guardPutItem shares the operation's name but adds the condition.
func guardPutItem(in *dynamodb.PutItemInput) {
	in.ConditionExpression = aws.String("attribute_not_exists(pk)")
}

func nameMatchingHelperAddsCondition(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.PutItemInput{Item: key}
	guardPutItem(in)
	c.PutItem(ctx, in)
}

// putOwned adds the owner condition, then sends.
func putOwned(ctx context.Context, c *dynamodb.Client, in *dynamodb.PutItemInput) error {
	in.ConditionExpression = aws.String("#o = :caller")
	_, err := c.PutItem(ctx, in)
	return err
}

func wrapperAddsCondition(ctx context.Context, c *dynamodb.Client) error {
	return putOwned(ctx, c, &dynamodb.PutItemInput{Item: key})
}
