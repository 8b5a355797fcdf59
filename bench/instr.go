package bench

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Instr holds instructions per operation by benchmark name, as
// bench/instr.sh counts them with callgrind: unlike time, a count that
// other work on the machine does not move.
type Instr map[string]float64

// ParseInstr reads the output of bench/instr.sh: one line per benchmark,
// "BenchmarkX/api=noop/impl=y ITERATIONS N instr/op". Blank lines are
// skipped; anything else malformed is an error.
func ParseInstr(r io.Reader) (Instr, error) {
	in := Instr{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 || f[3] != "instr/op" || !strings.HasPrefix(f[0], "Benchmark") || !isInt(f[1]) {
			return nil, fmt.Errorf("line %d: malformed instruction count %q", n, sc.Text())
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("line %d: instructions %q", n, f[2])
		}
		in[f[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("no instruction counts")
	}
	return in, nil
}

// Ratio returns the instructions of benchmark a over those of b, and
// whether both were counted.
func (in Instr) Ratio(a, b string) (float64, bool) {
	x, y := in[a], in[b]
	if x == 0 || y == 0 {
		return 0, false
	}
	return x / y, true
}

func (r *Report) instrRatio(op, layer, impl, base string) string {
	if v, ok := r.Instr.Ratio(BenchName(op, layer, impl), BenchName(op, layer, base)); ok {
		return times(v)
	}
	return "—"
}

// InstrTable returns the instruction counts beside the time ratios of the
// same benchmarks, for every layer, operation and contender counted.
func (r *Report) InstrTable() string {
	var b strings.Builder
	b.WriteString("| layer | operation | contender | instructions/op | instr ÷ hand | wall ÷ hand | instr ÷ ddbguard | wall ÷ ddbguard |\n")
	b.WriteString("|---|---|---|--:|--:|--:|--:|--:|\n")
	for _, layer := range []string{LayerNoop, LayerSDK} {
		for _, op := range Ops {
			for _, impl := range Impls {
				v, ok := r.Instr[BenchName(op, layer, impl)]
				if !ok {
					continue
				}
				_, wallHand := r.ratio(op, layer, impl, "hand", WallTime)
				_, wallGuard := r.ratio(op, layer, impl, "ddbguard", WallTime)
				fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %s | %s | %s | %s |\n",
					layerLabel[layer], opLabel[op], implLabel[impl], v,
					r.instrRatio(op, layer, impl, "hand"), wallHand, r.instrRatio(op, layer, impl, "ddbguard"), wallGuard)
			}
		}
	}
	return b.String()
}

// CreateOps are the creates the Create goals are set for.
var CreateOps = []string{"Create", "CreateMap", "CreateAV"}

// CreateGoal is one goal of a guarded Create at the build layer: ddbguard
// over a contender, at most Limit.
type CreateGoal struct {
	Base  string // the contender compared with
	Limit float64
}

// CreateGoals: no slower than guregu/dynamo's conditional Put, and within
// 1.1× of the hand-written PutItemInput marshalled with attributevalue.
var CreateGoals = []CreateGoal{{"guregu", 1.0}, {"hand", 1.1}}

// CreateTable renders the Create goals for every item kind, in wall time,
// CPU time and instructions.
func (r *Report) CreateTable() string {
	var b strings.Builder
	b.WriteString("| item | ddbguard ÷ | limit | wall time | CPU time | instructions |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|\n")
	mark := func(v float64, ok bool, limit float64) string {
		switch {
		case !ok:
			return "—"
		case v <= limit:
			return times(v) + " — met"
		default:
			return times(v) + " — **missed**"
		}
	}
	for _, op := range CreateOps {
		for _, g := range CreateGoals {
			w, wok := r.CPU.Ratio(BenchName(op, LayerNoop, "ddbguard"), BenchName(op, LayerNoop, g.Base), WallTime)
			c, cok := r.CPU.Ratio(BenchName(op, LayerNoop, "ddbguard"), BenchName(op, LayerNoop, g.Base), CPUTime)
			i, iok := r.Instr.Ratio(BenchName(op, LayerNoop, "ddbguard"), BenchName(op, LayerNoop, g.Base))
			if !wok && !iok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | ≤ %s | %s | %s | %s |\n", opLabel[op], implLabel[g.Base], times(g.Limit),
				mark(w, wok, g.Limit), mark(c, cok, g.Limit), mark(i, iok, g.Limit))
		}
	}
	return b.String()
}
