package bench

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/guregu/dynamo/v2/dynamodbiface"

	"github.com/ddbguard/ddbguard"
)

// Region is the region of every client made here.
const Region = "us-east-1"

// NewClient returns a *dynamodb.Client for endpoint with static fake
// credentials (DynamoDB Local checks that a signature is there, not that it
// is right). A nil hc means an HTTP client that keeps up to 128 idle
// connections to the endpoint, so that 32 concurrent workers measure
// requests, not connection set-up.
func NewClient(endpoint string, hc aws.HTTPClient) *dynamodb.Client {
	if hc == nil {
		hc = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns = 256
			t.MaxIdleConnsPerHost = 128
		})
	}
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   hc,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "ddbguardbench", SecretAccessKey: "ddbguardbench", Source: "bench"}, nil
		}),
	})
}

// NewCannedClient returns a *dynamodb.Client whose requests go through the
// whole SDK stack (serialization, signing, middleware, deserialization) and
// are answered by hc without any network.
func NewCannedClient(hc *CannedHTTPClient) *dynamodb.Client {
	return NewClient("http://127.0.0.1:9", hc)
}

// CannedHTTPClient answers every request with 200 and an empty JSON
// object, the success answer of every write that returns no values. It
// reads the request body to its end, as a transport would. It is safe for
// concurrent use.
type CannedHTTPClient struct {
	requests atomic.Int64
	// Inspect, if set, sees every request and its body before the answer.
	Inspect func(r *http.Request, body []byte)
}

// Do answers r.
func (c *CannedHTTPClient) Do(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	if r.Body != nil {
		if c.Inspect != nil {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			c.Inspect(r, body)
		} else if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body:          io.NopCloser(strings.NewReader("{}")),
		ContentLength: 2,
		Request:       r,
	}, nil
}

// Requests returns how many requests c has answered.
func (c *CannedHTTPClient) Requests() int64 { return c.requests.Load() }

// Outputs of NoopAPI; shared, and never modified by anyone.
var (
	noopGet    = &dynamodb.GetItemOutput{}
	noopPut    = &dynamodb.PutItemOutput{}
	noopUpdate = &dynamodb.UpdateItemOutput{}
	noopDelete = &dynamodb.DeleteItemOutput{}
	noopQuery  = &dynamodb.QueryOutput{}
	noopTx     = &dynamodb.TransactWriteItemsOutput{}
)

// NoopAPI is a ddbguard.API that answers every request at once with an
// empty success output, without looking at it. Handing a request to it
// costs one interface call, which is what a build-only measurement needs.
type NoopAPI struct{}

var _ ddbguard.API = NoopAPI{}

// GetItem answers with an empty output.
func (NoopAPI) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return noopGet, nil
}

// PutItem answers with an empty output.
func (NoopAPI) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return noopPut, nil
}

// UpdateItem answers with an empty output.
func (NoopAPI) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return noopUpdate, nil
}

// DeleteItem answers with an empty output.
func (NoopAPI) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return noopDelete, nil
}

// TransactWriteItems answers with an empty output.
func (NoopAPI) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return noopTx, nil
}

// Query answers with an empty output.
func (NoopAPI) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return noopQuery, nil
}

// NoopGureguAPI is guregu/dynamo's client interface answered by NoopAPI:
// the five methods the benchmarks use answer at once, the others are not
// implemented (calling one panics).
type NoopGureguAPI struct {
	NoopAPI
	unimplemented
}

type unimplemented struct{ dynamodbiface.DynamoDBAPI }

// Layers of the CPU benchmarks, as they appear in benchmark names.
const (
	// LayerNoop: the request is built and handed to a no-op API interface.
	LayerNoop = "noop"
	// LayerSDK: the request goes through a *dynamodb.Client answered by
	// CannedHTTPClient.
	LayerSDK = "sdk"
)
