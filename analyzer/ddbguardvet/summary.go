package ddbguardvet

import (
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"

	"golang.org/x/tools/go/ssa"
)

// group is a top-level function with the closures it declares, and the
// allocations tracked in them.
type group struct {
	root   *ssa.Function
	fns    []*ssa.Function
	allocs []*allocInfo
}

func newGroup(root *ssa.Function, pe *paramEffects) *group {
	fns := withAnons(root, nil)
	return &group{root: root, fns: fns, allocs: trackAllocs(fns, pe)}
}

// writeSite is an unconditioned write a function performs, directly or
// through the functions it calls.
type writeSite struct {
	op     string
	at     string // file.go:line of the SDK call
	low    string // why it needs no owner guard (low severity); "" is high
	shape  shape  // what replaces it
	keys   []int  // parameters the written key or item derives from
	direct bool   // the function itself sends it (a wrapper), not a callee
	// generic: the key parameters are untyped (any, a key map, strings), so
	// only the callers know whose item it is: their calls are reported.
	generic bool
}

// fsum summarizes one function: what it returns, what it writes, and what
// it does with the SDK inputs it receives. In the analyzer it travels to
// other packages as a fact (see facts.go).
type fsum struct {
	read   string // the read operation whose data it returns, or ""
	write  *writeSite
	params map[int]effect // effect on its SDK-input parameters
}

// engine holds the summaries of the functions in scope (the analyzed
// package, or the whole module) and finds those of other functions: from
// facts in the analyzer, through interface implementations in module mode.
type engine struct {
	inScope func(*ssa.Function) bool
	facts   func(*ssa.Function) *fsum             // nil: none
	impls   func(*ssa.CallCommon) []*ssa.Function // nil: interface calls stay unresolved
	sums    map[*ssa.Function]*fsum
	pe      *paramEffects
	lowPkg  func(*ssa.Function) string // low-severity reason of a function's package
}

func newEngine(inScope func(*ssa.Function) bool) *engine {
	e := &engine{inScope: inScope, sums: map[*ssa.Function]*fsum{}}
	e.pe = &paramEffects{e: e, memo: map[paramKey]effect{}}
	e.lowPkg = func(*ssa.Function) string { return "" }
	return e
}

// origin returns the generic function an instance was made from.
func origin(f *ssa.Function) *ssa.Function {
	if f != nil && f.Origin() != nil {
		return f.Origin()
	}
	return f
}

// targets returns the functions a call may invoke whose summaries can be
// known: its static callee, or the module's implementations of an interface
// method in module mode.
func (e *engine) targets(c *ssa.CallCommon) []*ssa.Function {
	if c.IsInvoke() {
		if e.impls != nil {
			return e.impls(c)
		}
		return nil
	}
	if f := c.StaticCallee(); f != nil {
		return []*ssa.Function{origin(f)}
	}
	return nil
}

// sumOf returns the summary of f, or nil.
func (e *engine) sumOf(f *ssa.Function) *fsum {
	if e.inScope(f) {
		return e.sums[f]
	}
	if e.facts != nil {
		return e.facts(f)
	}
	return nil
}

func (e *engine) sum(f *ssa.Function) *fsum {
	s := e.sums[f]
	if s == nil {
		s = &fsum{}
		e.sums[f] = s
	}
	return s
}

// readOf returns the read operation whose data the call returns through a
// function of the module, and that function, or "".
func (e *engine) readOf(call ssa.CallInstruction) (string, *ssa.Function) {
	for _, t := range e.targets(call.Common()) {
		if t == call.Parent() {
			continue
		}
		if s := e.sumOf(t); s != nil && s.read != "" {
			return s.read, t
		}
	}
	return "", nil
}

// writeOf returns the unconditioned write the call makes through a function
// of the module, and that function, or nil.
func (e *engine) writeOf(call ssa.CallInstruction) (*writeSite, *ssa.Function) {
	for _, t := range e.targets(call.Common()) {
		if t == call.Parent() {
			continue
		}
		if s := e.sumOf(t); s != nil && s.write != nil {
			return s.write, t
		}
	}
	return nil, nil
}

