package ddbguardtest

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbguard/ddbguard"
)

// Fault is a failure that a Faults injects into one call.
type Fault int

// The faults a Faults can inject. All but LostResponse fail before the
// request reaches DynamoDB, so nothing is applied.
const (
	// NoFault forwards the call unchanged.
	NoFault Fault = iota
	// Throttling answers with a *types.ThrottlingException.
	Throttling
	// ThroughputExceeded answers with a
	// *types.ProvisionedThroughputExceededException.
	ThroughputExceeded
	// ServerError answers with a *types.InternalServerError (HTTP 500).
	ServerError
	// Timeout answers with an error wrapping context.DeadlineExceeded, as
	// the SDK does when the context's deadline passes during a call.
	Timeout
	// Canceled answers with an error wrapping context.Canceled.
	Canceled
	// LostResponse forwards the call, so DynamoDB applies it, then drops
	// DynamoDB's answer and returns an error wrapping io.ErrUnexpectedEOF,
	// as when the connection breaks while the response is read.
	LostResponse
)

var faultNames = [...]string{"no fault", "throttling", "throughput exceeded", "server error", "timeout", "canceled", "lost response"}

// String returns the fault's name, such as "lost response".
func (f Fault) String() string {
	if f < 0 || int(f) >= len(faultNames) {
		return fmt.Sprintf("Fault(%d)", int(f))
	}
	return faultNames[f]
}

// Retryable reports whether the SDK's standard retryer would send the call
// again after f: throttling, a server error and a broken connection are
// retried; an expired or cancelled context is not.
func (f Fault) Retryable() bool {
	switch f {
	case Throttling, ThroughputExceeded, ServerError, LostResponse:
		return true
	}
	return false
}

// Call describes one attempt of a call that reached a Faults.
type Call struct {
	Op      string // the API method: "GetItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems" or "Query"
	N       int    // 1 for the first call made through the Faults, 2 for the next, and so on
	Attempt int    // 1 for the caller's call, 2 and up for the Faults' own retries
}

// Injection records a fault injected into one attempt.
type Injection struct {
	Call  Call
	Fault Fault
}

// Faults is a ddbguard.API that forwards every call to API and injects the
// faults that Inject chooses, to test how code built on ddbguard behaves
// when DynamoDB or the network fails:
//
//	f := &ddbguardtest.Faults{API: client, Inject: ddbguardtest.Once(ddbguardtest.LostResponse)}
//	g, _ := ddbguard.New(f, schema)
//
// With Retries set, a Faults also plays the SDK's retryer: an attempt that
// met a retryable fault is sent again with the same input, so a write whose
// response was lost reaches DynamoDB twice, as it can in production.
//
// The fields must be set before the first call. A Faults is safe for
// concurrent use; Inject is called with a lock held, one call at a time.
type Faults struct {
	// API receives the calls that are forwarded.
	API ddbguard.API
	// Inject chooses the fault of each attempt; nil injects none.
	Inject func(Call) Fault
	// Retries is how many times an attempt that met a retryable fault is
	// sent again; 0 returns the first fault to the caller.
	Retries int

	mu       sync.Mutex
	calls    int
	attempts int
	injected []Injection
}

var _ ddbguard.API = (*Faults)(nil)

// InjectedError is the error of an attempt that met a fault. Err is shaped
// as the SDK's own error for that failure, so errors.As finds the same
// types (a *types.ThrottlingException, say) and errors.Is the same context
// errors as in production.
type InjectedError struct {
	Fault Fault
	Op    string
	Err   error
}

// Error names the operation, the fault and the SDK-shaped error.
func (e *InjectedError) Error() string {
	return "operation error DynamoDB: " + e.Op + ", injected " + e.Fault.String() + ": " + e.Err.Error()
}

// Unwrap returns the SDK-shaped error.
func (e *InjectedError) Unwrap() error { return e.Err }

// Once injects f into the first attempt of the first call only.
func Once(f Fault) func(Call) Fault {
	return func(c Call) Fault {
		if c.N == 1 && c.Attempt == 1 {
			return f
		}
		return NoFault
	}
}

// FirstAttempt injects f into the first attempt of every call, so that,
// with Retries, every call fails once and is retried.
func FirstAttempt(f Fault) func(Call) Fault {
	return func(c Call) Fault {
		if c.Attempt == 1 {
			return f
		}
		return NoFault
	}
}

