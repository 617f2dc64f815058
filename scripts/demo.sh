#!/usr/bin/env bash
# The local demo (`make demo`): the compiled filter in tools/wasmproxy (Envoy's ABI and WASI),
# Dex as the OpenID provider and an echo upstream, all on loopback. It runs the curl lines once,
# checking each answer, then stays up until Ctrl-C so you can try your own.
#   DEMO_ONCE=1 scripts/demo.sh    runs the checks and exits (used by the interop test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
wasm=${WASM:-build/jwt-proxy-wasm.wasm}
dex=127.0.0.1:5556 upstream=127.0.0.1:9000 proxy=${DEMO_LISTEN:-127.0.0.1:10000}
config=examples/demo/config.json

[ -f "$wasm" ] || ./scripts/build-wasm.sh -o "$wasm" .
for cmd in curl go; do command -v $cmd >/dev/null || { echo "demo: $cmd is required" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building the demo programs"
(cd interop && go build -o "$work/demo-idp" ./cmd/demo-idp)
go build -o "$work/wasmproxy" ./tools/wasmproxy

# start NAME WORD CMD...: runs CMD in the background, waits for WORD in its output.
start() {
	local name=$1 word=$2
	shift 2
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 1200); do # up to 120 s: compiling the module is slow on a busy machine
		if grep -q "$word" "$work/$name.log"; then grep "$word" "$work/$name.log"; return; fi
		if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
		sleep 0.1
	done
	echo "demo: $name did not start:" >&2
	cat "$work/$name.log" >&2
	exit 1
}
echo "== starting Dex + echo upstream, then the filter"
start demo-idp ready "$work/demo-idp" -dex "$dex" -upstream "$upstream"
start wasmproxy listening "$work/wasmproxy" -wasm "$wasm" -config "$config" -listen "$proxy" \
	-upstream "http://$upstream" -cluster "dex=http://$dex"

failed=0
# step WANT CMD: prints CMD as you would type it, runs it, and for an HTTP call (WANT != -)
# checks the status line of the answer.
step() {
	local want=$1 cmd=$2 out got
	printf '\n$ %s\n' "$cmd"
	if [ "$want" = - ]; then # runs in this shell: it sets the token variables
		eval "$cmd" || { echo "demo: the command failed" >&2; failed=1; }
		return
	fi
	out=$(eval "$cmd") || { echo "demo: the command failed" >&2; failed=1; return; }
	printf '%s\n' "$out"
	got=$(printf '%s' "$out" | head -1 | cut -d' ' -f2)
	if [ "$got" != "$want" ]; then
		echo "demo: want HTTP $want, got $got" >&2
		failed=1
	fi
}
token='-d grant_type=client_credentials -d scope=groups http://'$dex'/dex/token | sed -n '\''s/.*"access_token":"\([^"]*\)".*/\1/p'\'

echo
echo "== 1. Get a token from Dex (client_credentials) as 'orders', a client in the group orders-writer"
step - 'ORDERS=$(curl -s -u orders:orders-demo-secret '"$token"'); echo "${ORDERS:0:40}..."'
echo
echo "== 2. With it, POST /orders reaches the upstream: the filter removed the token, added x-client-id"
step 200 'curl -si -X POST -H "Authorization: Bearer $ORDERS" http://'$proxy'/orders'
echo
echo "== 3. Without a token: 401 with WWW-Authenticate"
step 401 'curl -si http://'$proxy'/reports'
echo
echo "== 4. 'reporting' is not in orders-writer: 403 on POST /orders (it may still GET /reports)"
step - 'REPORTING=$(curl -s -u reporting:reporting-demo-secret '"$token"'); echo "${REPORTING:0:40}..."'
step 403 'curl -si -X POST -H "Authorization: Bearer $REPORTING" http://'$proxy'/orders'
step 200 'curl -si -H "Authorization: Bearer $REPORTING" http://'$proxy'/reports'

echo
if [ "$failed" != 0 ]; then
	echo "demo: some answers were not the expected ones (logs: wasmproxy below)" >&2
	cat "$work/wasmproxy.log" >&2
	exit 1
fi
echo "== all answers as expected."
[ -n "${DEMO_ONCE:-}" ] && exit 0
cat <<MSG

Up and running; try your own requests (Ctrl-C stops everything):
  Dex issuer     http://$dex/dex   (clients orders:orders-demo-secret, reporting:reporting-demo-secret)
  filter (proxy) http://$proxy     config $config
  echo upstream  http://$upstream
MSG
wait
