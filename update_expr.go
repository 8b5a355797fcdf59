package ddbguard

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

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
	// An Admin view's guard names neither the caller nor the editors.
	admin := u.g.admin
	editorGuard := u.kind == kindUpdate && s.Editors != "" && !admin
	un, uv := ue.size()
	wid := b2i(s.WriteID != "")
	names := u.guardNames(len(u.clauses)+un+wid, !admin || u.kind == kindTransfer, s.Version != "",
		s.Editors != "" && (editorGuard || u.kind != kindUpdate))
	values := make(map[string]types.AttributeValue, 2+len(u.clauses)+uv+
		b2i(editorGuard)+b2i(u.hasVersion)+b2i(s.Version != "")+b2i(u.arg != nil)+wid)
	if !admin {
		gv.caller.Value = u.caller
		values[vCaller] = &gv.caller
	}
	u.g.putTenant(values, gv)
	if wid == 1 {
		u.putWriteID(names, values, gv)
	}
	if editorGuard {
		values[vSetType] = &types.AttributeValueMemberS{Value: "SS"}
	}
	u.putVersion(values, gv)

	text := u.fixedText()
	if text != "" {
		// A plain update of Set clauses, whose text New wrote: only the
		// placeholders are left, and the version increment's value.
		for i, c := range u.clauses {
			n, v := placeholders(i)
			names[n], values[v] = c.name, c.value
		}
		if s.Version != "" {
			gv.one.Value = "1"
			values[vOne] = &gv.one
		}
	} else if text = u.writeText(ue, names, values, gv); text == "" {
		return request{}, u.errorf(ErrInvalidInput, "nothing to update")
	}
	if ue != nil {
		ue.merge(names, values)
	}
	return request{
		cond:   withCond(u.g.cond(u.g.writeShape(editorGuard), u.hasVersion), ue),
		update: text,
		names:  names,
		values: values,
		onFail: u.g.onFail(),
	}, nil
}

// writeText writes the update's UpdateExpression, section by section, and
// fills its placeholders in names and values. It returns "" for an update
// with nothing to do: the version increment alone is not an update the
// caller asked for.
func (u *GuardedUpdate) writeText(ue *userExpr, names map[string]string, values map[string]types.AttributeValue, gv *guardValues) string {
	var w updateWriter
	w.b.Grow(32 + 16*len(u.clauses) + ue.textLen())
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
	if w.items == 0 || (u.kind == kindUpdate && len(u.clauses) == 0 && u.with == nil) {
		return ""
	}
	return w.b.String()
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
		// wid "-": the text does not depend on the id, so none is drawn.
		u := &GuardedUpdate{op: op{g: g, name: "update", caller: "-", wid: "-"}}
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
		if s.WriteID != "" {
			w.item(phWriteID, " = ", vWriteID)
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

var sectionOps = [4]string{" = ", "", " ", " "}

// updateWriter assembles an UpdateExpression section by section.
type updateWriter struct {
	b     strings.Builder
	sec   int
	open  bool
	items int
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
	w.sep()
	w.b.WriteString(name)
	w.b.WriteString(op)
	w.b.WriteString(value)
}

func (w *updateWriter) raw(body string) {
	w.items++
	w.sep()
	w.b.WriteString(body)
}
