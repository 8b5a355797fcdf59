package bench

import (
	"fmt"
	"strings"
)

// RatioGoal is one goal of issue 15 at the build layer: Impl's cost over
// Base's, at most Limit (or, with AtLeast, at least Limit), in wall time,
// CPU time and instructions alike.
type RatioGoal struct {
	Op, Impl, Base string
	Limit          float64
	AtLeast        bool
}

// WriteGoals: Update, Delete and Tx cost no more than the hand-written
// input handed to the API interface, and the expression package costs at
// least 10× as much as ddbguard.
var WriteGoals = []RatioGoal{
	{"Update", "ddbguard", "hand", 1.0, false},
	{"Delete", "ddbguard", "hand", 1.0, false},
	{"Tx", "ddbguard", "hand", 1.0, false},
	{"Update", "expression", "ddbguard", 10, true},
	{"Delete", "expression", "ddbguard", 10, true},
	{"Tx", "expression", "ddbguard", 10, true},
}

// PathGoals: every path beyond the single write costs at most 1.1× its
// hand-written equivalent.
var PathGoals = func() []RatioGoal {
	var gs []RatioGoal
	for _, op := range PathOps {
		gs = append(gs, RatioGoal{op, "ddbguard", "hand", 1.1, false})
	}
	return gs
}()

// GoalMeasure is one measurement a goal is evaluated on.
type GoalMeasure struct {
	Value float64
	OK    bool // measured
	Met   bool
}

// Evaluate returns g's ratio in wall time, CPU time and instructions.
func (r *Report) Evaluate(g RatioGoal) [3]GoalMeasure {
	var out [3]GoalMeasure
	a, b := BenchName(g.Op, LayerNoop, g.Impl), BenchName(g.Op, LayerNoop, g.Base)
	set := func(i int, v float64, ok bool) {
		met := v <= g.Limit
		if g.AtLeast {
			met = v >= g.Limit
		}
		out[i] = GoalMeasure{v, ok, ok && met}
	}
	if r.CPU != nil {
		v, ok := r.CPU.Ratio(a, b, WallTime)
		set(0, v, ok)
		v, ok = r.CPU.Ratio(a, b, CPUTime)
		set(1, v, ok)
	}
	v, ok := r.Instr.Ratio(a, b)
	set(2, v, ok)
	return out
}

func markGoal(m GoalMeasure) string {
	switch {
	case !m.OK:
		return "—"
	case m.Met:
		return times(m.Value) + " — met"
	}
	return times(m.Value) + " — **missed**"
}

// GoalTable renders goals: for every one its ratio in wall time, CPU time
// and instructions at the build layer and, for an expression-package goal,
// the expression package over the hand-written input, the most any
// builder can reach.
func (r *Report) GoalTable(goals []RatioGoal) string {
	var b strings.Builder
	b.WriteString("| operation | ratio | limit | wall time | CPU time | instructions | expression ÷ hand (instructions) |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|\n")
	for _, g := range goals {
		m := r.Evaluate(g)
		if !m[0].OK && !m[2].OK {
			continue
		}
		limit := "≤ " + times(g.Limit)
		if g.AtLeast {
			limit = "≥ " + times(g.Limit)
		}
		ceiling := "—"
		if g.Impl == "expression" {
			if v, ok := r.Instr.Ratio(BenchName(g.Op, LayerNoop, "expression"), BenchName(g.Op, LayerNoop, "hand")); ok {
				ceiling = times(v)
			}
		}
		fmt.Fprintf(&b, "| %s | %s ÷ %s | %s | %s | %s | %s | %s |\n", opLabel[g.Op], implShort[g.Impl], implShort[g.Base],
			limit, markGoal(m[0]), markGoal(m[1]), markGoal(m[2]), ceiling)
	}
	return b.String()
}

var implShort = map[string]string{"ddbguard": "ddbguard", "hand": "hand-written", "expression": "expression package", "guregu": "guregu/dynamo"}
