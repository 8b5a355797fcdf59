package ddbguard

import "context"

// report returns err after telling the audit hook about it: every refused,
// denied or conflicted operation, and in an Admin view every failure.
func (o *op) report(ctx context.Context, err *Error) *Error {
	return o.reportAs(ctx, err, o.caller)
}

// reportAs is report with the event naming caller.
func (o *op) reportAs(ctx context.Context, err *Error, caller string) *Error {
	if o.g.audit != nil && (err.Err != nil || o.g.admin) {
		o.g.audit(ctx, o.event(err.Op, err.Key, caller, err.Err, err.Index, true))
	}
	return err
}

// reportOK tells the audit hook that an Admin view's operation succeeded.
func (o *op) reportOK(ctx context.Context, index int) {
	if o.g.audit != nil && o.g.admin {
		o.g.audit(ctx, o.event(o.name, o.keyOf(), o.caller, nil, index, false))
	}
}

// event is the audit event of one operation of o's view.
func (o *op) event(name string, k Key, caller string, reason error, index int, failed bool) AuditEvent {
	g := o.g
	return AuditEvent{Op: name, Table: g.s.Table, Key: k, Caller: caller, Reason: reason, Index: index,
		Tenant: g.tenant, Admin: g.admin, Why: g.why, Failed: failed}
}
