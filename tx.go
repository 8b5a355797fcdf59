package ddbguard

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxTxItems is DynamoDB's limit on the items of one transaction.
const maxTxItems = 100

// GuardedCheck is a ConditionCheck on a policy item, such as a membership
// record, for use in a Tx: the item must exist and satisfy the condition at
// the moment the transaction commits, or the transaction fails with
// ErrForbidden. It makes "fetch the policy, then write" one atomic step.
type GuardedCheck struct {
	op
	cond expression.ConditionBuilder
}

// Check starts a policy check of the item at k: it holds when the item
// exists and cond is true of it.
func (g *Guard) Check(k Key, cond expression.ConditionBuilder) *GuardedCheck {
	o := op{g: g, name: "check", key: k}
	if sc := g.unconfined(); sc != nil {
		o.err = sc.errorOf(&o)
		return &GuardedCheck{op: o, cond: cond}
	}
	av, err := g.marshalKey(k)
	switch {
	case err != nil:
		o.failWith(ErrInvalidInput, err)
	case !g.checkTenantKey(av):
		o.fail(ErrNotOwner, "")
	}
	o.av = av
	return &GuardedCheck{op: o, cond: cond}
}

// Input returns the ConditionCheck that a Tx would send.
func (c *GuardedCheck) Input() (*types.ConditionCheck, error) {
	if c.err != nil {
		return nil, c.err
	}
	ue, err := compileUser(nil, []expression.ConditionBuilder{c.cond})
	if err != nil {
		return nil, c.errorf(ErrInvalidInput, "condition: "+err.Error())
	}
	names := c.guardNames(len(ue.names), false, false, false)
	var values map[string]types.AttributeValue
	if len(ue.values) > 0 || c.g.tenantTerm() {
		values = make(map[string]types.AttributeValue, len(ue.values)+1)
	}
	c.g.putTenant(values, &guardValues{})
	ue.merge(names, values)
	return &types.ConditionCheck{
		TableName:                 aws.String(c.g.s.Table),
		Key:                       c.av,
		ConditionExpression:       aws.String(withCond(c.g.cond(shapeCheck, false), ue)),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		// A policy item is not the caller's to see: a failed Check is
		// ErrForbidden whatever the item holds, so it never asks for it.
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureNone,
	}, nil
}

func (c *GuardedCheck) judge(map[string]types.AttributeValue) verdict {
	return verdict{err: ErrForbidden, detail: "policy check failed"}
}

func (c *GuardedCheck) landed(map[string]types.AttributeValue) bool { return false }

// Tx is a TransactWriteItems of guarded writes and policy checks, possibly
// on several tables: all of them commit or none does, and every item keeps
// its own guard. Items are sent in the order they were added; a failure
// names the first failing item by its Index in that order.
//
// A Tx is not safe for concurrent use. Run may be called again, for
// example to retry with the same Token.
type Tx struct {
	api    API
	writes []txWrite
	buf    [4]txWrite // writes' first storage, so that a small transaction grows no slice
	token  string
	err    *Error
}

// txWrite is a builder that can be one item of a transaction.
type txWrite interface {
	judged
	base() *op
	transactItem() (types.TransactWriteItem, error)
}

func (o *op) base() *op { return o }

// NewTx starts a transaction sent through api.
func NewTx(api API) *Tx { return &Tx{api: api} }

// Update adds a guarded update (or transfer) to the transaction.
func (t *Tx) Update(u *GuardedUpdate) *Tx {
	if u == nil {
		return t.nilItem()
	}
	return t.add(u)
}

// Delete adds a guarded delete to the transaction.
func (t *Tx) Delete(d *GuardedDelete) *Tx {
	if d == nil {
		return t.nilItem()
	}
	return t.add(d)
}

// Create adds a guarded create to the transaction.
func (t *Tx) Create(c *GuardedCreate) *Tx {
	if c == nil {
		return t.nilItem()
	}
	return t.add(c)
}

