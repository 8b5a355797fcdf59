package ddbguard

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The sentinel errors of a guarded operation. Every failure is an *Error whose
// Err field is one of them (or nil when DynamoDB or the transport failed), so
// callers match with errors.Is.
var (
	// ErrUnauthenticated reports an empty caller: the request was not sent.
	ErrUnauthenticated = errors.New("ddbguard: unauthenticated caller")
	// ErrInvalidInput reports a malformed key, item, name, value or builder
	// use: the request was not sent.
	ErrInvalidInput = errors.New("ddbguard: invalid input")
	// ErrProtectedAttribute reports an attempt to write a key, owner, version,
	// editors or Schema.Protected attribute through a builder that may not
	// write it.
	ErrProtectedAttribute = errors.New("ddbguard: protected attribute")
	// ErrNotFound reports that the item does not exist.
	ErrNotFound = errors.New("ddbguard: not found")
	// ErrNotOwner reports that the item exists but the caller may not write
	// it. HTTPStatus maps it to 404 so that existence is not revealed.
	ErrNotOwner = errors.New("ddbguard: not owner")
	// ErrForbidden reports that a policy check (GuardedCheck) failed.
	ErrForbidden = errors.New("ddbguard: forbidden")
	// ErrConflict reports that the caller may write the item but it changed:
	// a version mismatch, a failed If precondition, or a concurrent
	// transaction. Retrying after a fresh read may succeed.
	ErrConflict = errors.New("ddbguard: conflict")
	// ErrAlreadyExists reports that a Create found an item under its key.
	// errors.Is(err, ErrConflict) also holds for it.
	ErrAlreadyExists error = &childError{msg: "ddbguard: already exists", parent: ErrConflict}
)

// childError is a sentinel that also matches a more general one.
type childError struct {
	msg    string
	parent error
}

func (e *childError) Error() string        { return e.msg }
func (e *childError) Is(target error) bool { return target == e.parent }

// Error is the error of every failed guarded operation.
//
// Err is one of the package's sentinels when ddbguard refused or classified
// the failure, and nil when DynamoDB or the transport failed for another
// reason (throttling, validation, a cancelled context); Cause then holds that
// error. Error unwraps to both, so errors.Is(err, ErrNotOwner) and
// errors.As(err, &ccf) with ccf a *types.ConditionalCheckFailedException hold
// on the same value.
type Error struct {
	Op    string // "update", "transfer", "delete", "create", "replace", "get", "list", "check", "tx"
	Table string
	Key   Key
	Index int   // position of the failing item in a Tx; -1 outside a transaction
	Err   error // one of the sentinels, or nil
	Cause error // the SDK error when DynamoDB answered or the transport failed
	// RequestID is DynamoDB's request id when it answered, kept even when
	// Cause is scrubbed of the answer.
	RequestID string

	inner error // the error behind a refusal, such as a key validator's

	// Item is the item as DynamoDB held it when the write failed. It is set
	// only when the caller owns the item (or is one of its editors, for an
	// update, or is the actor of an Admin view) in the view's tenant, so a
	// conflict can be resolved without another read; it is never set for
	// ErrNotOwner or ErrNotFound, nor under WithoutOldItem.
	// Every failure without an Item has a Cause of one shape: a fresh
	// exception holding only its message (a transaction: each reason's
	// code), with no item, no HTTP response and no body.
	Item map[string]types.AttributeValue

	detail string // why, without any item data or foreign identifiers
}

// Error returns a message that names the operation, the table and the reason.
// It never contains item data or the identity of the item's owner.
func (e *Error) Error() string {
	msg := "ddbguard: " + e.Op
	if e.Table != "" {
		msg += " " + e.Table
	}
	switch {
	case e.Err != nil:
		msg += ": " + trimPrefix(e.Err.Error())
	case e.Cause != nil:
		msg += ": " + e.Cause.Error()
	}
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg
}

// Unwrap returns the sentinel and the SDK error, whichever are set, and the
// error behind a refusal (a key validator's).
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 3)
	for _, err := range [...]error{e.Err, e.Cause, e.inner} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func trimPrefix(s string) string {
	const p = "ddbguard: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// HTTPStatus maps an error of a guarded operation to the HTTP status a
// service should answer with: nil 200; ErrUnauthenticated 401;
// ErrInvalidInput and ErrProtectedAttribute 400; ErrNotFound, ErrNotOwner and
// ErrForbidden 404 (an item the caller may not touch is reported as absent,
// as OWASP API1 advises against BOLA); ErrConflict and ErrAlreadyExists 409;
// throttling 503 (a transaction cancelled for throttling too); an expired
// deadline 504; anything else 500.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, ErrInvalidInput), errors.Is(err, ErrProtectedAttribute):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNotOwner), errors.Is(err, ErrForbidden):
		return http.StatusNotFound
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case isThrottle(err):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// isThrottle reports whether DynamoDB refused err's request for its rate:
// a throttling error, or a transaction cancelled for throttling.
func isThrottle(err error) bool {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
				return true
			}
		}
	}
	return false
}

