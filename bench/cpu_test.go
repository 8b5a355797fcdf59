package bench

import (
	"context"
	"testing"
)

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
				ctx, a := context.Background(), SampleArgs()
				b.ReportAllocs()
				n, cpu0 := 0, cpuTime()
				for b.Loop() {
					if err := op(c, ctx, a); err != nil {
						b.Fatal(err)
					}
					n++
				}
				// CPU time per operation, all threads: on a shared machine
				// it moves much less than wall time, which also counts the
				// time other processes held the cores.
				if cpu := cpuTime() - cpu0; cpu > 0 && n > 0 {
					b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
				}
			})
		}
	}
}

// BenchmarkUpdate measures a guarded update with a version check.
func BenchmarkUpdate(b *testing.B) { benchOp(b, Contender.Update) }

// BenchmarkDelete measures a guarded delete.
func BenchmarkDelete(b *testing.B) { benchOp(b, Contender.Delete) }

// BenchmarkCreate measures a guarded create of a struct item.
func BenchmarkCreate(b *testing.B) { benchOp(b, Contender.Create) }

// BenchmarkTx measures a transaction of the update, the delete and the
// create.
func BenchmarkTx(b *testing.B) { benchOp(b, Contender.Tx) }
