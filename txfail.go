package ddbguard

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// reportUnjudged tells the audit hook of every Admin-view item that a
// transaction failed without a classified reason.
func (t *Tx) reportUnjudged(ctx context.Context, e *Error) *Error {
	for i, w := range t.writes {
		if w == nil {
			continue
		}
		if o := w.base(); o.g.admin && o.g.audit != nil {
			o.g.audit(ctx, o.event(o.name, o.keyOf(), o.caller, nil, i, true))
		}
	}
	return e
}

// report tells the audit hook about e, naming the failing item's caller
// or, for a Check (which has none), the caller of the first write. A
// failure without a classified reason is told to every Admin-view item.
func (t *Tx) report(ctx context.Context, e *Error) *Error {
	if e.Err == nil {
		return t.reportUnjudged(ctx, e)
	}
	o := t.writes[e.Index].base()
	caller := o.caller
	for _, w := range t.writes {
		if _, check := w.(*GuardedCheck); caller != "" || w == nil || check {
			continue
		}
		caller = w.base().caller
	}
	return o.reportAs(ctx, e, caller)
}

// failed classifies a failed transaction from its cancellation reasons.
// A reason whose item holds its own write's id shows that the
// transaction landed (it commits whole): a retry of it is success.
func (t *Tx) failed(ctx context.Context, cause error) error {
	tce, ok := asError[*types.TransactionCanceledException](cause)
	if !ok {
		return t.reportUnjudged(ctx, &Error{Op: "tx", Index: -1, Cause: cause, RequestID: requestID(cause)})
	}
	if t.landed(tce) {
		return nil
	}
	rid := requestID(cause)
	clean := scrubbedTx(tce)
	for i := range tce.CancellationReasons {
		code := aws.ToString(tce.CancellationReasons[i].Code)
		if code == "" || code == "None" || i >= len(t.writes) {
			continue
		}
		w := t.writes[i]
		e := w.base().indexed(i, nil, "")
		e.Cause, e.RequestID = clean, rid
		switch code {
		case "ConditionalCheckFailed":
			if err := t.explain(ctx, e, w, tce.CancellationReasons[i].Item); err != nil {
				return err
			}
			if e.Err == nil {
				return nil // the read found this write's id: it landed
			}
		case "TransactionConflict":
			e.Err, e.detail = ErrConflict, "transaction conflict"
		default:
			e.detail = code
		}
		return t.report(ctx, e)
	}
	return t.reportUnjudged(ctx, &Error{Op: "tx", Index: -1, Cause: clean, RequestID: rid})
}

// explain sets e's reason for the failed condition of w, from its ALL_OLD
// item or, under WithoutOldItem, from one Query (a Check reads nothing).
// It returns the read's own failure, if any.
func (t *Tx) explain(ctx context.Context, e *Error, w txWrite, item map[string]types.AttributeValue) error {
	o := w.base()
	if _, check := w.(*GuardedCheck); check || !o.g.noOld {
		e.explain(w.judge(item), item)
		return nil
	}
	v, _, landed, err := o.read(ctx, w, false)
	switch {
	case err != nil:
		return &Error{Op: "tx", Table: o.g.s.Table, Key: o.keyOf(), Index: e.Index, Cause: err, RequestID: e.RequestID}
	case !landed:
		e.Err, e.detail = v.err, v.detail
	}
	return nil
}

// landed reports whether a reason's item holds its own write's id: only
// that write can have stored it, so the transaction committed.
func (t *Tx) landed(tce *types.TransactionCanceledException) bool {
	for i, r := range tce.CancellationReasons {
		if i >= len(t.writes) || t.writes[i] == nil {
			continue
		}
		if _, del := t.writes[i].(*GuardedDelete); !del && t.writes[i].base().ownID(r.Item) {
			return true
		}
	}
	return false
}

// scrubbedTx returns a cancellation holding only each reason's code: what
// every transaction failure carries, since the answer's items (and its
// HTTP response, whose size describes them) may be others'.
func scrubbedTx(tce *types.TransactionCanceledException) error {
	reasons := make([]types.CancellationReason, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		reasons[i].Code = r.Code
	}
	return &types.TransactionCanceledException{CancellationReasons: reasons}
}
