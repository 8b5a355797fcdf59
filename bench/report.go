package bench

import (
	"fmt"
	"strings"
	"time"
)

// Ops are the benchmarked operations, as in benchmark names.
var Ops = append([]string{"Update", "Delete", "Create", "CreateMap", "CreateAV", "Tx"}, PathOps...)

// Impls are the contenders, as in benchmark names.
var Impls = []string{"ddbguard", "hand", "expression", "guregu"}

var (
	opLabel = map[string]string{
		"Update": "Update + IfVersion", "Delete": "Delete", "Create": "Create (struct item)",
		"CreateMap": "Create (map[string]any item)", "CreateAV": "Create (map[string]types.AttributeValue item)", "Tx": "Tx of 3 (update, delete, create)",
		"ListPage": "List page of 10 items, decoded", "UpdateWriteID": "Update + IfVersion, WriteID",
		"OldlessFail": "WithoutOldItem: refused Update + its Query", "UpdateTenant": "Update + IfVersion, tenant view",
		"UpdateAdmin": "Update + IfVersion, tenant's Admin view",
	}
	implLabel = map[string]string{
		"ddbguard": "**ddbguard**", "hand": "hand-written SDK input", "expression": "expression package", "guregu": "guregu/dynamo v2.1.1",
	}
	layerLabel = map[string]string{
		LayerNoop: "build → no-op API", LayerSDK: "SDK client → canned HTTP 200",
	}
)

// Machine describes where the numbers were measured.
type Machine struct {
	CPUs      int
	CPUModel  string
	GoVersion string
	OS, Arch  string
	Date      time.Time
	LoadAvg   string // /proc/loadavg when the report started
	Engine    string // the DynamoDB the end-to-end half ran against
}

// Report is what make bench prints and writes to docs/PERFORMANCE.md.
type Report struct {
	CPU        *BenchSet
	Instr      Instr         // nil when instructions were not counted
	InstrNote  string        // the iteration counts of Instr, for the report
	InstrWall  time.Duration // how long counting took, 0 when unknown
	E2E        *Results      // nil when the end-to-end half was skipped
	Machine    Machine
	CPUCommand string        // the go test command that produced CPU
	CPUWall    time.Duration // its wall time, 0 when unknown
	E2EWall    time.Duration
	Plan       Plan
}

func us(ns float64) string { return fmt.Sprintf("%.2f µs", ns/1000) }

func times(r float64) string { return fmt.Sprintf("%.2f×", r) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (r *Report) stat(op, layer, impl string) (Stat, bool) {
	return r.CPU.Median(BenchName(op, layer, impl))
}

// ratio returns metric of impl over metric of base, for op at layer, as
// BenchSet.Ratio computes it; "" when it cannot.
func (r *Report) ratio(op, layer, impl, base string, metric Metric) (float64, string) {
	v, ok := r.CPU.Ratio(BenchName(op, layer, impl), BenchName(op, layer, base), metric)
	if !ok {
		return 0, "—"
	}
	return v, times(v)
}

func cpuUs(st Stat) string {
	if st.CPUNsPerOp == 0 {
		return "—"
	}
	return us(st.CPUNsPerOp)
}

// CPUTable returns the CPU benchmark table: for every layer, operation and
// contender, the medians and the ratios to the hand-written input and to
// ddbguard, in wall time, CPU time and allocations.
func (r *Report) CPUTable() string {
	var b strings.Builder
	b.WriteString("| layer | operation | contender | wall/op | CPU/op | B/op | allocs/op | wall ÷ hand | CPU ÷ hand | allocs ÷ hand | wall ÷ ddbguard | CPU ÷ ddbguard | runs, spread |\n")
	b.WriteString("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, layer := range []string{LayerNoop, LayerSDK} {
		for _, op := range Ops {
			for _, impl := range Impls {
				st, ok := r.stat(op, layer, impl)
				if !ok {
					continue
				}
				_, wallHand := r.ratio(op, layer, impl, "hand", WallTime)
				_, cpuHand := r.ratio(op, layer, impl, "hand", CPUTime)
				_, allocsHand := r.ratio(op, layer, impl, "hand", Allocs)
				_, wallGuard := r.ratio(op, layer, impl, "ddbguard", WallTime)
				_, cpuGuard := r.ratio(op, layer, impl, "ddbguard", CPUTime)
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s | %d, ±%.0f%% |\n",
					layerLabel[layer], opLabel[op], implLabel[impl], us(st.NsPerOp), cpuUs(st), st.BytesPerOp, st.AllocsPerOp,
					wallHand, cpuHand, allocsHand, wallGuard, cpuGuard, st.Runs, st.Spread*50)
			}
		}
	}
	return b.String()
}

// Target is one of the goals for the guarded Update, evaluated per
// measurement column (see TargetColumns).
type Target struct {
	Name  string
	Limit string
	Got   map[string]float64 // by column
	Met   map[string]bool    // by column
}

// TargetColumns are the measurements a goal is evaluated on: the build
// layer in wall time (the goal proper) and in CPU time, and the SDK layer
// in wall time, for context.
var TargetColumns = []struct {
	Key, Label, Layer string
	Time              Metric
}{
	{"noop-wall", "build → no-op API, wall time (the goal)", LayerNoop, WallTime},
	{"noop-cpu", "build → no-op API, CPU time", LayerNoop, CPUTime},
	{"sdk-wall", "SDK client → canned HTTP 200, wall time (context)", LayerSDK, WallTime},
}

