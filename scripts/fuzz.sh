#!/usr/bin/env bash
# Runs every Go fuzz target of the main module, one target at a time, for FUZZTIME each.
# Usage: scripts/fuzz.sh FUZZTIME [PACKAGE...]      e.g. scripts/fuzz.sh 10s   or   scripts/fuzz.sh 2m ./jwt
#
# Targets are discovered, not listed: packages whose _test.go files declare `func FuzzXxx`, then
# `go test -list '^Fuzz'` names them. The e2e package is skipped (its TestMain builds the wasm
# module; its tests are not fuzz targets). Go can fuzz one target per invocation, hence the loop.
# A failure leaves the crasher in <pkg>/testdata/fuzz/<Target>/, where plain `go test` replays it
# from then on as a regression test: commit it with the fix.
# Env: FUZZ_PARALLEL=N passes -parallel N (fuzz workers; default: GOMAXPROCS).
#      FUZZ_MATCH=REGEXP runs only the targets whose name matches (e.g. '^Fuzz(Parse|Verify)$').
#      FUZZ_SKIP=REGEXP leaves out the discovered packages whose ./path matches (e.g. '^./internal/rsafast$').
# A count (1000x) rather than a duration avoids golang/go#75804: with a duration, Go < 1.27 may end
# a clean run with a bare "context deadline exceeded" and no crasher; CI therefore uses counts.
#      FUZZ_LOGDIR (default build/fuzz) keeps one log per target.
# Exit status: 0 when every target ran clean, 1 when any target failed, 2 on usage errors.
set -uo pipefail

fuzztime=${1:-}
if [ -z "$fuzztime" ]; then
	echo "usage: $0 FUZZTIME [PACKAGE...]   (FUZZTIME as for go test -fuzztime: 10s, 2m, 1000x)" >&2
	exit 2
fi
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logdir=${FUZZ_LOGDIR:-build/fuzz}
mkdir -p "$logdir"
par=()
[ -n "${FUZZ_PARALLEL:-}" ] && par=(-parallel "$FUZZ_PARALLEL")

# Candidate packages: the arguments, or every package of the main module (`go list` leaves out
# nested modules) outside e2e whose test files declare a fuzz function.
if [ $# -gt 0 ]; then
	pkgs=("$@")
else
	pkgs=()
	while read -r dir; do
		rel=.${dir#"$root"}
		case "$rel/" in ./e2e/* | ./build/*) continue ;; esac
		if [ -n "${FUZZ_SKIP:-}" ] && printf '%s\n' "$rel" | grep -qE "$FUZZ_SKIP"; then
			continue
		fi
		if grep -qE '^func Fuzz[A-Za-z0-9_]*\(' "$dir"/*_test.go 2>/dev/null; then
			pkgs+=("$rel")
		fi
	done < <(go list -e -f '{{.Dir}}' ./...)
fi
if [ ${#pkgs[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

results=()
failed=0
total=0
for pkg in "${pkgs[@]}"; do
	case "$pkg" in ./* | /*) ;; *) pkg=./$pkg ;; esac
	if ! names=$(go test -list '^Fuzz' "$pkg" 2>&1); then
		echo "$names" >&2
		results+=("$(printf '%-22s %-28s %-6s %s' "$pkg" "-" "FAIL" "go test -list failed")")
		failed=1
		continue
	fi
	for name in $(printf '%s\n' "$names" | grep -E '^Fuzz' | grep -E "${FUZZ_MATCH:-.}"); do
		total=$((total + 1))
		log="$logdir/$(echo "${pkg#./}" | tr '/' '_')_$name.log"
		echo "== fuzz $pkg $name for $fuzztime (log: $log)"
		start=$(date +%s)
		go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "${par[@]}" "$pkg" >"$log" 2>&1
		rc=$?
		secs=$(($(date +%s) - start))
		# The last progress line carries the totals: "fuzz: elapsed: 2m0s, execs: 123 (..), new interesting: 4 (total: 40)".
		execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | awk '{print $2}')
		newi=$(grep -oE 'new interesting: [0-9]+ \(total: [0-9]+\)' "$log" | tail -1)
		if [ $rc -eq 0 ]; then
			status=ok
		else
			status=FAIL
			failed=1
			tail -30 "$log" >&2
			crasher=$(grep -oE 'testdata/fuzz/[^ ]+' "$log" | tail -1)
			[ -n "$crasher" ] && newi="crasher: $pkg/$crasher"
			if [ -z "$crasher" ] && grep -q 'context deadline exceeded' "$log"; then
				newi="no crasher; likely golang/go#75804 (duration budget on Go < 1.27): rerun with a count, e.g. 5000x"
			fi
		fi
		results+=("$(printf '%-22s %-28s %-6s %6ss  execs %-12s %s' "$pkg" "$name" "$status" "$secs" "${execs:-?}" "$newi")")
	done
done

echo
echo "== fuzz summary ($total targets, $fuzztime each)"
printf '%s\n' "${results[@]}"
if [ $failed -ne 0 ]; then
	echo "fuzz: FAILED (crashers, if any, are in the package's testdata/fuzz and now replay in go test)"
	exit 1
fi
echo "fuzz: all targets clean"
