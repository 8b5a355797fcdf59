#!/usr/bin/env bash
# Run the peer benchmarks and write the performance report. make bench runs
# this: the CPU benchmarks first (go test -bench, no DynamoDB needed), then
# the report program, which runs the end-to-end half against DynamoDB Local
# (started by scripts/with-dynamodb.sh unless DDBGUARD_DYNAMODB_ENDPOINT is
# set), prints the tables and writes docs/PERFORMANCE.md and
# docs/throughput.svg. The raw benchmark output goes to bench/results/cpu.txt
# (benchstat format).
#
# Environment:
#   BENCH_COUNT   runs of every CPU benchmark (default 6)
#   BENCH_TIME    go test -benchtime of each run (default 0.5s)
#   BENCH_POINT   end-to-end measuring time per strategy and point (default 2s)
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
cpu_cmd="go test -run '^\$' -bench . -benchmem -count $count -benchtime $benchtime ."
echo "bench: $cpu_cmd" >&2
cpu_start=$SECONDS
"$GO" test -run '^$' -bench . -benchmem -count "$count" -benchtime "$benchtime" -timeout 60m . |
	tee results/cpu.txt
cpu_wall=$((SECONDS - cpu_start))

mkdir -p ../docs
../scripts/with-dynamodb.sh "$tmp/report" \
	-cpu results/cpu.txt -cpu-cmd "$cpu_cmd" -cpu-wall "${cpu_wall}s" \
	-point "$point" -doc ../docs/PERFORMANCE.md -svg ../docs/throughput.svg
echo "bench: done in $((SECONDS - start)) s" >&2
