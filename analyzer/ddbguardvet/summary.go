package ddbguardvet

import (
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
	op   string
	call ssa.CallInstruction
}

// summary tells, for the functions of the package being analyzed, which
// return data from a DynamoDB read and which perform an unconditioned write,
// so that a read in one helper and a write in another still make a race.
// Helpers of other packages are not summarized.
type summary struct {
	readers map[*ssa.Function]string // function -> read operation
	writers map[*ssa.Function]*writeSite
}

// summarize computes both maps to a fixed point over groups.
func summarize(groups []*group) *summary {
	s := &summary{readers: map[*ssa.Function]string{}, writers: map[*ssa.Function]*writeSite{}}
	var fns []*ssa.Function
	for _, g := range groups {
		fns = append(fns, g.fns...)
		for _, a := range g.allocs {
			if !a.flagged() || a.kind.txItem {
				continue
			}
			for _, sink := range a.sinks {
				s.addWriter(sink.Parent(), a.kind.op, sink)
				s.addWriter(g.root, a.kind.op, sink)
			}
		}
	}
	for changed := true; changed; {
		changed = s.propagateWriters(fns)
	}
	for changed := true; changed; {
		changed = s.propagateReaders(fns)
	}
	return s
}

func (s *summary) addWriter(fn *ssa.Function, op string, call ssa.CallInstruction) bool {
	if s.writers[fn] != nil {
		return false
	}
	s.writers[fn] = &writeSite{op: op, call: call}
	return true
}

// propagateWriters marks the callers of writers as writers.
func (s *summary) propagateWriters(fns []*ssa.Function) bool {
	changed := false
	forEachInstr(fns, func(instr ssa.Instruction) {
		call, ok := instr.(ssa.CallInstruction)
		if !ok {
			return
		}
		if w := s.writers[call.Common().StaticCallee()]; w != nil {
			changed = s.addWriter(call.Parent(), w.op, w.call) || changed
		}
	})
	return changed
}

// propagateReaders marks the functions that return what a read returned.
func (s *summary) propagateReaders(fns []*ssa.Function) bool {
	changed := false
	for _, fn := range fns {
		if s.readers[fn] != "" {
			continue
		}
		for _, read := range findReads(fn, s) {
			if read.returned {
				s.readers[fn] = read.op
				changed = true
				break
			}
		}
	}
	return changed
}

// writerCalls returns the calls in fn to functions that write unconditioned.
func (s *summary) writerCalls(fn *ssa.Function) []ssa.CallInstruction {
	var calls []ssa.CallInstruction
	forEachInstr([]*ssa.Function{fn}, func(instr ssa.Instruction) {
		if call, ok := instr.(ssa.CallInstruction); ok {
			if callee := call.Common().StaticCallee(); callee != fn && s.writers[callee] != nil {
				calls = append(calls, call)
			}
		}
	})
	return calls
}