// Always injects f into every attempt.
func Always(f Fault) func(Call) Fault {
	return func(Call) Fault { return f }
}

// Random injects, into each attempt with probability rate, one of faults
// chosen at random, reproducibly for a given seed and sequence of calls.
func Random(seed int64, rate float64, faults ...Fault) func(Call) Fault {
	r := rand.New(rand.NewSource(seed))
	return func(Call) Fault {
		if len(faults) == 0 || r.Float64() >= rate {
			return NoFault
		}
		return faults[r.Intn(len(faults))]
	}
}

// Calls returns how many calls reached the Faults, not counting its own
// retries.
func (f *Faults) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Attempts returns how many attempts the Faults made, retries included,
// whether a fault was injected into them or not.
func (f *Faults) Attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// Injected returns the faults injected so far, in order.
func (f *Faults) Injected() []Injection {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Injection(nil), f.injected...)
}

// GetItem forwards the call or injects a fault.
func (f *Faults) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return forward(f, ctx, "GetItem", func(ctx context.Context) (*dynamodb.GetItemOutput, error) {
		return f.API.GetItem(ctx, in, optFns...)
	})
}

// PutItem forwards the call or injects a fault.
func (f *Faults) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return forward(f, ctx, "PutItem", func(ctx context.Context) (*dynamodb.PutItemOutput, error) {
		return f.API.PutItem(ctx, in, optFns...)
	})
}

// UpdateItem forwards the call or injects a fault.
func (f *Faults) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return forward(f, ctx, "UpdateItem", func(ctx context.Context) (*dynamodb.UpdateItemOutput, error) {
		return f.API.UpdateItem(ctx, in, optFns...)
	})
}

// DeleteItem forwards the call or injects a fault.
func (f *Faults) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return forward(f, ctx, "DeleteItem", func(ctx context.Context) (*dynamodb.DeleteItemOutput, error) {
		return f.API.DeleteItem(ctx, in, optFns...)
	})
}

// TransactWriteItems forwards the call or injects a fault.
func (f *Faults) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return forward(f, ctx, "TransactWriteItems", func(ctx context.Context) (*dynamodb.TransactWriteItemsOutput, error) {
		return f.API.TransactWriteItems(ctx, in, optFns...)
	})
}

// Query forwards the call or injects a fault.
func (f *Faults) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return forward(f, ctx, "Query", func(ctx context.Context) (*dynamodb.QueryOutput, error) {
		return f.API.Query(ctx, in, optFns...)
	})
}

// forward runs one call: its attempts, each with the fault Inject chose.
func forward[T any](f *Faults, ctx context.Context, op string, send func(context.Context) (*T, error)) (*T, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	for attempt := 1; ; attempt++ {
		fault := f.next(Call{Op: op, N: n, Attempt: attempt})
		if fault == NoFault {
			return send(ctx)
		}
		if fault == LostResponse {
			_, _ = send(ctx) // applied, or refused: the caller learns neither
		}
		if !fault.Retryable() || attempt > f.Retries {
			return nil, &InjectedError{Fault: fault, Op: op, Err: sdkError(fault)}
		}
	}
}

// next counts an attempt and returns its fault.
func (f *Faults) next(c Call) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.Inject == nil {
		return NoFault
	}
	fault := f.Inject(c)
	if fault != NoFault {
		f.injected = append(f.injected, Injection{Call: c, Fault: fault})
	}
	return fault
}

// sdkError returns the error the SDK reports for fault.
func sdkError(fault Fault) error {
	switch fault {
	case Throttling:
		return &types.ThrottlingException{Message: aws.String("rate of requests exceeds the allowed throughput (injected)")}
	case ThroughputExceeded:
		return &types.ProvisionedThroughputExceededException{Message: aws.String("provisioned throughput exceeded (injected)")}
	case ServerError:
		return &types.InternalServerError{Message: aws.String("internal server error (injected)")}
	case Timeout:
		return fmt.Errorf("request canceled: %w", context.DeadlineExceeded)
	case Canceled:
		return fmt.Errorf("request canceled: %w", context.Canceled)
	case LostResponse:
		return fmt.Errorf("read response body: %w", io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("unknown fault %d", int(fault))
}
