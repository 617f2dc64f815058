// Package bench measures the compiled filter where it runs: under the proxy-wasm host of
// e2e/harness (wazero, Envoy's WASI), one request at a time through Host.Do, against a no-op
// module built the same way, the bare signature check inside wasm, and the same verification
// natively. Nothing here runs in `make test`: TestTable needs BENCH=1 (scripts/bench.sh sets
// it), TestMemory BENCH_MEMORY=1; the Go benchmarks need -bench.
package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// modules are built once per test binary, on first use.
var (
	buildOnce sync.Once
	buildErr  error
	buildDir  string
	modules   = map[string][]byte{} // "filter", "noop", "verify"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// enabled skips t unless the environment variable is set (the benchmarks take minutes).
func enabled(t *testing.T, env string) {
	if os.Getenv(env) == "" {
		t.Skipf("set %s=1 to run (scripts/bench.sh)", env)
	}
}

// root is the repository root (this package is e2e/bench).
func root() string { return filepath.Join("..", "..") }

// module returns a module's bytes: "filter" is WASM_PATH or a fresh build of the repository
// root; "noop", "floor" and "verify" are built from testdata. Every build uses scripts/build-wasm.sh.
func module(tb testing.TB, name string) []byte {
	tb.Helper()
	buildOnce.Do(func() { buildErr = buildAll() })
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return modules[name]
}

func buildAll() error {
	dir, err := os.MkdirTemp("", "jwt-proxy-wasm-bench")
	if err != nil {
		return err
	}
	buildDir = dir
	pkgs := map[string]string{"noop": "./e2e/bench/testdata/noop", "floor": "./e2e/bench/testdata/floor", "verify": "./e2e/bench/testdata/verify"}
	if p := os.Getenv("WASM_PATH"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		modules["filter"] = b
	} else {
		pkgs["filter"] = "."
	}
	for name, pkg := range pkgs {
		b, err := build(filepath.Join(dir, name+".wasm"), pkg)
		if err != nil {
			return err
		}
		modules[name] = b
	}
	return nil
}

// build runs scripts/build-wasm.sh; extra environment (GOFLAGS for -ldflags) is appended.
func build(out, pkg string, env ...string) ([]byte, error) {
	cmd := exec.Command("./scripts/build-wasm.sh", "-o", out, pkg)
	cmd.Dir = root()
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s: %v\n%s", pkg, err, b)
	}
	return os.ReadFile(out)
}
