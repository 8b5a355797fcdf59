package ddbguardvet

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// allocInfo is what the analysis learned about one allocation of a tracked
// input or transaction item inside one function (and the closures it makes).
type allocInfo struct {
	origin ssa.Value // the *ssa.Alloc, or a parameter when summarizing
	kind   *writeKind
	pe     *paramEffects
	// conditioned: a non-nil ConditionExpression or Expected is stored into
	// the allocation somewhere in the function.
	conditioned bool
	// unknown: the allocation reaches code that might set the condition (a
	// call into a non-standard function, a store into another structure).
	unknown bool
	// sinks are the calls that send the allocation to DynamoDB.
	sinks []ssa.CallInstruction
	// aliases holds every SSA value known to point to the allocation.
	aliases map[ssa.Value]bool
	// keyVals are the values stored into its Key (or Item): what it writes.
	keyVals []ssa.Value
	// fields holds the values stored into its other fields, by name
	// (UpdateExpression, ReturnValues), for the severity.
	fields map[string][]ssa.Value
}

// flagged reports whether the allocation is known to reach DynamoDB without
// a condition.
func (a *allocInfo) flagged() bool { return !a.conditioned && !a.unknown }

// track follows every use of a tracked allocation (or parameter) through
// local variables, phis, conversions, closures and the package's own
// functions, and records what happens to it.
func track(origin ssa.Value, kind *writeKind, pe *paramEffects) *allocInfo {
	a := &allocInfo{origin: origin, kind: kind, pe: pe, aliases: map[ssa.Value]bool{}}
	a.visit(origin)
	return a
}

// visit records v as an alias and examines each instruction that uses it.
func (a *allocInfo) visit(v ssa.Value) {
	if a.aliases[v] {
		return
	}
	a.aliases[v] = true
	for _, instr := range referrers(v) {
		a.use(v, instr)
	}
}

// use examines one instruction that uses the alias v.
func (a *allocInfo) use(v ssa.Value, instr ssa.Instruction) {
	switch in := instr.(type) {
	case *ssa.FieldAddr:
		if in.X != v {
			return
		}
		if isConditionField(v.Type(), in.Field) && setsField(in) {
			a.conditioned = true
		}
		a.fieldStores(in)
	case *ssa.Store:
		if in.Val == v {
			a.stored(in.Addr)
		}
	case *ssa.Phi, *ssa.ChangeType, *ssa.MakeInterface:
		a.visit(in.(ssa.Value))
	case *ssa.MakeClosure:
		a.captured(in, v, a.visit)
	case ssa.CallInstruction:
		a.called(instr.(ssa.CallInstruction), v)
	case *ssa.UnOp:
		if in.Op == token.MUL && in.X == v {
			a.copied(in)
		}
	case *ssa.Send:
		a.unknown = true
	}
}

// fieldStores records the values stored through the field address fa.
func (a *allocInfo) fieldStores(fa *ssa.FieldAddr) {
	name := fieldName(fa.X.Type(), fa.Field)
	for _, instr := range referrers(fa) {
		st, ok := instr.(*ssa.Store)
		if !ok || st.Addr != fa || isNilConst(st.Val) {
			continue
		}
		switch name {
		case "Key", "Item":
			a.keyVals = append(a.keyVals, st.Val)
		case "UpdateExpression", "ReturnValues":
			if a.fields == nil {
				a.fields = map[string][]ssa.Value{}
			}
			a.fields[name] = append(a.fields[name], st.Val)
		}
	}
}

// copied follows a copy of the struct into another variable of the same type
// (x := T{...} may build the literal in a temporary first): a condition set
// on the copy counts for the original.
func (a *allocInfo) copied(load *ssa.UnOp) {
	for _, instr := range referrers(load) {
		if st, ok := instr.(*ssa.Store); ok && st.Val == load {
			if dst, ok := st.Addr.(*ssa.Alloc); ok && kindOfPointer(dst.Type()) == a.kind {
				a.visit(dst)
			}
		}
	}
}

