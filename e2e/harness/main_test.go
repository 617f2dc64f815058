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

// The test modules under testdata/ are built once per test binary, in parallel, with the
// project's build script (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared).
var modules = map[string][]byte{}

// fixedNow is the project's fixed test clock.
var fixedNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "harness-modules")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := []string{"basic", "timer", "fsimport", "sleepinit"}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := filepath.Join(dir, name+".wasm")
			cmd := exec.Command("../../scripts/build-wasm.sh", "-o", out, "./testdata/"+name)
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("build %s: %v\n%s", name, err, b)
				return
			}
			b, err := os.ReadFile(out)
			errs[i] = err
			modules[name] = b
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func module(t testing.TB, name string) []byte {
	t.Helper()
	b, ok := modules[name]
	if !ok {
		t.Fatalf("module %s not built", name)
	}
	return b
}
