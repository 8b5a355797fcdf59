package ddbguardvet

import (
	"flag"
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
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
	tests    bool
	severity string
}

func newAnalyzer() *analysis.Analyzer {
	c := &config{severity: severityLow}
	a := &analysis.Analyzer{
		Name:      "ddbguardvet",
		Doc:       doc,
		Requires:  []*analysis.Analyzer{ctrlflow.Analyzer},
		Run:       c.run,
		FactTypes: []analysis.Fact{new(funcFact)},
	}
	a.Flags.Init("ddbguardvet", flag.ContinueOnError)
	a.Flags.BoolVar(&c.tests, "tests", false, "also report findings in _test.go files")
	a.Flags.StringVar(&c.severity, "severity", severityLow,
		"lowest severity reported: low (everything) or high (only what needs an owner guard, for CI)")
	return a
}

// highOnly reports whether only high-severity findings are wanted.
func (c *config) highOnly() bool { return strings.EqualFold(c.severity, severityHigh) }

func (c *config) run(pass *analysis.Pass) (any, error) {
	if noFindings(pass) {
		return nil, nil
	}
	res := buildSSA(pass)
	e := newEngine(func(f *ssa.Function) bool { return f != nil && f.Pkg == res.pkg })
	e.facts = importFacts(pass)
	low := testHelperPkg(pass.Pkg.Path())
	e.lowPkg = func(*ssa.Function) string { return low }
	var groups []*group
	for _, fn := range res.funcs {
		if fn.Parent() == nil {
			groups = append(groups, newGroup(fn, e.pe))
		}
	}
	e.summarize(groups)
	r := newReporter(pass, c.tests, c.highOnly())
	for _, g := range groups {
		checkGroup(r, g, e)
	}
	exportFacts(pass, e)
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

// checkGroup reports the findings of one top-level function and its closures:
// every unconditioned write (a race that decides it is added to its finding,
// never put in its place), the calls of generic write helpers that pass
// user-addressed data, and the races decided through calls of other writers.
func checkGroup(r *reporter, g *group, e *engine) {
	reportBatches(r, g.fns, e.lowPkg(g.root))
	races := map[*ssa.Function]*raceFinder{}
	raceIn := func(f *ssa.Function) *raceFinder {
		if races[f] == nil {
			races[f] = newRaceFinder(f, e)
		}
		return races[f]
	}
	for _, a := range g.allocs {
		if !a.flagged() {
			continue
		}
		if a.kind.txItem {
			r.emit(finding{pos: a.origin.Pos(), what: a.kind.what, use: useTx, low: e.lowPkg(g.root), literal: true})
			continue
		}
		for _, sink := range a.sinks {
			ws := e.directWrite(a, sink)
			r.emit(finding{
				pos: sink.Common().Pos(), what: a.kind.what, use: advice(ws.op, ws.shape), low: ws.low,
				race: raceIn(sink.Parent()).controlling(sink.Block()),
			})
		}
	}
	for _, f := range g.fns {
		for _, call := range e.writerCalls(f) {
			checkWriterCall(r, e, call, raceIn(f).controlling(call.Block()))
		}
	}
}

// checkWriterCall reports a call of a function that writes unconditioned:
// as a wrapper call when the function is a generic helper of another package
// (PutItem(ctx, item any), DeleteItem(ctx, pk, sk)) and the call passes it
// user-addressed data, since only the caller knows whose item it is; as a
// race when a read decides it.
func checkWriterCall(r *reporter, e *engine, call ssa.CallInstruction, race *readSite) {
	ws, callee := e.writeOf(call)
	name := funcName(callee, call.Parent())
	f := finding{pos: call.Common().Pos(), race: race, low: ws.low, use: advice(ws.op, ws.shape)}
	if ws.direct && ws.generic && ws.low == "" && callee.Pkg != call.Parent().Pkg {
		o := originsOf(e, call.Parent(), keyArgs(call.Common(), callee, ws.keys))
		if len(o.params) > 0 || o.multi != "" {
			f.what = fmt.Sprintf("this call to %s passes it the key or item of an unconditioned %s at %s, which %s",
				name, ws.op, ws.at, harm[ws.op])
			f.use = advice(ws.op, o.shape(ws.op))
		}
	}
	if f.what == "" && race == nil {
		return
	}
	f.subject = fmt.Sprintf("this call to %s, which sends an unconditioned %s at %s,", name, ws.op, ws.at)
	r.emit(f)
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
func reportBatches(r *reporter, fns []*ssa.Function, low string) {
	forEachInstr(fns, func(instr ssa.Instruction) {
		call, ok := instr.(ssa.CallInstruction)
		if !ok {
			return
		}
		c := call.Common()
		for _, arg := range c.Args {
			if isDynamoInput(arg.Type(), "BatchWriteItemInput") && isWriteCall(c, "BatchWriteItem") {
				r.emit(finding{pos: c.Pos(), what: batchMsg, use: useTx, low: low})
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