// Replace adds a guarded replace to the transaction.
func (t *Tx) Replace(r *GuardedReplace) *Tx {
	if r == nil {
		return t.nilItem()
	}
	return t.add(r)
}

// Check adds a policy check to the transaction.
func (t *Tx) Check(c *GuardedCheck) *Tx {
	if c == nil {
		return t.nilItem()
	}
	return t.add(c)
}

// Token sets the ClientRequestToken (1 to 36 characters), so that a retried
// Run within DynamoDB's idempotency window is applied at most once. With
// Schema.WriteID the writes' ids change only with the token: every Run
// with one token sends the same ids, and a new token draws new ones (to
// retry after a classified failure, set a new token).
func (t *Tx) Token(token string) *Tx {
	if token == "" || len(token) > 36 {
		t.setErr(&Error{Op: "tx", Index: -1, Err: ErrInvalidInput, detail: "token must have 1 to 36 characters"})
	}
	if token != t.token {
		for _, w := range t.writes {
			if w != nil {
				w.base().wid = ""
			}
		}
	}
	t.token = token
	return t
}

// add appends w, which then belongs to t: a builder in a transaction is
// run by it alone.
func (t *Tx) add(w txWrite) *Tx {
	if w != nil {
		if o := w.base(); o.tx != nil && o.tx != t {
			t.setErr(o.indexed(len(t.writes), ErrInvalidInput, "builder belongs to another transaction"))
		} else {
			o.tx = t
		}
	}
	if t.writes == nil {
		t.writes = t.buf[:0]
	}
	t.writes = append(t.writes, w)
	return t
}

func (t *Tx) nilItem() *Tx {
	t.setErr(&Error{Op: "tx", Index: len(t.writes), Err: ErrInvalidInput, detail: "nil builder"})
	return t.add(nil)
}

func (t *Tx) setErr(e *Error) {
	if t.err == nil {
		t.err = e
	}
}

