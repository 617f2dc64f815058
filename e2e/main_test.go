// Package e2e tests the compiled filter (build/jwt-proxy-wasm.wasm) on the proxy-wasm host of
// e2e/harness, whose WASI behaves like Envoy's. What is asserted is what a client and the
// upstream see: statuses, headers, bodies, whether the upstream was reached, metrics, logs.
package e2e

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// The module under test and the WASI profile, set once by TestMain.
var (
	wasmBytes []byte
	profile   string
)

// now is the fixed clock of every test (STYLE.md): tokens are minted relative to it.
var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// TestMain builds the module once (the command `make build` runs) unless WASM_PATH names one,
// and reads the profile from E2E_PROFILE (default envoy-1.33, the strictest). Tests named
// *Smoke* form the subset `make e2e` also runs under envoy-latest.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	profile = os.Getenv("E2E_PROFILE")
	if profile == "" {
		profile = harness.ProfileEnvoy133
	}
	wasm, _, cleanup, err := harness.FilterModule("..")
	defer cleanup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "the module under test: %v\n", err)
		return 1
	}
	wasmBytes = wasm
	return m.Run()
}

// start runs the module with cfg, the idps as clusters (by their names), the fixed clock.
func start(t *testing.T, cfg []byte, idps ...*idp) *harness.Host {
	t.Helper()
	return harness.Start(t, options(cfg, idps...))
}

func options(cfg []byte, idps ...*idp) harness.Options {
	clusters := map[string]string{}
	for _, i := range idps {
		clusters[i.cluster] = i.url()
	}
	return harness.Options{
		Wasm:         wasmBytes,
		PluginConfig: cfg,
		Clusters:     clusters,
		Profile:      profile,
		Now:          func() time.Time { return now },
	}
}

// do sends one request and fails the test on a host error.
func do(t *testing.T, h *harness.Host, req harness.Request) *harness.Response {
	t.Helper()
	resp, err := h.Do(req)
	if err != nil {
		t.Fatalf("Do(%s %s): %v", req.Method, req.Path, err)
	}
	return resp
}

// get builds a GET of path with the given headers (name, value pairs).
func get(path string, headers ...string) harness.Request {
	r := harness.Request{Method: "GET", Path: path, Worker: -1}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Headers = append(r.Headers, [2]string{headers[i], headers[i+1]})
	}
	return r
}

func bearer(tok string) harness.Request { return get("/api/nodes", "authorization", "Bearer "+tok) }

// metric reads a counter the plugin defined; absent counts as a test failure.
func metric(t *testing.T, h *harness.Host, name string) uint64 {
	t.Helper()
	v, ok := h.Metric("jwt_proxy_wasm." + name)
	if !ok {
		t.Fatalf("metric jwt_proxy_wasm.%s is not defined", name)
	}
	return v
}

// wantNoUpstream asserts a rejected request never reached the upstream.
func wantNoUpstream(t *testing.T, h *harness.Host, resp *harness.Response) {
	t.Helper()
	if resp.Upstream != nil || h.UpstreamHits() != 0 {
		t.Errorf("rejected request reached the upstream (hits %d)", h.UpstreamHits())
	}
	if !resp.Local {
		t.Errorf("response is not a local reply")
	}
}
