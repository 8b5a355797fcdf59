package ddbguard

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// updateKind says what an update is for; each kind has its own guard.
type updateKind uint8

const (
	kindUpdate        updateKind = iota // owner or editor
	kindTransfer                        // owner only; sets the owner, clears editors
	kindAddEditors                      // owner only
	kindRemoveEditors                   // owner only
)

// GuardedUpdate is an UpdateItem that succeeds only if the item exists and
// the caller owns it (or, with Schema.Editors, is one of its editors).
// Build it with Guard.Update or Guard.Transfer, chain setters, then call Run,
// Value or Input. The first error met while chaining is kept and returned by
// the terminal call, which then sends nothing.
//
// A GuardedUpdate is not safe for concurrent use. It may be run more than
// once; each run is one request.
type GuardedUpdate struct {
	op
	kind      updateKind
	clauses   []clause
	clauseBuf [2]clause // clauses' first storage: most updates set one or two attributes
	with      *expression.UpdateBuilder
	preconds
	arg types.AttributeValue // the new owner, or the editors to add or remove
	// valBuf holds the first string value of Set and Add, so that it
	// takes no allocation of its own.
	valBuf [1]types.AttributeValueMemberS
	blk    updateBlock // the first Run's input (runInput)
	used   bool        // blk holds a request handed to the API
}

// clause is one Set, Add or Remove of a literal top-level attribute.
type clause struct {
	section int
	name    string
	value   types.AttributeValue
}

// Update starts an update of the item at k on behalf of caller.
func (g *Guard) Update(caller string, k Key) *GuardedUpdate {
	u := &GuardedUpdate{}
	g.initOp(&u.op, "update", caller, k)
	return u
}

// Transfer starts an update that gives the item at k to newOwner. Only the
// current owner may transfer; the editors are cleared, since the new owner
// decides who may edit. Further Set, Add and Remove calls apply in the same
// request.
func (g *Guard) Transfer(caller string, k Key, newOwner string) *GuardedUpdate {
	u := &GuardedUpdate{kind: kindTransfer}
	g.initOp(&u.op, "transfer", caller, k)
	switch {
	case strings.TrimSpace(newOwner) == "" || !utf8.ValidString(newOwner):
		u.fail(ErrInvalidInput, "new owner must be a non-blank UTF-8 string")
	case g.s.OwnerIndex != "" && len(newOwner) > maxPartitionKey:
		u.fail(ErrInvalidInput, "new owner longer than 2048 bytes, an index key's limit")
	}
	u.arg = &types.AttributeValueMemberS{Value: newOwner}
	return u
}

// AddEditors starts an update, allowed to the owner only, that adds editors
// to the item's Schema.Editors set.
func (g *Guard) AddEditors(caller string, k Key, editors ...string) *GuardedUpdate {
	return g.editors("add_editors", kindAddEditors, caller, k, editors)
}

// RemoveEditors starts an update, allowed to the owner only, that removes
// editors from the item's Schema.Editors set.
func (g *Guard) RemoveEditors(caller string, k Key, editors ...string) *GuardedUpdate {
	return g.editors("remove_editors", kindRemoveEditors, caller, k, editors)
}

func (g *Guard) editors(name string, kind updateKind, caller string, k Key, editors []string) *GuardedUpdate {
	u := &GuardedUpdate{kind: kind}
	g.initOp(&u.op, name, caller, k)
	switch {
	case g.s.Editors == "":
		u.fail(ErrInvalidInput, "schema has no Editors attribute")
	case len(editors) == 0:
		u.fail(ErrInvalidInput, "no editors given")
	}
	for _, e := range editors {
		if strings.TrimSpace(e) == "" || !utf8.ValidString(e) {
			u.fail(ErrInvalidInput, "editors must be non-blank UTF-8 strings")
		}
	}
	set := &types.AttributeValueMemberSS{Value: append([]string(nil), editors...)}
	if err := checkValue(set); len(editors) > 0 && err != nil {
		u.fail(ErrInvalidInput, "editors: "+err.Error())
	}
	u.arg = set
	return u
}

// Set sets the top-level attribute name to v. The name is taken literally
// (dots and brackets are part of it); use With for nested paths.
func (u *GuardedUpdate) Set(name string, v any) *GuardedUpdate {
	return u.clause(secSet, name, v)
}

// Add adds the number v to the attribute name, or adds the members of the
// set v to it ([]string becomes a string set), as DynamoDB's ADD does.
func (u *GuardedUpdate) Add(name string, v any) *GuardedUpdate {
	if ss, ok := v.([]string); ok {
		v = &types.AttributeValueMemberSS{Value: ss}
	}
	u.clause(secAdd, name, v)
	if u.err == nil {
		switch u.clauses[len(u.clauses)-1].value.(type) {
		case *types.AttributeValueMemberN, *types.AttributeValueMemberNS,
			*types.AttributeValueMemberSS, *types.AttributeValueMemberBS:
		default:
			u.fail(ErrInvalidInput, "Add takes a number or a set")
		}
	}
	return u
}

// Remove removes the top-level attribute name.
func (u *GuardedUpdate) Remove(name string) *GuardedUpdate {
	return u.clause(secRemove, name, nil)
}

