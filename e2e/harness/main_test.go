package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// modules holds the test modules under testdata/, built once per test binary, in parallel,
// with the project's build script (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared).
var modules = map[string][]byte{}

// fixedNow is the project's fixed test clock.
var fixedNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// builds maps a module name to its build-wasm.sh arguments. "timer" and "sleepinit" use Go's
// stock runtime (-no-overlay) to show what Envoy 1.33's WASI does to it; "timer-overlay" is the
// same source with the project's runtime overlay.
var builds = map[string][]string{
	"basic":         {"./testdata/basic"},
	"fsimport":      {"./testdata/fsimport"},
	"sleepinit":     {"-no-overlay", "./testdata/sleepinit"},
	"timer":         {"-no-overlay", "./testdata/timer"},
	"timer-overlay": {"./testdata/timer"},
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "harness-modules")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for name, args := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := build(filepath.Join(dir, name+".wasm"), args)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("build %s: %v\n%s", name, err, b))
				return
			}
			modules[name] = b
		}()
	}
	wg.Wait()
	code := 1
	if len(errs) == 0 {
		code = m.Run()
	}
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, err)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// build runs the project's wasm build script; it returns the module, or the build output.
func build(out string, args []string) ([]byte, error) {
	cmd := exec.Command("../../scripts/build-wasm.sh", append([]string{"-o", out}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return b, err
	}
	return os.ReadFile(out)
}

func module(t testing.TB, name string) []byte {
	t.Helper()
	b, ok := modules[name]
	if !ok {
		t.Fatalf("module %s not built", name)
	}
	return b
}
