package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// envEndpoint names the environment variable that the -endpoint flag
// defaults to; the repository's Makefile and tests set it to DynamoDB Local.
const envEndpoint = "DDBGUARD_DYNAMODB_ENDPOINT"

// newClient builds the DynamoDB client the way production code does, from
// the environment's AWS configuration (credentials, region, retries). A
// non-empty endpoint overrides BaseEndpoint, for DynamoDB Local.
//
// On a loopback endpoint only, a machine with no AWS configuration still
// works: the region defaults to us-east-1 and, when no credentials are
// configured, fixed fake ones are used (DynamoDB Local checks that a request
// is signed, not by whom). Fake credentials are never sent anywhere else.
func newClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	endpoint = strings.TrimSpace(endpoint)
	local, err := isLoopback(endpoint)
	if err != nil {
		return nil, err
	}
	var opts []func(*config.LoadOptions) error
	if local {
		// No instance metadata lookups for a local server: on a laptop they
		// only add seconds of timeouts before the fallback below.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if local {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
		}
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if local {
			// DynamoDB Local sends no x-amz-crc32 header on error answers
			// (such as a failed condition), and the SDK then logs a spurious
			// "failed to close HTTP response body" warning for each one
			// (aws/aws-sdk-go-v2 issue 3545). AWS sends the header.
			o.DisableValidateResponseChecksum = true
		}
	}), nil
}

// isLoopback reports whether endpoint is an http(s) URL whose host is
// localhost or a loopback address. "" is AWS itself: not loopback.
func isLoopback(endpoint string) (bool, error) {
	if endpoint == "" {
		return false, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false, fmt.Errorf("endpoint %q: want a URL such as http://127.0.0.1:8000", endpoint)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// createTable creates the items table unless it exists, and waits until
// it is ACTIVE. Its layout is api.Schema's: partition key "tenant", sort
// key "id", and the global secondary index api.OwnerIndex with the owner
// as partition key and the tenant as sort key, projecting ALL (GET /items
// shows whole items). All keys are strings.
func createTable(ctx context.Context, db *dynamodb.Client, table string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s := api.Schema(table)
	str := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(name string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
	}
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{str(s.PartitionKey), str(s.SortKey), str(s.Owner)},
		KeySchema:            []types.KeySchemaElement{key(s.PartitionKey, types.KeyTypeHash), key(s.SortKey, types.KeyTypeRange)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(s.OwnerIndex),
			KeySchema:  []types.KeySchemaElement{key(s.Owner, types.KeyTypeHash), key(s.Tenant, types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	// The waiter's first check is immediate; DynamoDB Local answers ACTIVE
	// at once, real DynamoDB within seconds (the index may take longer).
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, 5*time.Second
	})
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 2*time.Minute)
}
