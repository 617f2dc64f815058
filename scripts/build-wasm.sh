#!/usr/bin/env bash
# Compiles a proxy-wasm reactor module with standard Go: GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
# Usage: scripts/build-wasm.sh -o OUT.wasm PACKAGE
set -euo pipefail
out=""
if [ "${1:-}" = "-o" ]; then out=$2; shift 2; fi
pkg=${1:-.}
[ -n "$out" ] || { echo "usage: $0 -o OUT.wasm PACKAGE" >&2; exit 2; }
mkdir -p "$(dirname "$out")"
GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared -o "$out" "$pkg"
