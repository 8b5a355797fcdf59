package ddbguardvet

import (
	"golang.org/x/tools/go/ssa"
)

// effect is what a function does with a write input (or transaction item)
// it receives as a parameter.
type effect int

const (
	effectNone       effect = iota // reads or prints it only
	effectSends                    // sends it to DynamoDB without a condition
	effectConditions               // sets its ConditionExpression or Expected
	effectUnknown                  // hands it to code the analysis cannot see
)

// paramKey names one parameter of one function.
type paramKey struct {
	fn *ssa.Function
	i  int
}

// paramEffects computes, on demand, the effect of the functions in scope on
// their parameters, so that a wrapper of any name is a write and a helper
// that adds the condition is respected. Functions of other packages are
// known by their facts, or else matched by name and signature (isWriteCall).
type paramEffects struct {
	e    *engine
	memo map[paramKey]effect
}

// local returns the callee of c if it is a function with a body in scope,
// or nil.
func (pe *paramEffects) local(c *ssa.CallCommon) *ssa.Function {
	if pe == nil {
		return nil
	}
	f := origin(c.StaticCallee())
	if f == nil || f.Blocks == nil || !pe.e.inScope(f) {
		return nil
	}
	return f
}

// external returns the effect, known from its summary, of a function out of
// scope on its i-th argument.
func (pe *paramEffects) external(c *ssa.CallCommon, i int) (effect, bool) {
	if pe == nil || c.IsInvoke() || i < 0 {
		return 0, false
	}
	f := origin(c.StaticCallee())
	if f == nil || pe.e.inScope(f) {
		return 0, false
	}
	s := pe.e.sumOf(f)
	if s == nil || s.params == nil {
		return 0, false
	}
	eff, ok := s.params[i]
	return eff, ok
}

// effectOf returns what fn does with its i-th parameter. A recursive
// function is, while its own effect is being computed, an unknown.
func (pe *paramEffects) effectOf(fn *ssa.Function, i int) effect {
	key := paramKey{fn, i}
	if e, ok := pe.memo[key]; ok {
		return e
	}
	pe.memo[key] = effectUnknown
	e := effectUnknown
	if i < len(fn.Params) {
		if k := kindOfPointer(fn.Params[i].Type()); k != nil {
			e = track(fn.Params[i], k, pe).effect()
		}
	}
	pe.memo[key] = e
	return e
}

// effect summarizes a tracked parameter.
func (a *allocInfo) effect() effect {
	switch {
	case a.conditioned:
		return effectConditions
	case a.unknown:
		return effectUnknown
	case len(a.sinks) > 0:
		return effectSends
	}
	return effectNone
}

// argIndex returns the position of v among the call's arguments.
func argIndex(c *ssa.CallCommon, v ssa.Value) int {
	for i, a := range c.Args {
		if a == v {
			return i
		}
	}
	return -1
}
