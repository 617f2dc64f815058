#!/usr/bin/env bash
# Benchmarks of the compiled module under the e2e host (e2e/bench), in one run: prints the
# table and writes build/bench/table.md and build/bench/chart.svg (docs/performance.md).
# Usage: scripts/bench.sh [-memory]
#   -memory  also the memory run (1,000,000 requests, 100,000 distinct tokens; takes minutes;
#            BENCH_MEMORY_REQUESTS overrides the count) -> build/bench/memory.md
# WASM_PATH=build/jwt-proxy-wasm.wasm measures that module instead of building the tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tests='TestTable'
if [ "${1:-}" = "-memory" ]; then
	export BENCH_MEMORY=1
	tests='TestTable|TestMemory'
elif [ $# -gt 0 ]; then
	echo "usage: $0 [-memory]" >&2
	exit 2
fi
export BENCH=1 BENCH_OUT="$root/build/bench"
if [ -n "${WASM_PATH:-}" ]; then
	WASM_PATH=$(cd "$(dirname "$WASM_PATH")" && pwd)/$(basename "$WASM_PATH")
	export WASM_PATH
fi
go test -count=1 -timeout 90m -run "^(${tests})\$" -v ./e2e/bench
echo "wrote $BENCH_OUT/table.md and $BENCH_OUT/chart.svg"
