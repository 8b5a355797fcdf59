package ddbguard

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// GuardedCreate is a PutItem that succeeds only if no item exists under the
// item's key, with the owner attribute stamped from the caller (and, with
// Schema.Version, the version set to 1). Build it with Guard.Create, then
// call Run or Input.
//
// A GuardedCreate is not safe for concurrent use.
type GuardedCreate struct {
	op
	item  map[string]types.AttributeValue
	conds []expression.ConditionBuilder
	st    stamps
	blk   putInput // the first Run's input (runInput)
	used  bool     // blk holds a request handed to the API
	// countOpt holds the call option that counts the SDK's attempts
	// (counted).
	countOpt [1]func(*dynamodb.Options)
}

// Create starts a create of item on behalf of caller. item is a struct or
// map that attributevalue.MarshalMap accepts, or a
// map[string]types.AttributeValue; it must carry the key. An owner
// attribute that names anyone but caller is ErrProtectedAttribute; a
// version attribute is overwritten with 1 and a WriteID attribute with the
// create's own id. Protected attributes and editors are stored as given:
// the creator owns the new item, and keeping clients from choosing them is
// the job of the service's input type.
func (g *Guard) Create(caller string, item any) *GuardedCreate {
	c := &GuardedCreate{}
	m := g.itemOp(&c.op, &c.st, "create", caller, item)
	if c.err == nil && g.s.Editors != "" {
		if ed, ok := m[g.s.Editors]; ok {
			if _, ss := ed.(*types.AttributeValueMemberSS); !ss {
				c.fail(ErrInvalidInput, "editors attribute must be a string set")
			}
		}
	}
	if c.err == nil && g.s.Version != "" {
		c.st.version.Value = "1"
		m[g.s.Version] = &c.st.version
	}
	c.item = m
	return c
}

// If adds a precondition, ANDed with the guard; it is evaluated against
// the item that exists, if any.
func (c *GuardedCreate) If(cb expression.ConditionBuilder) *GuardedCreate {
	c.changed()
	c.conds = append(c.conds, cb)
	return c
}

// Input returns the PutItemInput that Run would send, without sending it.
func (c *GuardedCreate) Input() (*dynamodb.PutItemInput, error) {
	b := &putBlock{putInput: putInput{table: c.g.s.Table}}
	r, err := c.build(&b.gv.wid)
	if err != nil {
		return nil, err
	}
	return b.fill(c.item, r), nil
}

// runInput is Input for Run: the first Run's input lives in the builder,
// later ones get their own (an API may keep the requests it was handed).
func (c *GuardedCreate) runInput() (*dynamodb.PutItemInput, error) {
	if c.used {
		return c.Input()
	}
	b := &c.blk
	*b = putInput{table: c.g.s.Table}
	r, err := c.build(&c.st.wid)
	if err != nil {
		return nil, err
	}
	c.used = true
	return b.fill(c.item, r), nil
}

// build compiles the create's condition and stamps its id, kept in wid, in
// the item.
func (c *GuardedCreate) build(wid *types.AttributeValueMemberS) (request, error) {
	if c.err != nil {
		return request{}, c.err
	}
	if c.g.s.WriteID != "" {
		// No clause: attribute_not_exists already fails a retry.
		wid.Value = c.writeID()
		c.item[c.g.s.WriteID] = wid
	}
	ue, err := compileUser(nil, c.conds)
	if err != nil {
		return request{}, c.errorf(ErrInvalidInput, "If: "+err.Error())
	}
	un, _ := ue.size()
	names := c.guardNames(un, false, false, false)
	var values map[string]types.AttributeValue
	if ue != nil && len(ue.values) > 0 {
		values = make(map[string]types.AttributeValue, len(ue.values))
	}
	if ue != nil {
		ue.merge(names, values)
	}
	return request{cond: withCond(condCreate, ue), names: names, values: values, onFail: c.g.onFail()}, nil
}

// Run sends the create: one PutItem request. An existing item is
// ErrAlreadyExists, which also matches ErrConflict.
func (c *GuardedCreate) Run(ctx context.Context) (err error) {
	if e := c.owned(); e != nil {
		return c.report(ctx, e)
	}
	in, err := c.runInput()
	if err != nil {
		return c.report(ctx, err.(*Error))
	}
	defer func() { c.settle(err) }()
	if _, err := c.g.api.PutItem(ctx, in, c.counted()...); err != nil {
		if _, err = c.failed(ctx, err, c, false); err != nil {
			return err
		}
	}
	c.inDoubt = false
	c.reportOK(ctx, -1)
	return nil
}

