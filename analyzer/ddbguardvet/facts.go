package ddbguardvet

import (
	"fmt"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// funcFact is the summary of a function or method exported to the packages
// that import it, so that a read in one package and a write in another still
// make a race, and a wrapper of another package is still a write:
//   - Read: it returns data read from DynamoDB (GetItem, Query, Scan,
//     BatchGetItem, TransactGetItems), directly or through its callees;
//   - Write: it performs an unconditioned write, of an item keyed by the
//     parameters Keys (indexes into the parameters, receiver first);
//   - Params: what it does with the SDK inputs it receives (sends them
//     unconditioned, sets their condition, or only reads them).
type funcFact struct {
	Read   string
	Write  *factWrite
	Params map[int]effect
}

// factWrite is a writeSite as a fact.
type factWrite struct {
	Op, At, Low     string
	Shape           shape
	Keys            []int
	Direct, Generic bool
}

// AFact marks funcFact as an analysis fact.
func (*funcFact) AFact() {}

// String describes the fact (analysistest matches it in `want f:"..."`).
func (f *funcFact) String() string {
	var parts []string
	if f.Read != "" {
		parts = append(parts, "returns "+f.Read+" data")
	}
	if w := f.Write; w != nil {
		s := "writes " + w.Op + " unconditioned at " + w.At
		if len(w.Keys) > 0 {
			s += fmt.Sprintf(" keyed by parameter %v", w.Keys)
		}
		if w.Generic {
			s += " (generic helper)"
		}
		if w.Low != "" {
			s += " (low: " + w.Low + ")"
		}
		parts = append(parts, s)
	}
	for _, i := range sortedEffects(f.Params) {
		switch f.Params[i] {
		case effectSends:
			parts = append(parts, fmt.Sprintf("sends its input %d unconditioned", i))
		case effectConditions:
			parts = append(parts, fmt.Sprintf("conditions its input %d", i))
		}
	}
	return strings.Join(parts, "; ")
}

func sortedEffects(m map[int]effect) []int {
	set := map[int]bool{}
	for k := range m {
		set[k] = true
	}
	return sortedKeys(set)
}

// toFact converts a summary, or returns nil when there is nothing to say.
func toFact(s *fsum) *funcFact {
	f := &funcFact{Read: s.read}
	if w := s.write; w != nil {
		f.Write = &factWrite{Op: w.op, At: w.at, Low: w.low, Shape: w.shape, Keys: w.keys, Direct: w.direct, Generic: w.generic}
	}
	for i, e := range s.params {
		if e == effectSends || e == effectConditions {
			if f.Params == nil {
				f.Params = map[int]effect{}
			}
			f.Params[i] = e
		}
	}
	if f.Read == "" && f.Write == nil && f.Params == nil {
		return nil
	}
	return f
}

// toSum converts a fact back into a summary.
func (f *funcFact) toSum() *fsum {
	s := &fsum{read: f.Read, params: map[int]effect{}}
	if w := f.Write; w != nil {
		s.write = &writeSite{op: w.Op, at: w.At, low: w.Low, shape: w.Shape, keys: w.Keys, direct: w.Direct, generic: w.Generic}
	}
	// Parameters missing from the fact are unknowns (or only read).
	for i, e := range f.Params {
		s.params[i] = e
	}
	return s
}

// importFacts returns the summary of a function of another package, from
// its fact, or nil.
func importFacts(pass *analysis.Pass) func(*ssa.Function) *fsum {
	cache := map[*ssa.Function]*fsum{}
	return func(fn *ssa.Function) *fsum {
		if s, ok := cache[fn]; ok {
			return s
		}
		var s *fsum
		if obj, ok := fn.Object().(*types.Func); ok && obj.Pkg() != nil && obj.Pkg() != pass.Pkg {
			var f funcFact
			if pass.ImportObjectFact(obj, &f) {
				s = f.toSum()
			}
		}
		cache[fn] = s
		return s
	}
}

// exportFacts exports the summaries of the package's exported functions
// and methods (of non-test files): only those can be called from another
// package.
func exportFacts(pass *analysis.Pass, e *engine) {
	for fn, s := range e.sums {
		obj, ok := fn.Object().(*types.Func)
		if !ok || obj.Pkg() != pass.Pkg || fn.Parent() != nil || !obj.Exported() ||
			strings.HasSuffix(pass.Fset.Position(obj.Pos()).Filename, "_test.go") {
			continue
		}
		if f := toFact(s); f != nil {
			pass.ExportObjectFact(obj, f)
		}
	}
}
