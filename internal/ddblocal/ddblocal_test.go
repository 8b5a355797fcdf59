package ddblocal_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard/internal/ddblocal"
)

// TestMain runs the package's tests; without DynamoDB it then says how many
// integration tests were skipped and the command that runs them.
func TestMain(m *testing.M) { os.Exit(ddblocal.Main(m)) }

func TestReportSkipped_namesTheCountThePackageAndTheCommand(t *testing.T) {
	var b strings.Builder
	ddblocal.ReportSkipped(&b, "ddbguard.test", 57)
	want := "ddbguard: 57 integration tests skipped (" + ddblocal.EnvEndpoint + " is not set): run `make test`, which starts DynamoDB Local\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	b.Reset()
	ddblocal.ReportSkipped(&b, "api.test", 1)
	if !strings.HasPrefix(b.String(), "api: 1 integration test skipped (") {
		t.Errorf("one test: %q", b.String())
	}
}

func TestPutGet(t *testing.T) {
	c := ddblocal.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	name := ddblocal.NewTable(t, c, ddblocal.Table{Name: "ddblocal_putget", PK: "pk"})
	if !strings.HasPrefix(name, "ddblocal_putget-") {
		t.Fatalf("table name %q lacks the prefix", name)
	}
	item := map[string]types.AttributeValue{
		"pk":    &types.AttributeValueMemberS{Value: "item-1"},
		"owner": &types.AttributeValueMemberS{Value: "alice"},
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(name),
		Key:            map[string]types.AttributeValue{"pk": item["pk"]},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	owner, ok := out.Item["owner"].(*types.AttributeValueMemberS)
	if !ok || owner.Value != "alice" {
		t.Fatalf("GetItem returned %#v, want owner alice", out.Item)
	}
}

// TestSortKeyAndCleanup checks a composite key with a number sort key, a
// condition failure that returns the old item (what ddbguard relies on), and
// that the table is gone after the cleanup NewTable registers.
func TestSortKeyAndCleanup(t *testing.T) {
	c := ddblocal.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var name string
	t.Run("table", func(t *testing.T) {
		name = ddblocal.NewTable(t, c, ddblocal.Table{PK: "pk", SK: "n", SKType: types.ScalarAttributeTypeN})
		if !strings.HasPrefix(name, "t-") {
			t.Errorf("table name %q: want the default prefix t-", name)
		}
		desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		attrTypes := map[string]string{}
		for _, a := range desc.Table.AttributeDefinitions {
			attrTypes[aws.ToString(a.AttributeName)] = string(a.AttributeType)
		}
		if fmt.Sprint(attrTypes) != "map[n:N pk:S]" {
			t.Errorf("attribute types %v", attrTypes)
		}
		key := map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "a"},
			"n":  &types.AttributeValueMemberN{Value: "1"},
		}
		item := map[string]types.AttributeValue{"pk": key["pk"], "n": key["n"], "owner": &types.AttributeValueMemberS{Value: "bob"}}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item}); err != nil {
			t.Fatalf("PutItem: %v", err)
		}
		_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                           aws.String(name),
			Key:                                 key,
			UpdateExpression:                    aws.String("SET #v = :v"),
			ConditionExpression:                 aws.String("#o = :caller"),
			ExpressionAttributeNames:            map[string]string{"#v": "value", "#o": "owner"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "x"}, ":caller": &types.AttributeValueMemberS{Value: "mallory"}},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Fatalf("UpdateItem by a non-owner: err %v, want ConditionalCheckFailedException", err)
		}
		if owner, ok := ccf.Item["owner"].(*types.AttributeValueMemberS); !ok || owner.Value != "bob" {
			t.Errorf("ReturnValuesOnConditionCheckFailure item %#v, want owner bob", ccf.Item)
		}
	})
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("table %s still there after cleanup (err %v)", name, err)
	}
}

func TestCreateTableValidates(t *testing.T) {
	c := ddblocal.NewClient("http://127.0.0.1:1") // never reached
	if err := ddblocal.CreateTable(context.Background(), c, ddblocal.Table{Name: "x"}); err == nil {
		t.Fatal("CreateTable without PK: want an error")
	}
}

// fakeTB records Skip and Fatal instead of stopping the real test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Skip(args ...any)    { f.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Fatal(args ...any)   { f.failed = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Cleanup(func())      {}
func (f *fakeTB) Name() string        { return "fake" }
func (f *fakeTB) Logf(string, ...any) {}

func runClient(tb *fakeTB) *dynamodb.Client {
	var c *dynamodb.Client
	done := make(chan struct{})
	go func() {
		defer close(done)
		c = ddblocal.Client(tb)
	}()
	<-done
	return c
}

func TestClientWithoutEndpoint(t *testing.T) {
	t.Setenv(ddblocal.EnvEndpoint, "")

	t.Setenv(ddblocal.EnvRequire, "")
	tb := &fakeTB{}
	before := ddblocal.Skipped()
	if c := runClient(tb); c != nil || tb.skipped == "" || tb.failed != "" {
		t.Fatalf("without %s: client %v, skipped %q, failed %q; want a skip", ddblocal.EnvRequire, c, tb.skipped, tb.failed)
	}
	if got := ddblocal.Skipped(); got != before+1 && before == 0 {
		t.Errorf("Skipped() = %d after one skip, want %d: TestMain's notice counts skips", got, before+1)
	}
	for _, want := range []string{ddblocal.EnvEndpoint, "make test"} {
		if !strings.Contains(tb.skipped, want) {
			t.Errorf("skip message %q does not name %q", tb.skipped, want)
		}
	}

	t.Setenv(ddblocal.EnvRequire, "1")
	tb = &fakeTB{}
	if c := runClient(tb); c != nil || tb.failed == "" || tb.skipped != "" {
		t.Fatalf("with %s=1: client %v, skipped %q, failed %q; want a failure", ddblocal.EnvRequire, c, tb.skipped, tb.failed)
	}

	t.Setenv(ddblocal.EnvEndpoint, "http://127.0.0.1:1")
	tb = &fakeTB{}
	if c := runClient(tb); c == nil || tb.failed != "" || tb.skipped != "" {
		t.Fatalf("with an endpoint: client %v, skipped %q, failed %q; want a client", c, tb.skipped, tb.failed)
	}
}
