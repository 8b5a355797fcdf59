package ddbguard

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type asOnly struct {
	target *types.ConditionalCheckFailedException
}

func (a asOnly) Error() string { return "as-only" }
func (a asOnly) As(t any) bool {
	if p, ok := t.(**types.ConditionalCheckFailedException); ok {
		*p = a.target
		return true
	}
	return false
}

type rid struct{ error }

func (rid) ServiceRequestID() string { return "REQ1" }
func (r rid) Unwrap() error          { return r.error }

// TestAsError_answersAsErrorsAsDoes: along chains, joins and As methods,
// asError finds what errors.As finds.
func TestAsError_answersAsErrorsAsDoes(t *testing.T) {
	ccf := &types.ConditionalCheckFailedException{}
	other := &types.ConditionalCheckFailedException{}
	for _, err := range []error{
		nil,
		errors.New("plain"),
		ccf,
		fmt.Errorf("wrapped: %w", ccf),
		fmt.Errorf("twice: %w", fmt.Errorf("once: %w", ccf)),
		errors.Join(errors.New("a"), ccf),
		fmt.Errorf("%w and %w", other, ccf),
		asOnly{other},
		fmt.Errorf("wrapped: %w", asOnly{other}),
		rid{fmt.Errorf("x: %w", ccf)},
		&Error{Err: ErrNotOwner, Cause: ccf},
	} {
		var want *types.ConditionalCheckFailedException
		wantOK := errors.As(err, &want)
		got, ok := asError[*types.ConditionalCheckFailedException](err)
		if ok != wantOK || got != want {
			t.Errorf("%v: asError = %p, %v; errors.As = %p, %v", err, got, ok, want, wantOK)
		}
		var wantR interface{ ServiceRequestID() string }
		wantROK := errors.As(err, &wantR)
		gotR, okR := asError[interface{ ServiceRequestID() string }](err)
		if okR != wantROK || gotR != wantR {
			t.Errorf("%v: request id: asError %v, errors.As %v", err, okR, wantROK)
		}
	}
}
