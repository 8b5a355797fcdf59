#!/usr/bin/env bash
# Count the instructions per operation of the CPU benchmarks with
# valgrind's callgrind: a measure that other work on a shared machine does
# not move, unlike time. make bench runs it (through run.sh) after the timed
# rounds. The benchmark binary (go test -c) runs under callgrind with
# GODEBUG=asyncpreemptoff=1 (no preemption signals), GOMAXPROCS=1 (no
# spinning on the runtime's locks, whose length depends on how valgrind
# schedules threads), GOGC=off and a fixed iteration count; every benchmark
# warms up, then callgrind zeroes its counters when the measured loop
# starts and dumps them when it ends (bench.instrStart, bench.instrStop),
# so each dump holds one loop's instructions. The collector is off because
# one collection costs millions of instructions and lands in whichever
# loop is running when the heap reaches its goal, so it would make a count
# depend on the benchmarks that ran before; the bytes allocated per
# operation (B/op) stand for its cost. The result is one line per
# benchmark:
#
#	BenchmarkCreate/api=noop/impl=ddbguard 1000 11000 instr/op
#
# Usage: instr.sh OUT    (writes OUT; exits 0 without writing it when
# valgrind is missing, saying so)
#
# Environment:
#   INSTR_N_NOOP  iterations of each build → no-op API benchmark (default 3000)
#   INSTR_N_SDK   iterations of each SDK-client benchmark (default 100)
#   GO            the go command (default go)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

out=${1:?usage: instr.sh OUT}
GO=${GO:-go}
if ! command -v valgrind >/dev/null; then
	echo "instr: valgrind is not installed (apt-get install valgrind); no instruction counts" >&2
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbguard-instr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$GO" test -c -o "$tmp/bench.test" .

: >"$tmp/out"
for spec in "noop ${INSTR_N_NOOP:-3000}" "sdk ${INSTR_N_SDK:-100}"; do
	read -r layer n <<<"$spec"
	echo "instr: callgrind, layer $layer, ${n}x" >&2
	(cd "$tmp" && rm -f callgrind.out.* &&
		BENCH_INSTR=1 GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
			--zero-before='*bench.instrStart' --dump-before='*bench.instrStop' \
			--callgrind-out-file="$tmp/cg.$layer" \
			./bench.test -test.run '^$' -test.bench "/^api=$layer\$/" -test.benchtime "${n}x" \
			>"$tmp/stdout.$layer" 2>"$tmp/stderr.$layer") || {
		cat "$tmp/stderr.$layer" >&2
		exit 1
	}
	grep '^bench-instr: ' "$tmp/stderr.$layer" >"$tmp/names.$layer"
	dumps=$(ls "$tmp"/cg."$layer".* 2>/dev/null | wc -l)
	if [ "$dumps" -ne "$(wc -l <"$tmp/names.$layer")" ]; then
		echo "instr: $dumps callgrind dumps for $(wc -l <"$tmp/names.$layer") benchmarks" >&2
		exit 1
	fi
	i=0
	while read -r _ name iters; do
		i=$((i + 1))
		total=$(awk '/^totals:/ {print $2}' "$tmp/cg.$layer.$i")
		echo "$name $iters $((total / iters)) instr/op" >>"$tmp/out"
	done <"$tmp/names.$layer"
done
mv "$tmp/out" "$out"
cat "$out" >&2
