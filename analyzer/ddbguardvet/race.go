package ddbguardvet

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// readSite is a DynamoDB read whose result may decide a later write: an SDK
// read, or a call to a function of the package that returns one.
type readSite struct {
	call     ssa.CallInstruction
	op       string    // GetItem, Query, ...
	via      string    // the helper the read goes through, or ""
	ifs      []*ssa.If // branches whose condition depends on the result
	returned bool      // the result reaches a return of the function
}

// raceFinder knows, for one function, which branches depend on a read.
type raceFinder struct {
	reads []*readSite
}

func newRaceFinder(fn *ssa.Function, s *summary) *raceFinder {
	return &raceFinder{reads: findReads(fn, s)}
}

// findReads finds the reads of fn and the branches and returns they reach.
func findReads(fn *ssa.Function, s *summary) []*readSite {
	var reads []*readSite
	forEachInstr([]*ssa.Function{fn}, func(instr ssa.Instruction) {
		call, ok := instr.(ssa.CallInstruction)
		if !ok || call.Value() == nil {
			return
		}
		site := &readSite{call: call}
		if callee := call.Common().StaticCallee(); callee != nil && callee != fn && s.readers[callee] != "" {
			site.op, site.via = s.readers[callee], callee.Name()
		}
		for _, arg := range call.Common().Args {
			if op := readOp(arg.Type()); op != "" {
				site.op, site.via = op, ""
			}
		}
		if site.op != "" {
			site.ifs, site.returned = taintedIfs(call.Value())
			reads = append(reads, site)
		}
	})
	return reads
}

// controlling returns the first read one of whose branches decides whether
// block w runs, or nil. A branch decides w when one of its successors is
// entered only through it and dominates w: "if owner != caller { return }"
// followed by the write, or the write inside "if owner == caller { ... }".
func (rf *raceFinder) controlling(w *ssa.BasicBlock) *readSite {
	for _, read := range rf.reads {
		for _, i := range read.ifs {
			for _, s := range i.Block().Succs {
				if len(s.Preds) == 1 && s.Dominates(w) {
					return read
				}
			}
		}
	}
	return nil
}

// taintedIfs follows the data (not the error) a read returns through fields,
// map lookups, conversions, calls and local variables, and returns the
// branches whose condition it reaches and whether it is returned.
func taintedIfs(result ssa.Value) ([]*ssa.If, bool) {
	t := &taint{seen: map[ssa.Value]bool{}}
	if _, isTuple := result.Type().(*types.Tuple); isTuple {
		for _, instr := range referrers(result) {
			if ex, ok := instr.(*ssa.Extract); ok && ex.Index == 0 {
				t.add(ex)
			}
		}
	} else {
		t.add(result) // a helper's error can be the decision: checkOwner(ctx, id)
	}
	for len(t.work) > 0 {
		v := t.work[len(t.work)-1]
		t.work = t.work[:len(t.work)-1]
		for _, instr := range referrers(v) {
			t.flow(v, instr)
		}
	}
	return t.ifs, t.returned
}

// taint is the state of one data-flow walk.
type taint struct {
	seen     map[ssa.Value]bool
	work     []ssa.Value
	ifs      []*ssa.If
	returned bool
}

func (t *taint) add(v ssa.Value) {
	if v != nil && !t.seen[v] {
		t.seen[v] = true
		t.work = append(t.work, v)
	}
}

// flow propagates the taint of v through one instruction that uses it.
func (t *taint) flow(v ssa.Value, instr ssa.Instruction) {
	switch in := instr.(type) {
	case *ssa.If:
		t.ifs = append(t.ifs, in)
	case *ssa.Return:
		t.returned = true
	case *ssa.Store:
		if in.Val == v {
			t.add(rootAlloc(in.Addr))
		}
	case ssa.CallInstruction:
		t.call(in)
	case *ssa.Extract:
		if !isLibraryError(in.Tuple, in.Type()) {
			t.add(in)
		}
	case ssa.Value:
		t.add(in)
	}
}

// call taints what a call computes from tainted data: its result, and the
// variables it fills through pointers (attributevalue.UnmarshalMap(item, &rec)).
func (t *taint) call(call ssa.CallInstruction) {
	if v := call.Value(); v != nil && !isLibraryError(v, v.Type()) {
		t.add(v)
	}
	for _, arg := range call.Common().Args {
		if _, isPtr := arg.Type().Underlying().(*types.Pointer); isPtr || isInterface(arg.Type()) {
			t.add(rootAlloc(arg))
		}
	}
}

// isLibraryError reports whether v, of type typ, is the error a standard or
// SDK function returns (a decoding failure, not a comparison of the data).
func isLibraryError(v ssa.Value, typ types.Type) bool {
	if !isError(typ) {
		return false
	}
	call, ok := v.(*ssa.Call)
	if !ok {
		return false
	}
	path := calleePkgPath(call.Common())
	return path != "" && (isStdlib(path) || strings.HasPrefix(path, "github.com/aws/"))
}

// isError reports whether t is the error type.
func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// rootAlloc returns the local allocation addr points into, or nil.
func rootAlloc(addr ssa.Value) ssa.Value {
	for {
		switch a := addr.(type) {
		case *ssa.Alloc:
			return a
		case *ssa.FieldAddr:
			addr = a.X
		case *ssa.IndexAddr:
			addr = a.X
		case *ssa.MakeInterface:
			addr = a.X
		case *ssa.ChangeType:
			addr = a.X
		case *ssa.Slice:
			addr = a.X
		default:
			return nil
		}
	}
}

// isInterface reports whether t is an interface type.
func isInterface(t types.Type) bool {
	_, ok := t.Underlying().(*types.Interface)
	return ok
}
