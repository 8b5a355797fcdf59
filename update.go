package ddbguard

import (
	"context"
	"errors"
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
	kind       updateKind
	clauses    []clause
	clauseBuf  [2]clause // clauses' first storage: most updates set one or two attributes
	with       *expression.UpdateBuilder
	conds      []expression.ConditionBuilder
	version    int64
	hasVersion bool
	arg        types.AttributeValue // the new owner, or the editors to add or remove
}

// clause is one Set, Add or Remove of a literal top-level attribute.
type clause struct {
	section int
	name    string
	value   types.AttributeValue
}

// Update starts an update of the item at k on behalf of caller.
func (g *Guard) Update(caller string, k Key) *GuardedUpdate {
	return &GuardedUpdate{op: g.newOp("update", caller, k)}
}

// Transfer starts an update that gives the item at k to newOwner. Only the
// current owner may transfer; the editors are cleared, since the new owner
// decides who may edit. Further Set, Add and Remove calls apply in the same
// request.
func (g *Guard) Transfer(caller string, k Key, newOwner string) *GuardedUpdate {
	u := &GuardedUpdate{op: g.newOp("transfer", caller, k), kind: kindTransfer}
	if strings.TrimSpace(newOwner) == "" || !utf8.ValidString(newOwner) {
		u.fail(ErrInvalidInput, "new owner must be a non-blank UTF-8 string")
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
	u := &GuardedUpdate{op: g.newOp(name, caller, k), kind: kind}
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
		av, err := marshalValue(v)
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
	u.conds = append(u.conds, cb)
	return u
}

// IfVersion requires the item's Schema.Version attribute to equal n, for
// optimistic locking; a mismatch is ErrConflict. Without Schema.Version the
// update fails with ErrInvalidInput.
func (u *GuardedUpdate) IfVersion(n int64) *GuardedUpdate {
	if u.g.s.Version == "" {
		u.fail(ErrInvalidInput, "IfVersion needs Schema.Version")
	}
	u.version, u.hasVersion = n, true
	return u
}

// Input returns the UpdateItemInput that Run would send, without sending it.
func (u *GuardedUpdate) Input() (*dynamodb.UpdateItemInput, error) {
	if u.err != nil {
		return nil, u.err
	}
	b := &updateBlock{table: u.g.s.Table}
	r, err := u.build(&b.gv)
	if err != nil {
		return nil, err
	}
	b.update, b.cond = r.update, r.cond
	b.in = dynamodb.UpdateItemInput{
		TableName:                           &b.table,
		Key:                                 u.av,
		UpdateExpression:                    &b.update,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	return &b.in, nil
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

func (u *GuardedUpdate) send(ctx context.Context, rv types.ReturnValue) (*dynamodb.UpdateItemOutput, error) {
	in, err := u.Input()
	if err != nil {
		return nil, u.report(ctx, err.(*Error))
	}
	in.ReturnValues = rv
	out, err := u.g.api.UpdateItem(ctx, in)
	if err != nil {
		if err := u.failed(ctx, err, u); err != nil {
			return nil, err
		}
		// An earlier attempt landed: the item as it was is what it wrote.
		var ccf *types.ConditionalCheckFailedException
		errors.As(err, &ccf)
		return &dynamodb.UpdateItemOutput{Attributes: ccf.Item}, nil
	}
	return out, nil
}

func (o *op) unmarshal(item map[string]types.AttributeValue, out any) error {
	if err := attributevalue.UnmarshalMap(item, out); err != nil {
		return &Error{Op: o.name, Table: o.g.s.Table, Key: o.key, Index: -1, Cause: err}
	}
	return nil
}

// judge classifies a failed condition from the item as it was.
func (u *GuardedUpdate) judge(item map[string]types.AttributeValue) verdict {
	g := u.g
	if u.kind == kindUpdate && g.s.Editors != "" {
		return g.judgeWrite(u.caller, item, true, u.expectedVersion())
	}
	return g.judgeWrite(u.caller, item, false, u.expectedVersion())
}

func (u *GuardedUpdate) expectedVersion() *int64 {
	if !u.hasVersion {
		return nil
	}
	return &u.version
}

// build compiles the update into its request: the guard's condition, the
// caller's clauses and With, and the version increment, in one expression.
// The guard's own values are kept in gv.
func (u *GuardedUpdate) build(gv *guardValues) (request, error) {
	if u.err != nil {
		return request{}, u.err
	}
	s := &u.g.s
	size := 0
	for _, c := range u.clauses {
		size += len(c.name) + valueSize(c.value)
	}
	if size > maxItemSize {
		return request{}, u.errorf(ErrInvalidInput, "values together are larger than an item may be")
	}
	ue, err := compileUser(u.with, u.conds)
	if err != nil {
		return request{}, u.errorf(ErrInvalidInput, "With or If: "+err.Error())
	}
	if err := u.checkWith(ue); err != nil {
		return request{}, err
	}
	editorGuard := u.kind == kindUpdate && s.Editors != ""
	un, uv := ue.size()
	names := u.guardNames(len(u.clauses)+un, true, s.Version != "", s.Editors != "")
	values := make(map[string]types.AttributeValue, 1+len(u.clauses)+uv+
		b2i(editorGuard)+b2i(u.hasVersion)+b2i(s.Version != "")+b2i(u.arg != nil))
	gv.caller.Value = u.caller
	values[vCaller] = &gv.caller
	if editorGuard {
		values[vSetType] = &types.AttributeValueMemberS{Value: "SS"}
	}
	if u.hasVersion {
		gv.version.Value = strconv.FormatInt(u.version, 10)
		values[vVersion] = &gv.version
	}

	var w updateWriter
	fixed := u.fixedText()
	if fixed == "" {
		w.b.Grow(32 + 16*len(u.clauses) + ue.textLen())
	} else {
		w.count = true
	}
	for sec := secSet; sec <= secDelete; sec++ {
		w.section(sec)
		for i, c := range u.clauses {
			if c.section != sec {
				continue
			}
			n, v := placeholders(i)
			names[n] = c.name
			if c.value == nil {
				w.item(n, "", "")
				continue
			}
			values[v] = c.value
			w.item(n, sectionOps[sec], v)
		}
		u.guardClauses(&w, values, gv)
		if ue != nil && ue.updates[sec] != "" {
			w.raw(ue.updates[sec])
		}
	}
	// The version increment alone is not an update the caller asked for.
	if w.items == 0 || (u.kind == kindUpdate && len(u.clauses) == 0 && u.with == nil) {
		return request{}, u.errorf(ErrInvalidInput, "nothing to update")
	}
	if ue != nil {
		ue.merge(names, values)
	}
	if fixed == "" {
		fixed = w.b.String()
	}
	return request{
		cond:   withCond(guardCond(editorGuard, u.hasVersion), ue),
		update: fixed,
		names:  names,
		values: values,
	}, nil
}

// fixedText returns the UpdateExpression that New wrote for this update's
// shape — n Set clauses, no With, a plain update — or "" when build must
// write it.
func (u *GuardedUpdate) fixedText() string {
	n := len(u.clauses)
	if u.kind != kindUpdate || u.with != nil || n == 0 || n > len(u.g.setText) {
		return ""
	}
	for _, c := range u.clauses {
		if c.section != secSet {
			return ""
		}
	}
	return u.g.setText[n-1]
}

// writeSetText fills g.setText by building updates of 1 to len(g.setText)
// Set clauses, so that the text is the one build writes by construction.
func (g *Guard) writeSetText() {
	for n := range g.setText {
		u := &GuardedUpdate{op: op{g: g, name: "update", caller: "-"}}
		for i := 0; i <= n; i++ {
			u.clauses = append(u.clauses, clause{section: secSet, name: strconv.Itoa(i), value: &types.AttributeValueMemberNULL{Value: true}})
		}
		if r, err := u.build(new(guardValues)); err == nil {
			g.setText[n] = r.update
		}
	}
}

// guardClauses writes the actions the guard itself adds to the current
// section: the new owner, cleared editors, editors changes and the version.
func (u *GuardedUpdate) guardClauses(w *updateWriter, values map[string]types.AttributeValue, gv *guardValues) {
	s := &u.g.s
	switch w.sec {
	case secSet:
		if u.kind == kindTransfer {
			values[vNewOwner] = u.arg
			w.item(phOwner, " = ", vNewOwner)
		}
	case secRemove:
		if u.kind == kindTransfer && s.Editors != "" {
			w.item(phEditors, "", "")
		}
	case secAdd:
		if s.Version != "" {
			gv.one.Value = "1"
			values[vOne] = &gv.one
			w.item(phVersion, " ", vOne)
		}
		if u.kind == kindAddEditors {
			values[vEditors] = u.arg
			w.item(phEditors, " ", vEditors)
		}
	case secDelete:
		if u.kind == kindRemoveEditors {
			values[vEditors] = u.arg
			w.item(phEditors, " ", vEditors)
		}
	}
}

// checkWith refuses a With that touches a guarded attribute or overlaps a
// Set, Add or Remove of the same update.
func (u *GuardedUpdate) checkWith(ue *userExpr) error {
	if ue == nil || u.with == nil {
		return nil
	}
	for _, n := range ue.topLevelNames() {
		if u.g.isGuarded(n) {
			return u.errorf(ErrProtectedAttribute, "With names "+strconv.Quote(n)+", which is written only by the guard")
		}
		for _, c := range u.clauses {
			if c.name == n {
				return u.errorf(ErrInvalidInput, "With and a setter both name "+strconv.Quote(n))
			}
		}
	}
	return nil
}

// guardCond returns the guard's condition text; all four are constants.
func guardCond(editors, version bool) string {
	switch {
	case editors && version:
		return condEditor + condVersion
	case editors:
		return condEditor
	case version:
		return condOwner + condVersion
	}
	return condOwner
}

var sectionOps = [4]string{" = ", "", " ", " "}

// updateWriter assembles an UpdateExpression section by section. With
// count set it only counts the items, the text being known already.
type updateWriter struct {
	b     strings.Builder
	sec   int
	open  bool
	items int
	count bool
}

func (w *updateWriter) section(sec int) { w.sec, w.open = sec, false }

func (w *updateWriter) sep() {
	if w.open {
		w.b.WriteString(", ")
		return
	}
	if w.b.Len() > 0 {
		w.b.WriteByte(' ')
	}
	w.b.WriteString(sectionWords[w.sec])
	w.b.WriteByte(' ')
	w.open = true
}

func (w *updateWriter) item(name, op, value string) {
	w.items++
	if w.count {
		return
	}
	w.sep()
	w.b.WriteString(name)
	w.b.WriteString(op)
	w.b.WriteString(value)
}

func (w *updateWriter) raw(body string) {
	w.items++
	if w.count {
		return
	}
	w.sep()
	w.b.WriteString(body)
}

// landed reports whether item shows that this update is already stored: a
// retry of a versioned update whose first attempt landed and whose response
// was lost. Only a plain Update with IfVersion(n) whose clauses are Set and
// Remove is recognizable: the version is n+1, the caller still owns (or
// edits) the item, every Set value is stored and every removed attribute is
// absent. Add is not idempotent and With cannot be compared with the item,
// and a transfer or editors change leaves no mark that tells it from a later
// write, so those report the failed condition as it is.
func (u *GuardedUpdate) landed(item map[string]types.AttributeValue) bool {
	g := u.g
	if u.kind != kindUpdate || !u.hasVersion || u.with != nil || len(item) == 0 {
		return false
	}
	if n, ok := g.versionOf(item); !ok || n != u.version+1 {
		return false
	}
	if !g.owns(u.caller, item) && !g.edits(u.caller, item) {
		return false
	}
	for _, c := range u.clauses {
		switch _, stored := item[c.name]; {
		case c.section == secSet && valuesEqual(c.value, item[c.name]):
		case c.section == secRemove && !stored:
		default:
			return false
		}
	}
	return true
}
