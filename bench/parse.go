package bench

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Sample is one line of go test -bench -benchmem output.
type Sample struct {
	NsPerOp     float64 // wall time
	CPUNsPerOp  float64 // CPU time of the process, all threads (cpu-ns/op); 0 when not reported
	BytesPerOp  float64
	AllocsPerOp float64
}

// BenchSet is the parsed output of go test -bench, in benchstat's format.
type BenchSet struct {
	// Config holds the "key: value" lines (goos, goarch, pkg, cpu).
	Config map[string]string
	// Samples holds every run of every benchmark, by name without the
	// GOMAXPROCS suffix ("BenchmarkUpdate/api=noop/impl=ddbguard").
	Samples map[string][]Sample
	// Names lists the benchmarks in the order they first appear.
	Names []string
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// ParseBench reads go test -bench output. Lines it does not know (PASS,
// ok, logs) are skipped; a malformed benchmark line is an error.
func ParseBench(r io.Reader) (*BenchSet, error) {
	s := &BenchSet{Config: map[string]string{}, Samples: map[string][]Sample{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "Benchmark") {
			if k, v, ok := strings.Cut(line, ": "); ok && !strings.ContainsAny(k, " \t") && k != "" {
				s.Config[k] = strings.TrimSpace(v)
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || !isInt(f[1]) {
			continue // a benchmark's name alone (-v) or its log, not a result
		}
		if len(f) < 4 || len(f)%2 != 0 {
			return nil, fmt.Errorf("line %d: malformed benchmark line %q", n, line)
		}
		var smp Sample
		seen := false
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q: %w", n, f[i], err)
			}
			switch f[i+1] {
			case "ns/op":
				smp.NsPerOp, seen = v, true
			case "cpu-ns/op":
				smp.CPUNsPerOp = v
			case "B/op":
				smp.BytesPerOp = v
			case "allocs/op":
				smp.AllocsPerOp = v
			}
		}
		if !seen {
			return nil, fmt.Errorf("line %d: no ns/op in %q", n, line)
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		if _, ok := s.Samples[name]; !ok {
			s.Names = append(s.Names, name)
		}
		s.Samples[name] = append(s.Samples[name], smp)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(s.Names) == 0 {
		return nil, fmt.Errorf("no benchmark results")
	}
	return s, nil
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// Stat is the median of a benchmark's runs.
type Stat struct {
	Sample
	Runs int
	// Spread is (max-min)/median of ns/op over the runs: how noisy the
	// measurement was.
	Spread float64
}

// Median returns the medians of the benchmark name, and whether it ran.
func (s *BenchSet) Median(name string) (Stat, bool) {
	runs := s.Samples[name]
	if len(runs) == 0 {
		return Stat{}, false
	}
	pick := func(f func(Sample) float64) []float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v
	}
	ns := pick(func(x Sample) float64 { return x.NsPerOp })
	st := Stat{
		Sample: Sample{
			NsPerOp:     median(ns),
			CPUNsPerOp:  median(pick(func(x Sample) float64 { return x.CPUNsPerOp })),
			BytesPerOp:  median(pick(func(x Sample) float64 { return x.BytesPerOp })),
			AllocsPerOp: median(pick(func(x Sample) float64 { return x.AllocsPerOp })),
		},
		Runs: len(runs),
	}
	if st.NsPerOp > 0 {
		st.Spread = (ns[len(ns)-1] - ns[0]) / st.NsPerOp
	}
	return st, true
}

// Metric picks one measurement of a Sample.
type Metric func(Sample) float64

// The metrics of a Sample.
var (
	WallTime Metric = func(s Sample) float64 { return s.NsPerOp }
	CPUTime  Metric = func(s Sample) float64 { return s.CPUNsPerOp }
	Allocs   Metric = func(s Sample) float64 { return s.AllocsPerOp }
)

// Ratio returns metric of benchmark a divided by that of b. When both ran
// equally often it is the median of the ratios of their i-th runs: with
// the output of several rounds of go test -count 1 (as bench/run.sh makes
// it), the i-th runs of peers ran side by side in round i, so load from
// other work on a shared machine disturbs each ratio far less than it
// disturbs a ratio of medians. Otherwise it is the ratio of the medians.
// ok is false when either did not run or lacks the metric.
func (s *BenchSet) Ratio(a, b string, metric Metric) (r float64, ok bool) {
	ra, rb := s.Samples[a], s.Samples[b]
	if len(ra) == 0 || len(rb) == 0 {
		return 0, false
	}
	if len(ra) != len(rb) {
		ma, _ := s.Median(a)
		mb, _ := s.Median(b)
		if metric(ma.Sample) == 0 || metric(mb.Sample) == 0 {
			return 0, false
		}
		return metric(ma.Sample) / metric(mb.Sample), true
	}
	rs := make([]float64, 0, len(ra))
	for i := range ra {
		if metric(ra[i]) == 0 || metric(rb[i]) == 0 {
			return 0, false
		}
		rs = append(rs, metric(ra[i])/metric(rb[i]))
	}
	slices.Sort(rs)
	return median(rs), true
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// BenchName returns the name of the CPU benchmark of op ("Update",
// "Delete", "Create", "Tx") at layer (LayerNoop, LayerSDK) for the
// contender impl.
func BenchName(op, layer, impl string) string {
	return "Benchmark" + op + "/api=" + layer + "/impl=" + impl
}
