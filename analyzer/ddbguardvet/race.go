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
	op       string        // GetItem, Query, ...
	via      *ssa.Function // the function the read goes through, or nil
	ifs      []*ssa.If     // branches whose condition depends on the result
	returned bool          // the result reaches a return of the function
}

// raceFinder knows, for one function, which branches depend on a read.
type raceFinder struct {
	reads []*readSite
}

func newRaceFinder(fn *ssa.Function, e *engine) *raceFinder {
	return &raceFinder{reads: findReads(fn, e)}
}

// findReads finds the reads of fn and the branches and returns they reach.
func findReads(fn *ssa.Function, e *engine) []*readSite {
	var reads []*readSite
	forEachInstr([]*ssa.Function{fn}, func(instr ssa.Instruction) {
		call, ok := instr.(ssa.CallInstruction)
		if !ok || call.Value() == nil {
			return
		}
		site := &readSite{call: call}
		site.op, site.via = e.readOf(call)
		for _, arg := range call.Common().Args {
			if op := readOp(arg.Type()); op != "" {
				site.op, site.via = op, nil
			}
		}
		if site.op != "" {
			site.ifs, site.returned = taintedIfs(call.Value(), site.op)
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
//
// For the multi-item reads (Query, Scan, BatchGetItem), the number of items
// and the paging fields are not data: iterating over the items (range
// out.Items, len(out.Items)) decides nothing about whose they are.
func taintedIfs(result ssa.Value, op string) ([]*ssa.If, bool) {
	t := &taint{seen: map[ssa.Value]bool{}, multi: multiItem[op]}
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
	multi    bool // the read returns many items: their count is no decision
}

// multiItem are the reads that return a list of items.
var multiItem = map[string]bool{"Query": true, "Scan": true, "BatchGetItem": true}

// pagingFields are the read outputs' fields that describe the page, not an
// item: comparing them decides nothing about ownership.
var pagingFields = map[string]bool{
	"LastEvaluatedKey": true, "Count": true, "ScannedCount": true,
	"ConsumedCapacity": true, "UnprocessedKeys": true, "ResultMetadata": true,
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
		if b, ok := in.Common().Value.(*ssa.Builtin); ok && t.multi && (b.Name() == "len" || b.Name() == "cap") {
			return // len(out.Items), cap, append: the count, not the items
		}
		t.call(in)
	case *ssa.FieldAddr:
		if !pagingFields[fieldName(in.X.Type(), in.Field)] {
			t.add(in)
		}
	case *ssa.Field:
		if !pagingFields[fieldNameOf(in.X.Type(), in.Field)] {
			t.add(in)
		}
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

// fieldNameOf returns the name of field i of struct type t.
func fieldNameOf(t types.Type, i int) string {
	s, ok := t.Underlying().(*types.Struct)
	if !ok || i >= s.NumFields() {
		return ""
	}
	return s.Field(i).Name()
}