// Input returns the TransactWriteItemsInput that Run would send, without
// sending it.
func (t *Tx) Input() (*dynamodb.TransactWriteItemsInput, error) {
	if t.err != nil {
		return nil, t.err
	}
	switch {
	case len(t.writes) == 0:
		return nil, &Error{Op: "tx", Index: -1, Err: ErrInvalidInput, detail: "empty transaction"}
	case len(t.writes) > maxTxItems:
		return nil, &Error{Op: "tx", Index: maxTxItems, Err: ErrInvalidInput, detail: "more than 100 items"}
	}
	items := make([]types.TransactWriteItem, len(t.writes))
	for i, w := range t.writes {
		item, err := w.transactItem()
		if err != nil {
			e := *err.(*Error)
			e.Index = i
			return nil, &e
		}
		if j := t.seenAt(i); j >= 0 {
			return nil, w.base().indexed(i, ErrInvalidInput, "same item as transaction item "+strconv.Itoa(j))
		}
		items[i] = item
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	if t.token != "" {
		in.ClientRequestToken = aws.String(t.token)
	}
	return in, nil
}

// Run sends the transaction: one TransactWriteItems request. When DynamoDB
// cancels it, the *Error names the first failing item by Index, with the
// reason classified from that item's ALL_OLD values (under WithoutOldItem,
// from one Query of that item; a Check is ErrForbidden): ErrNotFound,
// ErrNotOwner, ErrConflict, ErrAlreadyExists or ErrForbidden, or
// ErrConflict for a TransactionConflict. Other reasons keep Err nil. With
// Schema.WriteID, a cancellation showing one of its writes holding its own
// id means the transaction had landed: Run reports success.
func (t *Tx) Run(ctx context.Context) error {
	in, err := t.Input()
	if err != nil {
		e := err.(*Error)
		if e.Index >= 0 && e.Index < len(t.writes) && t.writes[e.Index] != nil {
			return t.report(ctx, e)
		}
		return e
	}
	if _, err := t.api.TransactWriteItems(ctx, in); err != nil {
		if err := t.failed(ctx, err); err != nil {
			return err
		}
	}
	// It landed: an Admin view records each of its items.
	for i, w := range t.writes {
		w.base().reportOK(ctx, i)
	}
	return nil
}

func (o *op) indexed(i int, sentinel error, detail string) *Error {
	e := o.errorf(sentinel, detail)
	e.Index = i
	return e
}

// seenAt returns the index of an earlier item that addresses the same item
// as the i-th, or -1. A transaction has at most 100 items, so comparing
// pairs costs less than indexing them.
func (t *Tx) seenAt(i int) int {
	o := t.writes[i].base()
	for j, w := range t.writes[:i] {
		if p := w.base(); p.g.s.Table == o.g.s.Table && itemsEqual(p.keyAV(), o.keyAV()) {
			return j
		}
	}
	return -1
}

// A builder added to a Tx never runs alone: its first transaction item
// takes its strings and guard values from the builder's own block, and
// only the SDK's item type is allocated. Later Runs of the Tx get items of
// their own (an API may keep the requests it was handed).

func (u *GuardedUpdate) transactItem() (types.TransactWriteItem, error) {
	if !u.used {
		b := &u.blk
		*b = updateBlock{table: u.g.s.Table}
		r, err := u.build(&b.gv)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		u.used = true
		b.update, b.cond = r.update, r.cond
		return types.TransactWriteItem{Update: &types.Update{
			TableName:                           &b.table,
			Key:                                 u.av,
			UpdateExpression:                    &b.update,
			ConditionExpression:                 &b.cond,
			ExpressionAttributeNames:            r.names,
			ExpressionAttributeValues:           r.values,
			ReturnValuesOnConditionCheckFailure: r.onFail,
		}}, nil
	}
	b := &updateTxBlock{table: u.g.s.Table}
	r, err := u.build(&b.gv)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return b.fill(u.av, r), nil
}

func (d *GuardedDelete) transactItem() (types.TransactWriteItem, error) {
	if !d.used {
		b := &d.blk
		*b = deleteBlock{table: d.g.s.Table}
		r, err := d.build(&b.gv)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		d.used = true
		b.cond = r.cond
		return types.TransactWriteItem{Delete: &types.Delete{
			TableName:                           &b.table,
			Key:                                 d.av,
			ConditionExpression:                 &b.cond,
			ExpressionAttributeNames:            r.names,
			ExpressionAttributeValues:           r.values,
			ReturnValuesOnConditionCheckFailure: r.onFail,
		}}, nil
	}
	b := &deleteTxBlock{table: d.g.s.Table}
	r, err := d.build(&b.gv)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return b.fill(d.av, r), nil
}

func (c *GuardedCreate) transactItem() (types.TransactWriteItem, error) {
	if !c.used {
		b := &c.blk
		*b = putInput{table: c.g.s.Table}
		r, err := c.build(&c.st.wid)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		c.used = true
		b.cond = r.cond
		return types.TransactWriteItem{Put: &types.Put{
			TableName:                           &b.table,
			Item:                                c.item,
			ConditionExpression:                 &b.cond,
			ExpressionAttributeNames:            r.names,
			ExpressionAttributeValues:           r.values,
			ReturnValuesOnConditionCheckFailure: r.onFail,
		}}, nil
	}
	b := &putTxBlock{table: c.g.s.Table}
	r, err := c.build(&b.gv.wid)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return b.fill(c.item, r), nil
}

func (r *GuardedReplace) transactItem() (types.TransactWriteItem, error) {
	b := &putTxBlock{table: r.g.s.Table}
	req, err := r.build(&b.gv)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return b.fill(r.item, req), nil
}

func (c *GuardedCheck) transactItem() (types.TransactWriteItem, error) {
	cc, err := c.Input()
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{ConditionCheck: cc}, nil
}