// stored handles "*addr = alias": a local variable keeps tracking alive, a
// transaction item may live inside its TransactWriteItem, anything else
// hands the allocation to code the analysis does not see.
func (a *allocInfo) stored(addr ssa.Value) {
	switch {
	case isLocalVar(addr):
		a.visitVar(addr)
	case a.kind.txItem, isPrinterArgs(addr):
	default:
		a.unknown = true
	}
}

// isPrinterArgs reports whether addr is a slot of a variadic argument array
// that only printers and loggers receive (fmt.Println("put", in)).
func isPrinterArgs(addr ssa.Value) bool {
	ia, ok := addr.(*ssa.IndexAddr)
	if !ok {
		return false
	}
	arr, ok := ia.X.(*ssa.Alloc)
	if !ok {
		return false
	}
	for _, instr := range referrers(arr) {
		switch in := instr.(type) {
		case *ssa.IndexAddr:
		case *ssa.Slice:
			for _, use := range referrers(in) {
				call, ok := use.(ssa.CallInstruction)
				if !ok || !isReadOnlyCallee(call.Common()) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// visitVar follows the loads of a local variable (or captured variable) that
// holds the allocation's pointer.
func (a *allocInfo) visitVar(addr ssa.Value) {
	if a.aliases[addr] {
		return
	}
	a.aliases[addr] = true
	for _, instr := range referrers(addr) {
		switch in := instr.(type) {
		case *ssa.UnOp:
			a.visit(in)
		case *ssa.MakeClosure:
			a.captured(in, addr, a.visitVar)
		case ssa.CallInstruction:
			if hasArg(in.Common(), addr) {
				a.unknown = true // &in passed on: the callee may swap it
			}
		}
	}
}

// captured follows v into the closure that binds it.
func (a *allocInfo) captured(mc *ssa.MakeClosure, v ssa.Value, follow func(ssa.Value)) {
	fn, ok := mc.Fn.(*ssa.Function)
	if !ok {
		a.unknown = true
		return
	}
	for i, b := range mc.Bindings {
		if b == v && i < len(fn.FreeVars) {
			follow(fn.FreeVars[i])
		}
	}
}

// called handles a call that receives the alias v.
func (a *allocInfo) called(call ssa.CallInstruction, v ssa.Value) {
	c := call.Common()
	if !hasArg(c, v) {
		return
	}
	if callee := a.pe.local(c); callee != nil {
		switch a.pe.effectOf(callee, argIndex(c, v)) {
		case effectSends:
			a.sinks = append(a.sinks, call)
		case effectConditions:
			a.conditioned = true
		case effectUnknown:
			a.unknown = true
		}
		return
	}
	if eff, ok := a.pe.external(c, argIndex(c, v)); ok {
		switch eff {
		case effectSends:
			a.sinks = append(a.sinks, call)
		case effectConditions:
			a.conditioned = true
		case effectUnknown:
			a.unknown = true
		}
		return
	}
	switch {
	case a.kind.op != "" && isWriteCall(c, a.kind.op) && kindOfPointer(v.Type()) == a.kind:
		a.sinks = append(a.sinks, call)
	case isReadOnlyCallee(c):
	default:
		a.unknown = true
	}
}

// setsField reports whether the address of a condition field is used for
// anything but reading it (a store of nil does not count).
func setsField(fa *ssa.FieldAddr) bool {
	for _, instr := range referrers(fa) {
		switch in := instr.(type) {
		case *ssa.UnOp, *ssa.DebugRef:
		case *ssa.Store:
			if !isNilConst(in.Val) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// isNilConst reports whether v is the constant nil.
func isNilConst(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	return ok && c.Value == nil
}

// isLocalVar reports whether addr is a local (possibly captured) variable
// that holds a pointer.
func isLocalVar(addr ssa.Value) bool {
	switch addr.(type) {
	case *ssa.Alloc, *ssa.FreeVar:
	default:
		return false
	}
	p, ok := types.Unalias(addr.Type()).(*types.Pointer)
	if !ok {
		return false
	}
	_, holdsPtr := p.Elem().Underlying().(*types.Pointer)
	return holdsPtr
}

// referrers returns the instructions using v, or nil.
func referrers(v ssa.Value) []ssa.Instruction {
	if r := v.Referrers(); r != nil {
		return *r
	}
	return nil
}
