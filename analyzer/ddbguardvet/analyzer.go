package ddbguardvet

import (
	"flag"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/buildssa"
	"golang.org/x/tools/go/ssa"
)

const doc = `report DynamoDB writes that carry no ownership condition

ddbguardvet finds the code that ddbguard should replace:

  - PutItem, UpdateItem and DeleteItem inputs with neither ConditionExpression
    nor the legacy Expected;
  - types.Put, types.Update and types.Delete transaction items without a
    condition;
  - every BatchWriteItem call, which cannot carry a condition;
  - read-then-write races: a GetItem or Query result that decides, through an
    if, whether an unconditioned write runs (time of check is not time of use).

Calls are matched by the SDK input types, so writes through any interface or
wrapper are caught. A "//ddbguard:ignore <reason>" comment on the line of a
finding, or on the line above it, suppresses that finding.`

// Analyzer reports unguarded DynamoDB writes and read-then-write races.
// It is meant for singlechecker (cmd/ddbguardvet) and go vet -vettool.
var Analyzer = newAnalyzer()

// selfPath is the module whose own packages build SDK inputs on purpose.
const selfPath = "github.com/ddbguard/ddbguard"

// config holds the analyzer's flags.
type config struct {
	tests bool
}

func newAnalyzer() *analysis.Analyzer {
	c := &config{}
	a := &analysis.Analyzer{
		Name:     "ddbguardvet",
		Doc:      doc,
		Requires: []*analysis.Analyzer{buildssa.Analyzer},
		Run:      c.run,
	}
	a.Flags.Init("ddbguardvet", flag.ContinueOnError)
	a.Flags.BoolVar(&c.tests, "tests", false, "also report findings in _test.go files")
	return a
}

func (c *config) run(pass *analysis.Pass) (any, error) {
	if skipPackage(pass.Pkg.Path()) {
		return nil, nil
	}
	res := pass.ResultOf[buildssa.Analyzer].(*buildssa.SSA)
	r := newReporter(pass, c.tests)
	pe := newParamEffects(res.Pkg)
	var groups []*group
	for _, fn := range res.SrcFuncs {
		if fn.Parent() == nil {
			groups = append(groups, newGroup(fn, pe))
		}
	}
	sum := summarize(groups)
	for _, g := range groups {
		checkGroup(r, g, sum)
	}
	return nil, nil
}

// skipPackage reports whether path belongs to ddbguard itself, which builds
// SDK inputs on purpose (its guard is attached by construction). Its examples
// and testdata are still checked.
func skipPackage(path string) bool {
	path = strings.TrimSuffix(path, "_test")
	rest, ok := strings.CutPrefix(path, selfPath)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		return false
	}
	rest += "/"
	return !strings.HasPrefix(rest, "/examples/") && !strings.Contains(rest, "/testdata/")
}

// checkGroup reports the findings of one top-level function and its closures.
func checkGroup(r *reporter, g *group, sum *summary) {
	reportBatches(r, g.fns)
	races := map[*ssa.Function]*raceFinder{}
	raceIn := func(f *ssa.Function) *raceFinder {
		if races[f] == nil {
			races[f] = newRaceFinder(f, sum)
		}
		return races[f]
	}
	for _, a := range g.allocs {
		if !a.flagged() {
			continue
		}
		if a.kind.txItem {
			r.reportLiteral(a.origin.Pos(), a.kind.msg)
			continue
		}
		for _, sink := range a.sinks {
			if read := raceIn(sink.Parent()).controlling(sink.Block()); read != nil {
				r.reportRace(sink, a.kind.op, read, nil)
			} else {
				r.reportAt(sink.Common().Pos(), a.kind.msg)
			}
		}
	}
	for _, f := range g.fns {
		for _, call := range sum.writerCalls(f) {
			if read := raceIn(f).controlling(call.Block()); read != nil {
				w := sum.writers[call.Common().StaticCallee()]
				r.reportRace(call, w.op, read, w)
			}
		}
	}
}

// withAnons appends fn and, recursively, the closures it declares.
func withAnons(fn *ssa.Function, out []*ssa.Function) []*ssa.Function {
	out = append(out, fn)
	for _, anon := range fn.AnonFuncs {
		out = withAnons(anon, out)
	}
	return out
}

// trackAllocs tracks every allocation of a write input or transaction item
// in fns. A condition stored through a pointer the tracking cannot tie to an
// allocation (items[0].Put.ConditionExpression = ...) makes every allocation
// of that type unknown rather than risk a false report.
func trackAllocs(fns []*ssa.Function, pe *paramEffects) []*allocInfo {
	var infos []*allocInfo
	forEachInstr(fns, func(instr ssa.Instruction) {
		if al, ok := instr.(*ssa.Alloc); ok {
			if k := kindOfPointer(al.Type()); k != nil {
				infos = append(infos, track(al, k, pe))
			}
		}
	})
	blind := map[*writeKind]bool{}
	forEachInstr(fns, func(instr ssa.Instruction) {
		fa, ok := instr.(*ssa.FieldAddr)
		if !ok || !isConditionField(fa.X.Type(), fa.Field) || !setsField(fa) {
			return
		}
		if k := kindOfPointer(fa.X.Type()); k != nil && !isAlias(infos, fa.X) {
			blind[k] = true
		}
	})
	for _, a := range infos {
		if blind[a.kind] {
			a.unknown = true
		}
	}
	return infos
}

// isAlias reports whether v is a known alias of one of the allocations.
func isAlias(infos []*allocInfo, v ssa.Value) bool {
	for _, a := range infos {
		if a.aliases[v] {
			return true
		}
	}
	return false
}

// reportBatches reports every BatchWriteItem call in fns.
func reportBatches(r *reporter, fns []*ssa.Function) {
	forEachInstr(fns, func(instr ssa.Instruction) {
		call, ok := instr.(ssa.CallInstruction)
		if !ok {
			return
		}
		c := call.Common()
		for _, arg := range c.Args {
			if isDynamoInput(arg.Type(), "BatchWriteItemInput") && isWriteCall(c, "BatchWriteItem") {
				r.reportAt(c.Pos(), batchMsg)
				return
			}
		}
	})
}

// forEachInstr calls f for every instruction of fns.
func forEachInstr(fns []*ssa.Function, f func(ssa.Instruction)) {
	for _, fn := range fns {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				f(instr)
			}
		}
	}
}
