// Package e2e runs the compiled filter on the e2e host (e2e/harness, Envoy's ABI and WASI)
// against a real OpenID provider, Dex, running in-process: tokens come from Dex's token
// endpoint over HTTP and keys reach the filter through its callouts to Dex, as in a mesh.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// The module under test, and its path (set once by TestMain).
var (
	wasmBytes []byte
	wasmPath  string
)

// TestMain builds the module once (as `make build` does) unless WASM_PATH names one.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	wasm, path, cleanup, err := harness.FilterModule("../..")
	defer cleanup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "the module under test: %v\n", err)
		return 1
	}
	wasmBytes, wasmPath = wasm, path
	return m.Run()
}
