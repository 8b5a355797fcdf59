package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
)

// instrStart and instrStop mark the measured loop of a CPU benchmark for
// the instruction count of bench/instr.sh: callgrind zeroes its counters
// when instrStart is entered and writes them out when instrStop is, so a
// dump holds exactly the loop's instructions, every thread's (the garbage
// collector's included). They are not inlined, or callgrind could not see
// them, and not split: a stack-growth check in their prologue would enter
// them twice when the stack grows, and make a second dump.
//
//go:noinline
//go:nosplit
func instrStart() {}

//go:noinline
//go:nosplit
func instrStop() {}

// instrumented is set by bench/instr.sh (BENCH_INSTR=1) when it runs the
// benchmarks under callgrind.
var instrumented = os.Getenv("BENCH_INSTR") != ""

// Layers of the CPU benchmarks, as they appear in benchmark names
// (api=noop, api=sdk).
type layer struct {
	name       string
	contenders []Contender
}

func layers(tb testing.TB) []layer {
	tb.Helper()
	noop, err := Contenders(NoopAPI{}, NoopGureguAPI{}, "docs")
	if err != nil {
		tb.Fatal(err)
	}
	client := NewCannedClient(&CannedHTTPClient{})
	sdk, err := Contenders(client, client, "docs")
	if err != nil {
		tb.Fatal(err)
	}
	return []layer{{LayerNoop, noop}, {LayerSDK, sdk}}
}

func benchOp(b *testing.B, op func(Contender, context.Context, *Args) error) {
	for _, l := range layers(b) {
		for _, c := range l.contenders {
			b.Run("api="+l.name+"/impl="+c.Name(), func(b *testing.B) {
				measure(b, func(ctx context.Context, a *Args) error { return op(c, ctx, a) })
			})
		}
	}
}

// benchPath measures one of the paths beyond the single write, at the
// build layer only (their answers need PathAPI).
func benchPath(b *testing.B, op func(Paths, context.Context, *Args) error) {
	list := PathAPI{Page: SamplePage(SampleArgs().Caller)}
	ps, err := PathContenders(list, PathAPI{Refuse: true}, NoopAPI{}, "docs")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range ps {
		b.Run("api="+LayerNoop+"/impl="+c.Name(), func(b *testing.B) {
			measure(b, func(ctx context.Context, a *Args) error { return op(c, ctx, a) })
		})
	}
}

// measure runs op in b's loop, with the instruction count's marks.
func measure(b *testing.B, op func(context.Context, *Args) error) {
	ctx, a := context.Background(), SampleArgs()
	b.ReportAllocs()
	if instrumented {
		// Warm up first, so that the count is of the steady
		// state: caches filled, lazy initialisation done.
		for range 10 {
			if err := op(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
		// Every loop starts from a collected heap (instr.sh
		// turns the collector off: the heap only grows).
		runtime.GC()
	}
	n, cpu0 := 0, cpuTime()
	instrStart()
	for b.Loop() {
		if err := op(ctx, a); err != nil {
			b.Fatal(err)
		}
		n++
	}
	instrStop()
	if instrumented {
		// The name and the iteration count, in the order
		// of callgrind's dumps, for instr.sh to divide by.
		fmt.Fprintf(os.Stderr, "bench-instr: %s %d\n", b.Name(), n)
	}
	// CPU time per operation, all threads: on a shared machine
	// it moves much less than wall time, which also counts the
	// time other processes held the cores.
	if cpu := cpuTime() - cpu0; cpu > 0 && n > 0 {
		b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
	}
}

// BenchmarkUpdate measures a guarded update with a version check.
func BenchmarkUpdate(b *testing.B) { benchOp(b, Contender.Update) }

// BenchmarkDelete measures a guarded delete.
func BenchmarkDelete(b *testing.B) { benchOp(b, Contender.Delete) }

// BenchmarkCreate measures a guarded create of a struct item.
func BenchmarkCreate(b *testing.B) { benchOp(b, Contender.Create) }

// BenchmarkCreateMap measures a guarded create of a map[string]any item.
func BenchmarkCreateMap(b *testing.B) { benchOp(b, Contender.CreateMap) }

// BenchmarkCreateAV measures a guarded create of a
// map[string]types.AttributeValue item.
func BenchmarkCreateAV(b *testing.B) { benchOp(b, Contender.CreateAV) }

// BenchmarkTx measures a transaction of the update, the delete and the
// create.
func BenchmarkTx(b *testing.B) { benchOp(b, Contender.Tx) }

// BenchmarkListPage measures one List page of PageItems items, decoded.
func BenchmarkListPage(b *testing.B) { benchPath(b, Paths.ListPage) }

// BenchmarkUpdateWriteID measures the update with Schema.WriteID.
func BenchmarkUpdateWriteID(b *testing.B) { benchPath(b, Paths.UpdateWriteID) }

// BenchmarkOldlessFail measures WithoutOldItem's failure path: the refused
// update and its classification Query.
func BenchmarkOldlessFail(b *testing.B) { benchPath(b, Paths.OldlessFail) }

// BenchmarkUpdateTenant measures the update in a tenant view.
func BenchmarkUpdateTenant(b *testing.B) { benchPath(b, Paths.UpdateTenant) }

// BenchmarkUpdateAdmin measures the update in a tenant's Admin view.
func BenchmarkUpdateAdmin(b *testing.B) { benchPath(b, Paths.UpdateAdmin) }