// judge classifies a failed create. The stored item is shown only to its
// owner in the view's tenant, or to the actor of an Admin view there: in a
// key space shared by tenants, another tenant's item is ErrAlreadyExists
// and nothing more.
func (c *GuardedCreate) judge(item map[string]types.AttributeValue) verdict {
	if len(item) == 0 {
		return verdict{err: ErrConflict, detail: "precondition failed"}
	}
	g := c.g
	return verdict{err: ErrAlreadyExists, expose: g.inTenant(item) && (g.admin || g.owns(c.caller, item))}
}

// landed reports whether the caller's identical item is stored: an
// earlier attempt of this create landed.
func (c *GuardedCreate) landed(item map[string]types.AttributeValue) bool {
	g := c.g
	return g.inTenant(item) && (g.admin || g.owns(c.caller, item)) && itemsEqual(item, c.item)
}

// GuardedReplace is a PutItem that replaces an item the caller owns. Build
// it with Guard.Replace, then call Run or Input.
//
// With Schema.Version, IfVersion is required (a whole-item replace cannot
// increment a version it has not read) and the version written is n+1.
// Schema.Protected attributes and the editors must be carried unchanged:
// the condition compares them with what is stored, and a mismatch is
// ErrProtectedAttribute.
//
// A GuardedReplace is not safe for concurrent use.
type GuardedReplace struct {
	op
	preconds
	item map[string]types.AttributeValue
	st   stamps
}

// Replace starts a replace of the item under item's key on behalf of
// caller; item is given as to Create.
func (g *Guard) Replace(caller string, item any) *GuardedReplace {
	r := &GuardedReplace{}
	r.item = g.itemOp(&r.op, &r.st, "replace", caller, item)
	return r
}

// If adds a precondition, ANDed with the guard; a failure when the guard
// holds is ErrConflict.
func (r *GuardedReplace) If(cb expression.ConditionBuilder) *GuardedReplace {
	r.changed()
	r.conds = append(r.conds, cb)
	return r
}

// IfVersion requires the stored version to equal n and writes n+1.
func (r *GuardedReplace) IfVersion(n int64) *GuardedReplace {
	r.ifVersion(&r.op, n)
	return r
}

// Input returns the PutItemInput that Run would send, without sending it.
func (r *GuardedReplace) Input() (*dynamodb.PutItemInput, error) {
	b := &putBlock{putInput: putInput{table: r.g.s.Table}}
	req, err := r.build(&b.gv)
	if err != nil {
		return nil, err
	}
	return b.fill(r.item, req), nil
}

// Run sends the replace: one PutItem request.
func (r *GuardedReplace) Run(ctx context.Context) (err error) {
	if e := r.owned(); e != nil {
		return r.report(ctx, e)
	}
	in, err := r.Input()
	if err != nil {
		return r.report(ctx, err.(*Error))
	}
	defer func() { r.settle(err) }()
	if _, err := r.g.api.PutItem(ctx, in); err != nil {
		if _, err = r.failed(ctx, err, r, false); err != nil {
			return err
		}
	}
	r.reportOK(ctx, -1)
	return nil
}

