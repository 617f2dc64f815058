#!/usr/bin/env bash
# Compiles a proxy-wasm reactor module with standard Go: GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
# Usage: scripts/build-wasm.sh [-no-overlay] -o OUT.wasm PACKAGE
#
# Every build uses a `go build -overlay` of the Go runtime, generated from the local GOROOT by
# scripts/overlay into build/overlay/<go version>/, so that the module survives Envoy's
# poll_oneoff answering ENOSYS (Envoy 1.33 until cpp-host #533; see docs/design-wasi.md). The
# build fails, naming the file and Go version, when Go's runtime no longer matches the recipe.
# -no-overlay builds with the stock runtime (only the timer-survival test uses it, to show the
# failure the overlay prevents).
set -euo pipefail
overlay=1
out=""
while [ $# -gt 0 ]; do
	case "$1" in
	-no-overlay) overlay=0; shift ;;
	-o) out=${2:-}; shift 2 ;;
	-*) echo "usage: $0 [-no-overlay] -o OUT.wasm PACKAGE" >&2; exit 2 ;;
	*) break ;;
	esac
done
pkg=${1:-.}
[ -n "$out" ] || { echo "usage: $0 [-no-overlay] -o OUT.wasm PACKAGE" >&2; exit 2; }
mkdir -p "$(dirname "$out")"
flags=()
if [ "$overlay" = 1 ]; then
	root=$(cd "$(dirname "$0")/.." && pwd)
	goversion=$(go env GOVERSION)
	json=$(cd "$root" && go run ./scripts/overlay -goroot "$(go env GOROOT)" -goversion "$goversion" \
		-out "$root/build/overlay/$goversion") || {
		echo "build-wasm: cannot generate the Go runtime overlay for $goversion (see above)" >&2
		exit 1
	}
	flags+=(-overlay "$json")
fi
GOOS=wasip1 GOARCH=wasm go build -trimpath "${flags[@]}" -buildmode=c-shared -o "$out" "$pkg"
