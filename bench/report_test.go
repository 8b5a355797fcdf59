package bench

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func sampleSet(t *testing.T) *BenchSet {
	t.Helper()
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := ParseBench(f)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestParseBench_readsMediansAndConfig(t *testing.T) {
	set := sampleSet(t)
	if got := set.Config["cpu"]; got != "AMD EPYC" {
		t.Errorf("cpu = %q", got)
	}
	if len(set.Names) != 5 {
		t.Fatalf("names = %q", set.Names)
	}
	st, ok := set.Median(BenchName("Update", LayerNoop, "ddbguard"))
	if !ok || st.Runs != 3 || st.NsPerOp != 2300 || st.AllocsPerOp != 19 || st.BytesPerOp != 1672 {
		t.Fatalf("median = %+v, %v", st, ok)
	}
	if want := (2500.0 - 2100) / 2300; st.Spread != want {
		t.Errorf("spread = %v, want %v", st.Spread, want)
	}
	if st, _ := set.Median(BenchName("Delete", LayerSDK, "ddbguard")); st.NsPerOp != 75194.5 {
		t.Errorf("fractional ns/op = %v", st.NsPerOp)
	}
	if _, ok := set.Median(BenchName("Delete", LayerSDK, "hand")); ok {
		t.Error("a log header counted as a result")
	}
}

func TestParseBench_refusesGarbage(t *testing.T) {
	for _, in := range []string{"", "PASS\n", "BenchmarkX-2 10 abc ns/op\n", "BenchmarkX-2 10 5 B/op\n", "BenchmarkX-2 10 5\n", "BenchmarkX\n"} {
		if _, err := ParseBench(strings.NewReader(in)); err == nil {
			t.Errorf("ParseBench(%q) = nil error", in)
		}
	}
}

func TestReport_targetsFromSample(t *testing.T) {
	r := &Report{CPU: sampleSet(t)}
	ts := r.Targets()
	// Medians of the per-round ratios: 2100/1700 for the first goal,
	// 2300/1900 for the others.
	want := []float64{2100.0 / 1700, 19.0 / 15, 17000.0 / 2300, 6300.0 / 2300}
	for i, tg := range ts {
		if got := tg.Got["noop-wall"]; got != want[i] || !tg.Met["noop-wall"] {
			t.Errorf("%s: %v met=%v, want %v met", tg.Name, got, tg.Met["noop-wall"], want[i])
		}
		if _, ok := tg.Got["sdk-wall"]; ok {
			t.Errorf("%s: sdk layer evaluated without its benchmarks", tg.Name)
		}
	}
	if got := ts[0].Got["noop-cpu"]; got != 2000.0/1600 {
		t.Errorf("CPU-time ratio = %v", got)
	}
	if _, ok := ts[2].Got["noop-cpu"]; ok {
		t.Error("CPU-time ratio without CPU times")
	}
	table := r.CPUTable()
	if !strings.Contains(table, "| build → no-op API | Update + IfVersion | **ddbguard** | 2.30 µs | 2.00 µs | 1672 | 19 | 1.24× | 1.25× | 1.27× | 1.00× | 1.00× | 3, ±9% |") {
		t.Errorf("table:\n%s", table)
	}
}

func sampleResults() *Results {
	pt := func(s string, c int, ops int64, p50, p99 time.Duration) Point {
		return Point{Strategy: s, Scenario: "update", Concurrency: c, Ops: ops, Requests: ops, Elapsed: time.Second, P50: p50, P99: p99}
	}
	return &Results{
		Success: []Point{
			pt(StrategyNaive, 1, 400, 2*time.Millisecond, 6*time.Millisecond), pt(StrategyGuarded, 1, 800, time.Millisecond, 3*time.Millisecond),
			pt(StrategyNaive, 8, 900, 8*time.Millisecond, 20*time.Millisecond), pt(StrategyGuarded, 8, 1700, 4*time.Millisecond, 11*time.Millisecond),
		},
		Failure: []Point{pt(StrategyExplain, 1, 450, 2*time.Millisecond, 5*time.Millisecond), pt(StrategyGuarded, 1, 850, time.Millisecond, 3*time.Millisecond)},
		Requests: []RequestRow{{Op: "update", Outcome: "not owner", Want: errors.New("x"),
			Requests: map[string]int64{StrategyGuarded: 1, StrategyNaive: 1, StrategyExplain: 2}, Expected: 1}},
	}
}

func TestThroughputSVG_isWellFormedAndLabelled(t *testing.T) {
	out := ThroughputSVG(sampleResults(), "DynamoDB Local & co <test>")
	d := xml.NewDecoder(strings.NewReader(string(out)))
	rects := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	// background, 3 panels of 2 groups of 2 bars, 2 legend keys
	if rects != 1+3*4+2 {
		t.Errorf("%d rects", rects)
	}
	for _, want := range []string{"2.00×", "c = 8", "800", "&amp; co &lt;test&gt;"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestReport_documentHasEveryPart(t *testing.T) {
	r := &Report{CPU: sampleSet(t), E2E: sampleResults(), Plan: DefaultPlan(),
		Machine: Machine{CPUs: 2, CPUModel: "AMD EPYC", GoVersion: "go1.x", Date: time.Unix(0, 0)}}
	doc := r.Document("throughput.svg")
	for _, want := range []string{"## Machine", "| CPUs (nproc) | 2 |", "## CPU cost per guarded write", "## Goals",
		"![Throughput", "| 1 | 400 | 800 | **2.00×** |", "| update | not owner | 1 | 1 | 2 |", "## How to reproduce", "2.00× the throughput", "every outcome with\n  ALL_OLD, 1 outcomes measured"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if c := r.Console(); !strings.Contains(c, "## Goals") || !strings.Contains(c, "Requests per operation") {
		t.Errorf("console output:\n%s", c)
	}
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ max, top, step float64 }{{0, 1, 0.25}, {9.3, 10, 2}, {1234, 1250, 250}, {0.8, 0.8, 0.2}} {
		if top, step := niceScale(c.max, 5); top != c.top || step != c.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", c.max, top, step, c.top, c.step)
		}
	}
}

func TestParseInstr_readsCountsAndRefusesGarbage(t *testing.T) {
	in, err := ParseInstr(strings.NewReader("BenchmarkCreate/api=noop/impl=ddbguard 2000 24050 instr/op\n\nBenchmarkCreate/api=noop/impl=guregu 2000 26000 instr/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := in.Ratio(BenchName("Create", LayerNoop, "ddbguard"), BenchName("Create", LayerNoop, "guregu")); !ok || v != 24050.0/26000 {
		t.Errorf("ratio = %v, %v", v, ok)
	}
	if _, ok := in.Ratio(BenchName("Create", LayerNoop, "ddbguard"), BenchName("Create", LayerNoop, "hand")); ok {
		t.Error("a ratio to a benchmark that was not counted")
	}
	for _, bad := range []string{"", "BenchmarkX 10 5\n", "BenchmarkX x 5 instr/op\n", "BenchmarkX 10 0 instr/op\n", "X 10 5 instr/op\n"} {
		if _, err := ParseInstr(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseInstr(%q) = nil error", bad)
		}
	}
}

func TestReport_createGoalsInAllThreeMeasures(t *testing.T) {
	cpu, err := ParseBench(strings.NewReader(
		"BenchmarkCreate/api=noop/impl=ddbguard-2 100 1000 ns/op 900 cpu-ns/op\n" +
			"BenchmarkCreate/api=noop/impl=hand-2 100 950 ns/op 900 cpu-ns/op\n" +
			"BenchmarkCreate/api=noop/impl=guregu-2 100 900 ns/op 900 cpu-ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{CPU: cpu, Instr: Instr{
		BenchName("Create", LayerNoop, "ddbguard"): 1000,
		BenchName("Create", LayerNoop, "hand"):     1000,
		BenchName("Create", LayerNoop, "guregu"):   1200,
	}}
	table := r.CreateTable()
	for _, want := range []string{
		"| Create (struct item) | guregu/dynamo v2.1.1 | ≤ 1.00× | 1.11× — **missed** | 1.00× — met | 0.83× — met |",
		"| Create (struct item) | hand-written SDK input | ≤ 1.10× | 1.05× — met | 1.00× — met | 1.00× — met |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("missing %q in:\n%s", want, table)
		}
	}
	if !strings.Contains(r.InstrTable(), "| build → no-op API | Create (struct item) | guregu/dynamo v2.1.1 | 1200 | 1.20× | 0.95× | 1.20× | 0.90× |") {
		t.Errorf("instruction table:\n%s", r.InstrTable())
	}
	if doc := r.Document("x.svg"); !strings.Contains(doc, "## Instructions per operation") {
		t.Error("document without the instruction counts")
	}
}