// verdict is the classification of a failed condition.
type verdict struct {
	err    error  // the sentinel
	expose bool   // the caller may see the item as it was
	detail string // why, without item data
}

// judged is a write whose failed condition can be explained from the item
// that DynamoDB returned with the failure.
type judged interface {
	// judge classifies the failure.
	judge(item map[string]types.AttributeValue) verdict
	// landed reports whether item, found on a retry, is exactly what this
	// write stores: only a create, and only when an earlier attempt is in
	// doubt (see retry.go). Writes with a WriteID are recognized by it.
	landed(item map[string]types.AttributeValue) bool
	// probe describes the Query that classifies the failure under
	// WithoutOldItem (oldless.go).
	probe() probe
	// held classifies the failure from the item, which the caller may
	// write (it passed the probe's filter).
	held(item map[string]types.AttributeValue) verdict
}

// failed turns the SDK's error for a guarded write into an *Error. A failed
// condition whose item holds this write's id is success, and failed
// returns that item and nil. Any other failed condition is classified by w
// from the ALL_OLD item that DynamoDB returned with it, or under
// WithoutOldItem by one Query; the item stays in the error only when the
// caller may see it. full says the caller wants the whole item on success.
// Any other error is wrapped as it is, and leaves the write in doubt.
func (o *op) failed(ctx context.Context, cause error, w judged, full bool) (map[string]types.AttributeValue, error) {
	e := &Error{Op: o.name, Table: o.g.s.Table, Key: o.keyOf(), Index: -1, Cause: cause, RequestID: requestID(cause)}
	ccf, ok := asError[*types.ConditionalCheckFailedException](cause)
	if !ok {
		o.inDoubt = true
		return nil, o.report(ctx, e)
	}
	if o.g.noOld {
		return o.classify(ctx, e, ccf, w, full)
	}
	if doubt := o.retried(); o.ownID(ccf.Item) || (doubt && w.landed(ccf.Item)) {
		return ccf.Item, nil
	}
	e.explain(w.judge(ccf.Item), ccf.Item)
	if e.Item == nil {
		e.Cause = scrubbed(ccf)
	} else {
		ccf.Item = e.Item
	}
	return nil, o.report(ctx, e)
}

// scrubbed returns a condition failure holding only ccf's message: what
// every refusal without an Item carries, so that no two can be told apart
// by their Cause (the HTTP response's length and checksum describe the
// stored item).
func scrubbed(ccf *types.ConditionalCheckFailedException) error {
	return &types.ConditionalCheckFailedException{Message: ccf.Message}
}

// requestID returns DynamoDB's request id from an SDK error, or "".
func requestID(err error) string {
	if r, ok := asError[interface{ ServiceRequestID() string }](err); ok {
		return r.ServiceRequestID()
	}
	return ""
}

// explain sets e's reason from v, and its Item to item when the caller may
// see it.
func (e *Error) explain(v verdict, item map[string]types.AttributeValue) {
	e.Err, e.detail = v.err, v.detail
	if v.expose {
		e.Item = item
	}
}

// judgeWrite classifies the failed guard of an update, delete, replace or
// transfer from the item as it was. editors says whether the Schema's
// editors may perform the write; expected is the version IfVersion asked
// for, if any.
func (g *Guard) judgeWrite(caller string, item map[string]types.AttributeValue, editors bool, expected *int64) verdict {
	if len(item) == 0 {
		return verdict{err: ErrNotFound}
	}
	// Another tenant's item is another person's, whatever it holds; an
	// Admin view skips only the owner and editors comparison.
	if !g.inTenant(item) || (!g.admin && !g.owns(caller, item) && !(editors && g.edits(caller, item))) {
		return verdict{err: ErrNotOwner}
	}
	return g.judgeHeld(item, expected)
}

// judgeHeld classifies the failed guard of a write that the caller may
// perform on item: a version mismatch, or a failed precondition.
func (g *Guard) judgeHeld(item map[string]types.AttributeValue, expected *int64) verdict {
	if expected != nil {
		if n, ok := g.versionOf(item); !ok || n != *expected {
			return verdict{err: ErrConflict, expose: true, detail: "version mismatch"}
		}
	}
	return verdict{err: ErrConflict, expose: true, detail: "precondition failed"}
}

// owns reports whether item's owner attribute is caller.
func (g *Guard) owns(caller string, item map[string]types.AttributeValue) bool {
	s, ok := item[g.s.Owner].(*types.AttributeValueMemberS)
	return ok && s.Value == caller
}

// edits reports whether caller is a member of item's editors string set. A
// plain string never counts: the guard checks the attribute's type, since
// contains() on a string matches substrings.
func (g *Guard) edits(caller string, item map[string]types.AttributeValue) bool {
	if g.s.Editors == "" {
		return false
	}
	ss, ok := item[g.s.Editors].(*types.AttributeValueMemberSS)
	if !ok {
		return false
	}
	for _, e := range ss.Value {
		if e == caller {
			return true
		}
	}
	return false
}

// versionOf returns item's version number.
func (g *Guard) versionOf(item map[string]types.AttributeValue) (int64, bool) {
	n, ok := item[g.s.Version].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	return v, err == nil
}