func (u *GuardedUpdate) clause(section int, name string, v any) *GuardedUpdate {
	u.changed()
	if u.err != nil {
		return u
	}
	if err := checkName(name); err != nil {
		u.fail(ErrInvalidInput, err.Error())
		return u
	}
	if u.g.isGuarded(name) {
		u.fail(ErrProtectedAttribute, "attribute "+strconv.Quote(name)+" is written only by the guard")
		return u
	}
	for _, c := range u.clauses {
		if c.name == name {
			u.fail(ErrInvalidInput, "attribute "+strconv.Quote(name)+" named twice")
			return u
		}
	}
	c := clause{section: section, name: name}
	if section != secRemove {
		var av types.AttributeValue
		var err error
		if x, ok := v.(string); ok && len(u.clauses) < len(u.valBuf) {
			u.valBuf[len(u.clauses)].Value = x
			av = &u.valBuf[len(u.clauses)]
		} else {
			av, err = marshalValue(v)
		}
		if err != nil {
			u.fail(ErrInvalidInput, "attribute "+strconv.Quote(name)+": "+err.Error())
			return u
		}
		if valueSize(av) > maxItemSize {
			u.fail(ErrInvalidInput, "attribute "+strconv.Quote(name)+" is larger than an item may be")
			return u
		}
		c.value = av
	}
	if u.clauses == nil {
		u.clauses = u.clauseBuf[:0]
	}
	u.clauses = append(u.clauses, c)
	return u
}

// With merges an arbitrary update built with the expression package into
// the same UpdateExpression, for nested paths, list_append, if_not_exists
// and the like. Every attribute it names at the top level is checked: one
// the guard owns makes the update fail with ErrProtectedAttribute. At most
// one With per update.
func (u *GuardedUpdate) With(ub expression.UpdateBuilder) *GuardedUpdate {
	u.changed()
	if u.with != nil {
		u.fail(ErrInvalidInput, "With called twice")
	}
	u.with = &ub
	return u
}

// If adds a precondition, ANDed with the guard (and with earlier If
// conditions); it can never replace the guard. When the guard holds but the
// precondition does not, the update fails with ErrConflict.
func (u *GuardedUpdate) If(cb expression.ConditionBuilder) *GuardedUpdate {
	u.changed()
	u.conds = append(u.conds, cb)
	return u
}

// IfVersion requires the item's Schema.Version attribute to equal n, for
// optimistic locking; a mismatch is ErrConflict. Without Schema.Version the
// update fails with ErrInvalidInput.
func (u *GuardedUpdate) IfVersion(n int64) *GuardedUpdate {
	u.ifVersion(&u.op, n)
	return u
}

// Input returns the UpdateItemInput that Run would send, without sending it.
func (u *GuardedUpdate) Input() (*dynamodb.UpdateItemInput, error) {
	b := &updateBlock{table: u.g.s.Table}
	r, err := u.build(&b.gv)
	if err != nil {
		return nil, err
	}
	return b.fill(u.av, r), nil
}

// runInput is Input for Run and Value: the first one's input lives in the
// builder, later ones get their own (an API may keep the requests it was
// handed).
func (u *GuardedUpdate) runInput() (*dynamodb.UpdateItemInput, error) {
	if u.used {
		return u.Input()
	}
	b := &u.blk
	*b = updateBlock{table: u.g.s.Table}
	r, err := u.build(&b.gv)
	if err != nil {
		return nil, err
	}
	u.used = true
	return b.fill(u.av, r), nil
}

// Run sends the update: one UpdateItem request.
func (u *GuardedUpdate) Run(ctx context.Context) error {
	_, err := u.send(ctx, types.ReturnValueNone)
	return err
}

// Value sends the update and unmarshals the item as it is after the update
// into out, which must be a non-nil pointer.
func (u *GuardedUpdate) Value(ctx context.Context, out any) error {
	if err := checkOut(out); err != nil {
		u.fail(ErrInvalidInput, err.Error())
	}
	res, err := u.send(ctx, types.ReturnValueAllNew)
	if err != nil {
		return err
	}
	return u.unmarshal(res.Attributes, out)
}

func (u *GuardedUpdate) send(ctx context.Context, rv types.ReturnValue) (out *dynamodb.UpdateItemOutput, err error) {
	if e := u.owned(); e != nil {
		return nil, u.report(ctx, e)
	}
	in, err := u.runInput()
	if err != nil {
		return nil, u.report(ctx, err.(*Error))
	}
	in.ReturnValues = rv
	defer func() { u.settle(err) }()
	out, err = u.g.api.UpdateItem(ctx, in)
	if err != nil {
		item, err := u.failed(ctx, err, u, rv == types.ReturnValueAllNew)
		if err != nil {
			return nil, err
		}
		// An earlier attempt landed: the item as it is is what it wrote.
		u.reportOK(ctx, -1)
		return &dynamodb.UpdateItemOutput{Attributes: item}, nil
	}
	u.reportOK(ctx, -1)
	return out, nil
}

func (o *op) unmarshal(item map[string]types.AttributeValue, out any) error {
	if err := attributevalue.UnmarshalMap(item, out); err != nil {
		return &Error{Op: o.name, Table: o.g.s.Table, Key: o.keyOf(), Index: -1, Cause: err}
	}
	return nil
}

// judge classifies a failed condition from the item as it was.
func (u *GuardedUpdate) judge(item map[string]types.AttributeValue) verdict {
	editors := u.kind == kindUpdate && u.g.s.Editors != ""
	return u.g.judgeWrite(u.caller, item, editors, u.expected())
}

// landed is false: an update is recognized only by its WriteID.
func (u *GuardedUpdate) landed(map[string]types.AttributeValue) bool { return false }
