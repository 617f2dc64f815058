package harness

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// One wazero runtime per WASI profile per process: the host modules "env" and
// "wasi_snapshot_preview1" are registered once in it and find their VM through the call's
// context, so every Host shares the compiled modules (compilation costs seconds).
type profileRuntime struct {
	rt       wazero.Runtime
	profile  *wasiProfile
	mu       sync.Mutex
	compiled map[[32]byte]*compileResult
}

type compileResult struct {
	once sync.Once
	mod  wazero.CompiledModule
	err  error
}

var (
	runtimesMu sync.Mutex
	runtimes   = map[string]*profileRuntime{}
	diskCache  wazero.CompilationCache
)

// runtimeFor returns the process-wide runtime of a profile, creating it on first use.
func runtimeFor(profile string) (*profileRuntime, error) {
	p, ok := wasiProfiles[profile]
	if !ok {
		return nil, fmt.Errorf("unknown WASI profile %q (known: %s)", profile, strings.Join(profileNames(), ", "))
	}
	runtimesMu.Lock()
	defer runtimesMu.Unlock()
	if r, ok := runtimes[profile]; ok {
		return r, nil
	}
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigCompiler()
	if diskCache == nil {
		// The on-disk cache makes the second test binary's compile ~40 ms instead of seconds.
		if c, err := wazero.NewCompilationCacheWithDir(filepath.Join(os.TempDir(), "jwt-proxy-wasm-wazero-cache")); err == nil {
			diskCache = c
		}
	}
	if diskCache != nil {
		cfg = cfg.WithCompilationCache(diskCache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := instantiateEnv(ctx, rt); err != nil {
		return nil, err
	}
	if err := instantiateWASI(ctx, rt, p); err != nil {
		return nil, err
	}
	r := &profileRuntime{rt: rt, profile: p, compiled: map[[32]byte]*compileResult{}}
	runtimes[profile] = r
	return r, nil
}

// compile returns the compiled module for wasm, compiling it once per content hash.
func (r *profileRuntime) compile(wasm []byte) (wazero.CompiledModule, error) {
	key := sha256.Sum256(wasm)
	r.mu.Lock()
	c, ok := r.compiled[key]
	if !ok {
		c = &compileResult{}
		r.compiled[key] = c
	}
	r.mu.Unlock()
	c.once.Do(func() { c.mod, c.err = r.rt.CompileModule(context.Background(), wasm) })
	return c.mod, c.err
}

// envoyEnvFunctions are the "env" functions Envoy (cpp-host src/wasm.cc registerCallbacks,
// FOR_ALL_HOST_FUNCTIONS plus the ABI 0.2.x additions) links into a module.
var envoyEnvFunctions = map[string]bool{
	"pthread_equal": true, "emscripten_notify_memory_growth": true,
	"proxy_log": true, "proxy_get_status": true, "proxy_set_property": true, "proxy_get_property": true,
	"proxy_send_local_response": true, "proxy_get_shared_data": true, "proxy_set_shared_data": true,
	"proxy_register_shared_queue": true, "proxy_resolve_shared_queue": true,
	"proxy_dequeue_shared_queue": true, "proxy_enqueue_shared_queue": true,
	"proxy_get_header_map_value": true, "proxy_add_header_map_value": true,
	"proxy_replace_header_map_value": true, "proxy_remove_header_map_value": true,
	"proxy_get_header_map_pairs": true, "proxy_set_header_map_pairs": true,
	"proxy_get_header_map_size": true, "proxy_get_buffer_status": true, "proxy_get_buffer_bytes": true,
	"proxy_set_buffer_bytes": true, "proxy_http_call": true, "proxy_grpc_call": true,
	"proxy_grpc_stream": true, "proxy_grpc_close": true, "proxy_grpc_cancel": true, "proxy_grpc_send": true,
	"proxy_set_tick_period_milliseconds": true, "proxy_get_current_time_nanoseconds": true,
	"proxy_define_metric": true, "proxy_increment_metric": true, "proxy_record_metric": true,
	"proxy_get_metric": true, "proxy_set_effective_context": true, "proxy_done": true,
	"proxy_call_foreign_function": true,
	// ABI 0.2.0 / 0.2.1
	"proxy_continue_stream": true, "proxy_close_stream": true, "proxy_get_log_level": true,
}

// CheckImports names every import of wasm that Envoy with the given WASI profile would not
// link: a WASI function outside the profile, or an "env" function outside the proxy-wasm ABI
// Envoy exports, or any other module. nil means the module would load.
func CheckImports(wasm []byte, profile string) error {
	if profile == "" {
		profile = ProfileEnvoy133
	}
	p, ok := wasiProfiles[profile]
	if !ok {
		return fmt.Errorf("unknown WASI profile %q", profile)
	}
	r, err := runtimeFor(profile)
	if err != nil {
		return err
	}
	cm, err := r.compile(wasm)
	if err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	return checkCompiledImports(cm, p)
}

func checkCompiledImports(cm wazero.CompiledModule, p *wasiProfile) error {
	var bad []string
	seen := map[string]bool{}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		full := mod + "." + name
		if seen[full] {
			continue
		}
		seen[full] = true
		switch {
		case mod == "wasi_snapshot_preview1" && p.funcs[name] != nil && !sameParams(f.ParamTypes(), p.funcs[name].params):
			bad = append(bad, full+" (signature differs from cpp-host's)")
		case mod == "wasi_snapshot_preview1" && p.funcs[name] != nil:
		case mod == "env" && envoyEnvFunctions[name] && envImplemented[name]:
		case mod == "env" && envoyEnvFunctions[name]:
			bad = append(bad, full+" (Envoy has it; this host does not implement it)")
		case mod == "wasi_snapshot_preview1":
			bad = append(bad, full+" (not in Envoy's WASI, profile "+p.name+")")
		default:
			bad = append(bad, full)
		}
	}
	for _, m := range cm.ImportedMemories() {
		mod, name, _ := m.Import()
		bad = append(bad, "memory "+mod+"."+name)
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("%w: %s", ErrImport, strings.Join(bad, ", "))
}

func sameParams(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// moduleImports lists "module.name" of every imported function (tests and reports).
func moduleImports(cm wazero.CompiledModule) []string {
	var out []string
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		out = append(out, mod+"."+name)
	}
	sort.Strings(out)
	return out
}
