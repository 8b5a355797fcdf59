// Package ddblocal holds the test harness pieces that connect ddbguard's
// integration tests, examples and benchmarks to a DynamoDB: usually DynamoDB
// Local started by scripts/dynamodb-local.sh (make test does it), or any
// DynamoDB named by DDBGUARD_DYNAMODB_ENDPOINT.
//
// Clients made here use region us-east-1 and static fake credentials, which
// DynamoDB Local accepts (it checks that a SigV4 header is present, not the
// signature). The scripts start the server with -sharedDb, so every client
// sees the same tables whatever its credentials or region.
package ddblocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// EnvEndpoint names the environment variable holding the endpoint of the
// DynamoDB that integration tests use, e.g. http://127.0.0.1:8000.
const EnvEndpoint = "DDBGUARD_DYNAMODB_ENDPOINT"

// EnvRequire names the environment variable that, set to 1, turns a missing
// endpoint into a test failure instead of a skip (make test and CI set it).
const EnvRequire = "DDBGUARD_REQUIRE_DYNAMODB"

// Region is the region of every client made here.
const Region = "us-east-1"

// Fake credentials: DynamoDB Local wants an access key id made of letters and
// digits only, and does not verify the signature.
const (
	fakeAccessKeyID     = "ddbguardlocal"
	fakeSecretAccessKey = "ddbguardlocal"
)

// NewClient returns a *dynamodb.Client for endpoint (region us-east-1,
// static fake credentials, BaseEndpoint set).
func NewClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{
				AccessKeyID:     fakeAccessKeyID,
				SecretAccessKey: fakeSecretAccessKey,
				Source:          "ddblocal",
			}, nil
		}),
	})
}

// Client returns a client for the endpoint in EnvEndpoint. When that is
// unset it skips the test, unless EnvRequire is 1, in which case the test
// fails.
func Client(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	endpoint := strings.TrimSpace(os.Getenv(EnvEndpoint))
	if endpoint == "" {
		msg := fmt.Sprintf("%s is not set: this test needs DynamoDB "+
			"(run `make test`, which starts DynamoDB Local, or start one with "+
			"`make dynamodb-start` and export %s=$(scripts/dynamodb-local.sh endpoint))",
			EnvEndpoint, EnvEndpoint)
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatal(msg + "; " + EnvRequire + "=1 makes this a failure")
		}
		skipped.Store(tb.Name(), true)
		tb.Skip(msg)
	}
	return NewClient(endpoint)
}

// Table describes a table to create. SK may be "". Types default to S.
// Index optionally names a global secondary index (projection ALL) whose
// partition key IndexPK (type S) and optional sort key IndexSK may be
// attributes of the table's key too.
type Table struct {
	Name, PK, SK   string
	PKType, SKType types.ScalarAttributeType

	Index, IndexPK, IndexSK string
	IndexSKType             types.ScalarAttributeType
}

// CreateTable creates the table (PAY_PER_REQUEST) and waits until it is
// ACTIVE.
func CreateTable(ctx context.Context, c *dynamodb.Client, t Table) error {
	if t.Name == "" || t.PK == "" {
		return errors.New("ddblocal: Table needs Name and PK")
	}
	attrs := []types.AttributeDefinition{{AttributeName: aws.String(t.PK), AttributeType: scalar(t.PKType)}}
	keys := []types.KeySchemaElement{{AttributeName: aws.String(t.PK), KeyType: types.KeyTypeHash}}
	if t.SK != "" {
		attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(t.SK), AttributeType: scalar(t.SKType)})
		keys = append(keys, types.KeySchemaElement{AttributeName: aws.String(t.SK), KeyType: types.KeyTypeRange})
	}
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(t.Name),
		AttributeDefinitions: attrs,
		KeySchema:            keys,
		BillingMode:          types.BillingModePayPerRequest,
	}
	if t.Index != "" {
		if t.IndexPK == "" {
			return errors.New("ddblocal: Table.Index needs IndexPK")
		}
		defined := map[string]bool{t.PK: true, t.SK: true}
		define := func(name string, typ types.ScalarAttributeType) {
			if !defined[name] {
				defined[name] = true
				in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: scalar(typ)})
			}
		}
		define(t.IndexPK, types.ScalarAttributeTypeS)
		ikeys := []types.KeySchemaElement{{AttributeName: aws.String(t.IndexPK), KeyType: types.KeyTypeHash}}
		if t.IndexSK != "" {
			define(t.IndexSK, t.IndexSKType)
			ikeys = append(ikeys, types.KeySchemaElement{AttributeName: aws.String(t.IndexSK), KeyType: types.KeyTypeRange})
		}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(t.Index),
			KeySchema:  ikeys,
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("ddblocal: create table %s: %w", t.Name, err)
	}
	return waitActive(ctx, c, t.Name)
}

// waitActive polls DescribeTable with a short backoff. The SDK's waiter
// starts at a 20 s delay, far too slow for a local server where tables are
// ACTIVE at once (real DynamoDB takes seconds).
func waitActive(ctx context.Context, c *dynamodb.Client, name string) error {
	delay := 20 * time.Millisecond
	for {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		var notFound *types.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
			// Eventually consistent right after CreateTable: try again.
		case err != nil:
			return fmt.Errorf("ddblocal: describe table %s: %w", name, err)
		case out.Table != nil && out.Table.TableStatus == types.TableStatusActive:
			return nil
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("ddblocal: waiting for table %s to be ACTIVE: %w", name, ctx.Err())
		case <-timer.C:
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}

func scalar(t types.ScalarAttributeType) types.ScalarAttributeType {
	if t == "" {
		return types.ScalarAttributeTypeS
	}
	return t
}

// tableTimeout bounds table creation and deletion in NewTable; real DynamoDB
// can take tens of seconds.
const tableTimeout = 2 * time.Minute

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// NewTable creates a uniquely named table (prefix from t.Name or "t", plus a
// random suffix), registers tb.Cleanup to delete it, and returns the name.
func NewTable(tb testing.TB, c *dynamodb.Client, t Table) string {
	tb.Helper()
	prefix := unsafeName.ReplaceAllString(t.Name, "_")
	if prefix == "" {
		prefix = "t"
	}
	if len(prefix) > 200 {
		prefix = prefix[:200]
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("ddblocal: random table suffix: %v", err)
	}
	t.Name = prefix + "-" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), tableTimeout)
	defer cancel()
	if err := CreateTable(ctx, c, t); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), tableTimeout)
		defer cancel()
		_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(t.Name)})
		var notFound *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &notFound) {
			tb.Errorf("ddblocal: delete table %s: %v", t.Name, err)
		}
	})
	return t.Name
}
