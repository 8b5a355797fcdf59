package ddbguard

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// GuardedDelete is a DeleteItem that succeeds only if the item exists and
// the caller owns it. Editors may not delete. Build it with Guard.Delete,
// then call Run, Value or Input; the first error met while chaining is
// returned by the terminal call, which then sends nothing.
//
// A GuardedDelete is not safe for concurrent use.
type GuardedDelete struct {
	op
	preconds
	blk  deleteBlock // the first Run's input (runInput)
	used bool        // blk holds a request handed to the API
}

// Delete starts a delete of the item at k on behalf of caller.
func (g *Guard) Delete(caller string, k Key) *GuardedDelete {
	d := &GuardedDelete{}
	g.initOp(&d.op, "delete", caller, k)
	return d
}

// If adds a precondition, ANDed with the guard; a failure when the guard
// holds is ErrConflict.
func (d *GuardedDelete) If(cb expression.ConditionBuilder) *GuardedDelete {
	d.changed()
	d.conds = append(d.conds, cb)
	return d
}

// IfVersion requires the item's Schema.Version attribute to equal n; a
// mismatch is ErrConflict. Without Schema.Version it is ErrInvalidInput.
func (d *GuardedDelete) IfVersion(n int64) *GuardedDelete {
	d.ifVersion(&d.op, n)
	return d
}

// Input returns the DeleteItemInput that Run would send, without sending it.
func (d *GuardedDelete) Input() (*dynamodb.DeleteItemInput, error) {
	b := &deleteBlock{table: d.g.s.Table}
	r, err := d.build(&b.gv)
	if err != nil {
		return nil, err
	}
	return b.fill(d.av, r), nil
}

// runInput is Input for Run and Value: the first one's input lives in the
// builder, later ones get their own (an API may keep the requests it was
// handed).
func (d *GuardedDelete) runInput() (*dynamodb.DeleteItemInput, error) {
	if d.used {
		return d.Input()
	}
	b := &d.blk
	*b = deleteBlock{table: d.g.s.Table}
	r, err := d.build(&b.gv)
	if err != nil {
		return nil, err
	}
	d.used = true
	return b.fill(d.av, r), nil
}

// Run sends the delete: one DeleteItem request.
func (d *GuardedDelete) Run(ctx context.Context) error {
	_, err := d.send(ctx, types.ReturnValueNone)
	return err
}

// Value sends the delete and unmarshals the item as it was before the
// delete into out, which must be a non-nil pointer.
func (d *GuardedDelete) Value(ctx context.Context, out any) error {
	if err := checkOut(out); err != nil {
		d.fail(ErrInvalidInput, err.Error())
	}
	res, err := d.send(ctx, types.ReturnValueAllOld)
	if err != nil {
		return err
	}
	return d.unmarshal(res.Attributes, out)
}

func (d *GuardedDelete) send(ctx context.Context, rv types.ReturnValue) (out *dynamodb.DeleteItemOutput, err error) {
	if e := d.owned(); e != nil {
		return nil, d.report(ctx, e)
	}
	in, err := d.runInput()
	if err != nil {
		return nil, d.report(ctx, err.(*Error))
	}
	in.ReturnValues = rv
	defer func() { d.settle(err) }()
	out, err = d.g.api.DeleteItem(ctx, in)
	if err != nil {
		// A delete stores no id, so failed never finds it landed: its
		// retry is ErrNotFound.
		_, err = d.failed(ctx, err, d, false)
		return nil, err
	}
	d.reportOK(ctx, -1)
	return out, nil
}

// build compiles the delete's condition; the guard's own values are kept
// in gv.
func (d *GuardedDelete) build(gv *guardValues) (request, error) {
	if d.err != nil {
		return request{}, d.err
	}
	ue, err := compileUser(nil, d.conds)
	if err != nil {
		return request{}, d.errorf(ErrInvalidInput, "If: "+err.Error())
	}
	un, uv := ue.size()
	admin := d.g.admin
	wid := b2i(d.g.s.WriteID != "")
	names := d.guardNames(un+wid, !admin, d.hasVersion, false)
	values := make(map[string]types.AttributeValue, 2+b2i(d.hasVersion)+uv+wid)
	if !admin {
		gv.caller.Value = d.caller
		values[vCaller] = &gv.caller
	}
	d.g.putTenant(values, gv)
	d.putVersion(values, gv)
	if wid == 1 {
		// A delete stores no id, but its guard has the clause like every
		// write but a create: its own fresh id never matches a stored one.
		d.putWriteID(names, values, gv)
	}
	if ue != nil {
		ue.merge(names, values)
	}
	return request{cond: withCond(d.g.cond(d.g.writeShape(false), d.hasVersion), ue), names: names, values: values, onFail: d.g.onFail()}, nil
}

func (d *GuardedDelete) judge(item map[string]types.AttributeValue) verdict {
	return d.g.judgeWrite(d.caller, item, false, d.expected())
}

// landed is false: a deleted item leaves nothing to recognize, and a retry
// whose first attempt landed reports ErrNotFound.
func (d *GuardedDelete) landed(map[string]types.AttributeValue) bool { return false }
