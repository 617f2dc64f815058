// Package e2e runs the compiled filter on the e2e host (e2e/harness, Envoy's ABI and WASI)
// against a real OpenID provider, Dex, running in-process: tokens come from Dex's token
// endpoint over HTTP and keys reach the filter through its callouts to Dex, as in a mesh.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The module under test, and its path (set once by TestMain).
var (
	wasmBytes []byte
	wasmPath  string
)

// TestMain builds the module once (as `make build` does) unless WASM_PATH names one.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	path := os.Getenv("WASM_PATH")
	if path == "" {
		dir, err := os.MkdirTemp("", "jwt-proxy-wasm-interop")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "jwt-proxy-wasm.wasm")
		cmd := exec.Command("./scripts/build-wasm.sh", "-o", path, ".")
		cmd.Dir = "../.."
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building the module: %v\n", err)
			return 1
		}
	}
	wasmPath = path
	var err error
	if wasmBytes, err = os.ReadFile(path); err != nil {
		fmt.Fprintf(os.Stderr, "reading the module: %v\n", err)
		return 1
	}
	return m.Run()
}
