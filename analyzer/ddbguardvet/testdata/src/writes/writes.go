// Package writes holds unguarded writes: every one must be reported.
package writes

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var key = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "doc#1"}}

func putLiteral(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("docs"), Item: key}) // want `^PutItem without ConditionExpression or Expected .* ddbguard Guard.Create \(a new item\) or Guard.Replace \(an existing one\)$`
}

func updateLiteral(ctx context.Context, c *dynamodb.Client) error {
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{ // want `^UpdateItem without ConditionExpression or Expected .* ddbguard Guard.Update \(Guard.Transfer to change the owner\)$`
		TableName:        aws.String("docs"),
		Key:              key,
		UpdateExpression: aws.String("SET title = :t"),
	})
	return err
}

func deleteLiteral(ctx context.Context, c *dynamodb.Client) {
	_, _ = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("docs"), Key: key}) // want `DeleteItem without .* ddbguard Guard.Delete$`
}

func builtInVariable(ctx context.Context, c *dynamodb.Client, title string) {
	in := &dynamodb.UpdateItemInput{TableName: aws.String("docs"), Key: key}
	in.UpdateExpression = aws.String("SET title = :t")
	in.ExpressionAttributeValues = map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: title}}
	c.UpdateItem(ctx, in) // want `UpdateItem without`
}

func valueVariable(ctx context.Context, c *dynamodb.Client) {
	var in dynamodb.DeleteItemInput
	in.TableName = aws.String("docs")
	in.Key = key
	c.DeleteItem(ctx, &in) // want `DeleteItem without`
}

func newInput(ctx context.Context, c *dynamodb.Client) {
	in := new(dynamodb.PutItemInput)
	in.Item = key
	c.PutItem(ctx, in) // want `PutItem without`
}

func explicitNil(ctx context.Context, c *dynamodb.Client) {
	c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key, ConditionExpression: nil}) // want `DeleteItem without`
}

// API is a consumer-defined interface, as ddbguard.API is.
type API interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

func throughInterface(ctx context.Context, api API) {
	api.PutItem(ctx, &dynamodb.PutItemInput{Item: key}) // want `PutItem without`
}

// Store wraps the client with retries.
type Store struct{ c *dynamodb.Client }

// UpdateItemWithRetry sends in, retrying throttled requests.
func (s *Store) UpdateItemWithRetry(ctx context.Context, in *dynamodb.UpdateItemInput) error { // want UpdateItemWithRetry:"sends its input 2 unconditioned"
	_, err := s.c.UpdateItem(ctx, in)
	return err
}

func throughWrapper(ctx context.Context, s *Store) {
	s.UpdateItemWithRetry(ctx, &dynamodb.UpdateItemInput{Key: key}) // want `UpdateItem without`
}

func throughFuncValue(ctx context.Context, put func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)) {
	put(ctx, &dynamodb.PutItemInput{Item: key}) // want `PutItem without`
}

func retry(f func() error) error { return f() }

func insideClosure(ctx context.Context, c *dynamodb.Client) error {
	in := &dynamodb.DeleteItemInput{Key: key}
	return retry(func() error {
		_, err := c.DeleteItem(ctx, in) // want `DeleteItem without`
		return err
	})
}

func oneBranchUnguarded(ctx context.Context, c *dynamodb.Client, create bool) {
	var in *dynamodb.PutItemInput
	if create {
		in = &dynamodb.PutItemInput{Item: key, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	} else {
		in = &dynamodb.PutItemInput{Item: key}
	}
	c.PutItem(ctx, in) // want `PutItem without`
}

func loggedFirst(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.DeleteItemInput{Key: key}
	fmt.Println("deleting", in)
	defer c.DeleteItem(ctx, in) // want `DeleteItem without`
}

func withOptions(ctx context.Context, c *dynamodb.Client) {
	c.PutItem(ctx, &dynamodb.PutItemInput{Item: key}, func(o *dynamodb.Options) { o.Region = "eu-west-1" }) // want `PutItem without`
}

func loggedWithSlog(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.UpdateItemInput{Key: key}
	slog.Info("updating", "input", in)
	c.UpdateItem(ctx, in) // want `UpdateItem without`
}

func inGoroutine(ctx context.Context, c *dynamodb.Client) {
	go c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key}) // want `DeleteItem without`
}

func boundMethod(ctx context.Context, c *dynamodb.Client) {
	put := c.PutItem
	put(ctx, &dynamodb.PutItemInput{Item: key}) // want `PutItem without`
}

func otherInputConditioned(ctx context.Context, c *dynamodb.Client) {
	guarded := &dynamodb.PutItemInput{Item: key}
	guarded.ConditionExpression = aws.String("attribute_not_exists(pk)")
	c.PutItem(ctx, guarded)
	c.PutItem(ctx, &dynamodb.PutItemInput{Item: key}) // want `PutItem without`
}

// send is a wrapper of any name: what it does with in is analyzed.
func send(ctx context.Context, c *dynamodb.Client, in *dynamodb.DeleteItemInput) error {
	_, err := c.DeleteItem(ctx, in)
	return err
}

func throughLocalWrapper(ctx context.Context, c *dynamodb.Client) error {
	return send(ctx, c, &dynamodb.DeleteItemInput{Key: key}) // want `DeleteItem without`
}

// describe only reads the input.
func describe(in *dynamodb.PutItemInput) string { return fmt.Sprint(len(in.Item)) }

func describedFirst(ctx context.Context, c *dynamodb.Client) {
	in := &dynamodb.PutItemInput{Item: key}
	fmt.Println(describe(in))
	c.PutItem(ctx, in) // want `PutItem without`
}