// summarize computes the summaries of the groups' functions to a fixed point.
func (e *engine) summarize(groups []*group) {
	var fns []*ssa.Function
	for _, g := range groups {
		fns = append(fns, g.fns...)
		for _, a := range g.allocs {
			if !a.flagged() || a.kind.txItem {
				continue
			}
			for _, sink := range a.sinks {
				ws := e.directWrite(a, sink)
				e.addWrite(sink.Parent(), ws)
				if g.root != sink.Parent() {
					cp := *ws
					cp.keys, cp.direct, cp.generic = nil, false, false
					e.addWrite(g.root, &cp)
				}
			}
		}
	}
	for changed := true; changed; {
		changed = e.propagateWriters(fns)
	}
	for changed := true; changed; {
		changed = e.propagateReaders(fns)
	}
	for _, fn := range fns {
		for i, p := range fn.Params {
			if kindOfPointer(p.Type()) != nil {
				if eff := e.pe.effectOf(fn, i); eff != effectUnknown {
					s := e.sum(fn)
					if s.params == nil {
						s.params = map[int]effect{}
					}
					s.params[i] = eff
				}
			}
		}
	}
}

// directWrite describes the unconditioned write a sends at sink.
func (e *engine) directWrite(a *allocInfo, sink ssa.CallInstruction) *writeSite {
	fn := sink.Parent()
	o := originsOf(e, fn, a.keyVals)
	ws := &writeSite{
		op:     a.kind.op,
		at:     where(fn.Prog.Fset, sink.Pos()),
		low:    lowReason(a, sink),
		shape:  o.shape(a.kind.op),
		keys:   o.paramList(),
		direct: true,
	}
	if ws.low == "" {
		ws.low = e.lowPkg(fn)
	}
	ws.generic = len(ws.keys) > 0
	for _, k := range ws.keys {
		if !untypedKey(fn.Params[k].Type()) {
			ws.generic = false
		}
	}
	return ws
}

func (e *engine) addWrite(fn *ssa.Function, ws *writeSite) bool {
	s := e.sum(fn)
	if s.write != nil {
		return false
	}
	s.write = ws
	return true
}

// propagateWriters marks the callers of writers as writers, the written key
// now derived from the caller's own parameters.
func (e *engine) propagateWriters(fns []*ssa.Function) bool {
	changed := false
	forEachInstr(fns, func(instr ssa.Instruction) {
		call, ok := instr.(ssa.CallInstruction)
		if !ok {
			return
		}
		w, callee := e.writeOf(call)
		if w == nil {
			return
		}
		cp := *w
		cp.direct, cp.generic = false, false
		cp.keys = originsOf(e, call.Parent(), keyArgs(call.Common(), callee, w.keys)).paramList()
		if e.addWrite(call.Parent(), &cp) {
			changed = true
		}
	})
	return changed
}

// keyArgs returns the arguments of c passed to callee's parameters keys.
func keyArgs(c *ssa.CallCommon, callee *ssa.Function, keys []int) []ssa.Value {
	var args []ssa.Value
	for _, k := range keys {
		i := k
		if c.IsInvoke() {
			i-- // the implementation's receiver is c.Value, not an argument
		}
		switch {
		case i == -1:
			args = append(args, c.Value)
		case i >= 0 && i < len(c.Args):
			args = append(args, c.Args[i])
		}
	}
	return args
}

// propagateReaders marks the functions that return what a read returned.
func (e *engine) propagateReaders(fns []*ssa.Function) bool {
	changed := false
	for _, fn := range fns {
		if s := e.sums[fn]; s != nil && (s.read != "" || s.write != nil && errorOnly(fn.Signature)) {
			continue // an error-only writer's error reports its write, not a check
		}
		for _, read := range findReads(fn, e) {
			if read.returned {
				e.sum(fn).read = read.op
				changed = true
				break
			}
		}
	}
	return changed
}

// writerCalls returns the calls in fn to functions that write unconditioned.
func (e *engine) writerCalls(fn *ssa.Function) []ssa.CallInstruction {
	var calls []ssa.CallInstruction
	forEachInstr([]*ssa.Function{fn}, func(instr ssa.Instruction) {
		if call, ok := instr.(ssa.CallInstruction); ok {
			if w, _ := e.writeOf(call); w != nil {
				calls = append(calls, call)
			}
		}
	})
	return calls
}

// where formats pos as file.go:line.
func where(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// funcName names f for a message: pkg.Func, Type.Method, or Func when it is
// in the package of from.
func funcName(f *ssa.Function, from *ssa.Function) string {
	name := f.Name()
	if recv := f.Signature.Recv(); recv != nil {
		if _, tn, ok := namedStruct(recv.Type()); ok {
			name = tn + "." + name
		}
	}
	if f.Pkg != nil && from != nil && from.Pkg != f.Pkg && f.Signature.Recv() == nil {
		name = f.Pkg.Pkg.Name() + "." + name
	}
	return name
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[int]bool) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// errorOnly reports whether sig returns just an error.
func errorOnly(sig *types.Signature) bool {
	return sig.Results().Len() == 1 && isError(sig.Results().At(0).Type())
}