// Targets evaluates the goals for the guarded Update: at most 1.5× the
// hand-written time and 2× its allocations, at least 5× faster than the
// expression package, no slower than guregu/dynamo.
func (r *Report) Targets() []Target {
	type goal struct {
		name, limit, impl, base string
		alloc                   bool
		ok                      func(float64) bool
	}
	goals := []goal{
		{"ddbguard time ÷ hand-written time", "≤ 1.5×", "ddbguard", "hand", false, func(v float64) bool { return v <= 1.5 }},
		{"ddbguard allocs ÷ hand-written allocs", "≤ 2×", "ddbguard", "hand", true, func(v float64) bool { return v <= 2 }},
		{"expression-package time ÷ ddbguard time", "≥ 5×", "expression", "ddbguard", false, func(v float64) bool { return v >= 5 }},
		{"guregu/dynamo time ÷ ddbguard time", "≥ 1× (ddbguard no slower)", "guregu", "ddbguard", false, func(v float64) bool { return v >= 1 }},
	}
	var ts []Target
	for _, g := range goals {
		t := Target{Name: g.name, Limit: g.limit, Got: map[string]float64{}, Met: map[string]bool{}}
		for _, c := range TargetColumns {
			m := c.Time
			if g.alloc {
				m = Allocs
			}
			if v, ok := r.CPU.Ratio(BenchName("Update", c.Layer, g.impl), BenchName("Update", c.Layer, g.base), m); ok {
				t.Got[c.Key], t.Met[c.Key] = v, g.ok(v)
			}
		}
		ts = append(ts, t)
	}
	return ts
}

// TargetTable renders Targets.
func (r *Report) TargetTable() string {
	var b strings.Builder
	b.WriteString("| goal for the guarded Update | limit |")
	for _, c := range TargetColumns {
		b.WriteString(" " + c.Label + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(TargetColumns)) + "\n")
	for _, t := range r.Targets() {
		fmt.Fprintf(&b, "| %s | %s |", t.Name, t.Limit)
		for _, c := range TargetColumns {
			v, ok := t.Got[c.Key]
			switch {
			case !ok:
				b.WriteString(" not measured |")
			case c.Layer == LayerSDK:
				b.WriteString(" " + times(v) + " |")
			case t.Met[c.Key]:
				b.WriteString(" " + times(v) + " — met |")
			default:
				b.WriteString(" " + times(v) + " — **missed** |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", d.Seconds()*1000) }

// comparisonTable renders pairs of points: the other strategy, then
// ddbguard.
func comparisonTable(pts []Point, other string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| concurrency | %s ops/s | ddbguard ops/s | ddbguard ÷ %s | p50 %s | p50 ddbguard | p99 %s | p99 ddbguard | requests/op %s | requests/op ddbguard |\n",
		other, other, other, other, other)
	b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, p := range pairs(pts) {
		o, g := p[0], p[1]
		fmt.Fprintf(&b, "| %d | %.0f | %.0f | **%s** | %s | %s | %s | %s | %.2f | %.2f |\n",
			o.Concurrency, o.OpsPerSec(), g.OpsPerSec(), times(ratio(g.OpsPerSec(), o.OpsPerSec())),
			ms(o.P50), ms(g.P50), ms(o.P99), ms(g.P99), o.RequestsPerOp(), g.RequestsPerOp())
	}
	return b.String()
}

// SuccessTable renders the success-path comparison.
func (r *Report) SuccessTable() string { return comparisonTable(r.E2E.Success, "naive") }

// FailureTable renders the failure-path comparison.
func (r *Report) FailureTable() string { return comparisonTable(r.E2E.Failure, "write+GetItem") }

// RequestTable renders the requests per operation and outcome.
func (r *Report) RequestTable() string {
	var b strings.Builder
	b.WriteString("| operation | outcome | ddbguard | naive read-check-write | conditional write + GetItem |\n")
	b.WriteString("|---|---|--:|--:|--:|\n")
	for _, row := range r.E2E.Requests {
		fmt.Fprintf(&b, "| %s | %s |", row.Op, row.Outcome)
		for _, s := range RequestOrder {
			if n, ok := row.Requests[s]; ok {
				fmt.Fprintf(&b, " %d |", n)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	for _, row := range r.E2E.Requests {
		if len(row.Wrong) > 0 {
			fmt.Fprintf(&b, "\nUnexpected outcomes in %s %s: %s\n", row.Op, row.Outcome, strings.Join(row.Wrong, "; "))
		}
	}
	return b.String()
}

// Console returns what make bench prints: the CPU table with its ratios,
// the goals, and the end-to-end tables.
func (r *Report) Console() string {
	var b strings.Builder
	b.WriteString("## CPU cost per guarded write (medians)\n\n" + r.CPUTable() + "\n")
	b.WriteString("## Goals\n\n" + r.TargetTable() + "\n")
	b.WriteString("## Create goals (build → no-op API)\n\n" + r.CreateTable() + "\n")
	b.WriteString("## Update, Delete, Tx goals (build → no-op API)\n\n" + r.GoalTable(WriteGoals) + "\n")
	b.WriteString("## Paths beyond the single write (build → no-op API)\n\n" + r.GoalTable(PathGoals) + "\n")
	if r.Instr != nil {
		b.WriteString("## Instructions per operation (callgrind)\n\n" + r.InstrTable() + "\n")
	}
	if r.E2E != nil {
		b.WriteString("## End to end, DynamoDB Local: update of the caller's own item\n\n" + r.SuccessTable() + "\n")
		b.WriteString("## End to end: update by a caller who does not own the item\n\n" + r.FailureTable() + "\n")
		b.WriteString("## Requests per operation\n\n" + r.RequestTable())
	}
	return b.String()
}
