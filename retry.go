package ddbguard

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// A write can be applied while its response is lost. Its retry then fails
// its own condition on the write that landed. With Schema.WriteID the
// stored id says whether that write was this one (writeid.go). Without it,
// only a create is recognized, from the ALL_OLD item, and only when an
// earlier attempt of it is in doubt: the SDK's retryer sent the request
// more than once (counted by attempts), or the same builder's previous Run
// ended without DynamoDB's answer; the stored item must then be exactly
// the create's own. A first attempt that finds an identical item has met
// a separate write and reports it. An update is never recognized this way:
// equal values prove nothing about who wrote them.

// attempts counts the attempts the SDK makes for one call of a create,
// with a middleware that runs after its retryer.
type attempts int

// ID names the middleware in the SDK's stack.
func (a *attempts) ID() string { return "ddbguard.attempts" }

// HandleFinalize counts one attempt.
func (a *attempts) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	*a++
	return next.HandleFinalize(ctx, in)
}

// option adds the counter to one call's stack.
func (a *attempts) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Finalize.Add(a, middleware.After)
	})
}

// counted returns the call options that count the SDK's attempts of the
// next call into c.attempts. They are kept in the builder, so that a call
// allocates nothing for them.
func (c *GuardedCreate) counted() []func(*dynamodb.Options) {
	c.attempts = 0
	if c.countOpt[0] == nil {
		c.countOpt[0] = c.attempts.option
	}
	return c.countOpt[:]
}

// retried reports whether an earlier attempt of the write that just failed
// its condition may have landed, and clears the builder's doubt: the
// condition's answer settles it.
func (o *op) retried() bool {
	doubt := o.attempts > 1 || o.inDoubt
	o.inDoubt = false
	return doubt
}
