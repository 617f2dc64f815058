package timers

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// wasiImports lists the wasi_snapshot_preview1 functions a module imports, sorted, once each.
func wasiImports(t *testing.T, wasm []byte) []string {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter()) // compiles 10x faster; only imports are read
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range cm.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod == "wasi_snapshot_preview1" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestOverlay_addsNoImports: the overlay changes what the runtime does with poll_oneoff's answer,
// never which host functions the module needs; both builds load in Envoy 1.33.
func TestOverlay_addsNoImports(t *testing.T) {
	stock, overlay := wasiImports(t, buildTimerFilter(t, false)), wasiImports(t, buildTimerFilter(t, true))
	if !slices.Equal(stock, overlay) {
		t.Errorf("WASI imports differ:\nstock:   %v\noverlay: %v", stock, overlay)
	}
	for _, overlay := range []bool{false, true} {
		if err := harness.CheckImports(buildTimerFilter(t, overlay), harness.ProfileEnvoy133); err != nil {
			t.Errorf("overlay=%v: %v", overlay, err)
		}
	}
	t.Logf("timerfilter WASI imports (%d): %s", len(overlay), strings.Join(overlay, " "))
}

// TestModuleWASIImports lists the WASI imports of the module under test (WASM_PATH, set by
// `make e2e`) for docs/compatibility.md; the e2e suite's import test guards them.
func TestModuleWASIImports(t *testing.T) {
	path := os.Getenv("WASM_PATH")
	if path == "" {
		t.Skip("WASM_PATH not set (make e2e sets it)")
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	names := wasiImports(t, wasm)
	t.Logf("%s WASI imports (%d): %s", path, len(names), strings.Join(names, " "))
}
