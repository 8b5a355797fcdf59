#!/usr/bin/env bash
# Run the peer benchmarks and write the performance report. make bench runs
# this: the CPU benchmarks first (go test -bench, no DynamoDB needed), then
# the report program, which runs the end-to-end half against DynamoDB Local
# (started by scripts/with-dynamodb.sh unless DDBGUARD_DYNAMODB_ENDPOINT is
# set), prints the tables and writes docs/PERFORMANCE.md and
# docs/throughput.svg. The raw benchmark output goes to bench/results/cpu.txt
# (benchstat format). Between the two halves, instr.sh counts the
# instructions per operation of every CPU benchmark with valgrind's
# callgrind, into bench/results/instr.txt (skipped, with a note, when
# valgrind is missing).
#
# Environment:
#   BENCH_COUNT   runs of every CPU benchmark (default 6)
#   BENCH_TIME    go test -benchtime of each run (default 0.5s)
#   BENCH_POINT   end-to-end measuring time per strategy and point (default 2s)
#   INSTR         0 skips the instruction counts (default 1)
#   INSTR_N_NOOP, INSTR_N_SDK   their iteration counts (see instr.sh)
#   GO            the go command (default go)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

GO=${GO:-go}
count=${BENCH_COUNT:-6}
benchtime=${BENCH_TIME:-0.5s}
point=${BENCH_POINT:-2s}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbguard-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
# Build the report program before measuring anything, so a compile error
# costs no benchmark time.
"$GO" build -o "$tmp/report" ./cmd/report

mkdir -p results
# BENCH_COUNT rounds of go test -count 1 rather than one go test -count N:
# -count repeats each benchmark back to back, so load from other work on a
# shared machine would land on one contender and not its peers. In rounds,
# the contenders of one operation run side by side in every round, and the
# report takes the median of the per-round ratios. The output is the same
# benchstat format as -count N.
cpu_cmd="go test -run '^\$' -bench . -benchmem -count 1 -benchtime $benchtime ."
echo "bench: $count rounds of $cpu_cmd" >&2
cpu_start=$SECONDS
: >results/cpu.txt
for ((round = 1; round <= count; round++)); do
	echo "bench: round $round of $count" >&2
	"$GO" test -run '^$' -bench . -benchmem -count 1 -benchtime "$benchtime" -timeout 30m . |
		tee -a results/cpu.txt
done
cpu_wall=$((SECONDS - cpu_start))

instr_args=()
if [ "${INSTR:-1}" != 0 ]; then
	instr_start=$SECONDS
	rm -f results/instr.txt
	GO="$GO" ./instr.sh results/instr.txt
	if [ -s results/instr.txt ]; then
		instr_args=(-instr results/instr.txt -instr-wall "$((SECONDS - instr_start))s"
			-instr-note "${INSTR_N_NOOP:-3000} operations per benchmark of the build layer, ${INSTR_N_SDK:-100} of the SDK layer")
	fi
fi

mkdir -p ../docs
../scripts/with-dynamodb.sh "$tmp/report" \
	-cpu results/cpu.txt -cpu-cmd "$cpu_cmd" -cpu-wall "${cpu_wall}s" "${instr_args[@]}" \
	-point "$point" -doc ../docs/PERFORMANCE.md -svg ../docs/throughput.svg
echo "bench: done in $((SECONDS - start)) s" >&2