// build compiles the replace's condition; the guard's own values are kept
// in gv.
func (r *GuardedReplace) build(gv *guardValues) (request, error) {
	if r.err != nil {
		return request{}, r.err
	}
	s := &r.g.s
	if s.Version != "" && !r.hasVersion {
		return request{}, r.errorf(ErrInvalidInput, "Replace on a versioned table needs IfVersion")
	}
	ue, err := compileUser(nil, r.conds)
	if err != nil {
		return request{}, r.errorf(ErrInvalidInput, "If: "+err.Error())
	}
	kept := r.kept()
	un, uv := ue.size()
	wid := b2i(s.WriteID != "")
	names := r.guardNames(un+len(kept)+wid, true, r.hasVersion, false)
	values := make(map[string]types.AttributeValue, 2+b2i(r.hasVersion)+len(kept)+uv+wid)
	shape := shapeOwner
	if r.g.admin {
		// The stored owner must be the one the body names: an admin
		// changes an owner only with Transfer.
		shape = shapeStored
		values[vOwner] = r.item[s.Owner]
	} else {
		gv.caller.Value = r.caller
		values[vCaller] = &gv.caller
	}
	r.g.putTenant(values, gv)
	// The WriteID clause ends the guard, after the kept attributes.
	cond := r.g.condNoID(shape, r.hasVersion)
	r.putVersion(values, gv)
	if r.hasVersion {
		r.item[s.Version] = &types.AttributeValueMemberN{Value: strconv.FormatInt(r.version+1, 10)}
	}
	for i, name := range kept {
		n, v := "#gp"+strconv.Itoa(i), ":gp"+strconv.Itoa(i)
		names[n] = name
		if av, ok := r.item[name]; ok {
			values[v] = av
			cond += " AND " + n + " = " + v
		} else {
			cond += " AND attribute_not_exists(" + n + ")"
		}
	}
	if wid == 1 {
		r.item[s.WriteID] = r.putWriteID(names, values, gv)
		cond += condWriteID
	}
	if ue != nil {
		ue.merge(names, values)
	}
	return request{cond: withCond(cond, ue), names: names, values: values, onFail: r.g.onFail()}, nil
}

// kept lists the attributes a Replace must carry unchanged.
func (r *GuardedReplace) kept() []string {
	if r.g.s.Editors == "" {
		return r.g.s.Protected
	}
	return append(append([]string(nil), r.g.s.Protected...), r.g.s.Editors)
}

func (r *GuardedReplace) judge(item map[string]types.AttributeValue) verdict {
	if v := r.g.judgeWrite(r.caller, item, false, r.expected()); v.err != ErrConflict {
		return v
	}
	return r.held(item)
}

// held classifies the failure of a replace the caller may perform: a
// version mismatch, a changed Protected attribute or editors, or a failed
// precondition.
func (r *GuardedReplace) held(item map[string]types.AttributeValue) verdict {
	if r.g.admin && !valuesEqual(item[r.g.s.Owner], r.item[r.g.s.Owner]) {
		return verdict{err: ErrConflict, expose: true, detail: "stored owner differs from the item's"}
	}
	v := r.g.judgeHeld(item, r.expected())
	if v.detail == "version mismatch" {
		return v
	}
	for _, name := range r.kept() {
		if !valuesEqual(item[name], r.item[name]) {
			return verdict{err: ErrProtectedAttribute, expose: true, detail: "attribute " + strconv.Quote(name) + " differs from the stored value"}
		}
	}
	return v
}

func (r *GuardedReplace) landed(map[string]types.AttributeValue) bool { return false }

// stamps holds the attribute values a create or replace stamps in its
// item, so that they take no allocation of their own.
type stamps struct {
	owner, tenant, wid types.AttributeValueMemberS
	version            types.AttributeValueMemberN
}

// itemOp starts the builder o, whose key comes from its item: it marshals
// the item, stamps the owner (and tenant) into st and checks the key and
// size.
func (g *Guard) itemOp(o *op, st *stamps, name, caller string, item any) map[string]types.AttributeValue {
	*o = g.start(name, caller)
	if o.err != nil {
		return nil
	}
	m, size, err := marshalItemSized(item)
	if err != nil {
		o.fail(ErrInvalidInput, "item: "+err.Error())
		return nil
	}
	o.item = m
	o.key, err = g.itemKey(m)
	if err != nil {
		o.failWith(ErrInvalidInput, err)
		return nil
	}
	if !g.stampTenant(m, &st.tenant, &size) {
		o.fail(ErrProtectedAttribute, "item names another tenant")
		return nil
	}
	if g.admin {
		if !g.namesOwner(m) {
			o.fail(ErrInvalidInput, "an admin's item must name its owner")
			return nil
		}
	} else if err := g.stampOwner(caller, m, &st.owner, &size); err != nil {
		o.fail(ErrProtectedAttribute, err.Error())
		return nil
	}
	if size < 0 {
		size = itemSize(m)
	}
	if size > maxItemSize {
		o.fail(ErrInvalidInput, "item is larger than 400 KB")
	}
	return m
}
