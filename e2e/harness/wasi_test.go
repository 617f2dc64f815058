package harness

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckImports(t *testing.T) {
	tests := []struct {
		name    string
		module  string
		profile string
		wantErr string // substring; "" = loads
	}{
		{name: "SDK module loads on 1.33", module: "basic", profile: ProfileEnvoy133},
		{name: "SDK module loads on latest", module: "basic", profile: ProfileEnvoyLatest},
		{name: "os.Stat needs path_filestat_get, absent on 1.33", module: "fsimport", profile: ProfileEnvoy133, wantErr: "wasi_snapshot_preview1.path_filestat_get (not in Envoy's WASI, profile envoy-1.33)"},
		{name: "path_filestat_get exists on latest", module: "fsimport", profile: ProfileEnvoyLatest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckImports(module(t, tc.module), tc.profile)

			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckImports = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrImport) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("CheckImports = %v, want ErrImport naming %q", err, tc.wantErr)
			}
		})
	}
}

func TestCheckImports_ListsBasicModule(t *testing.T) {
	r, err := runtimeFor(ProfileEnvoy133)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := r.compile(module(t, "basic"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imports of the basic test module: %s", strings.Join(moduleImports(cm), " "))
}

func TestNew_RefusesModuleOutsideProfile(t *testing.T) {
	_, err := New(Options{Wasm: module(t, "fsimport")})

	if !errors.Is(err, ErrImport) || !strings.Contains(err.Error(), "path_filestat_get") {
		t.Fatalf("New = %v, want ErrImport naming path_filestat_get", err)
	}
}

// sdkImports are the 29 env functions proxy-wasm-go-sdk declares (proxywasm/internal/abi_hostcalls.go).
var sdkImports = strings.Fields(`proxy_log proxy_send_local_response proxy_get_shared_data proxy_set_shared_data
	proxy_register_shared_queue proxy_resolve_shared_queue proxy_dequeue_shared_queue proxy_enqueue_shared_queue
	proxy_get_header_map_value proxy_add_header_map_value proxy_replace_header_map_value proxy_remove_header_map_value
	proxy_get_header_map_pairs proxy_set_header_map_pairs proxy_get_buffer_bytes proxy_set_buffer_bytes
	proxy_continue_stream proxy_close_stream proxy_http_call proxy_call_foreign_function
	proxy_set_tick_period_milliseconds proxy_set_effective_context proxy_done proxy_define_metric
	proxy_increment_metric proxy_record_metric proxy_get_metric proxy_get_property proxy_set_property`)

func TestEnv_ImplementsEverySDKImport(t *testing.T) {
	if len(sdkImports) != 29 {
		t.Fatalf("list has %d names", len(sdkImports))
	}
	for _, name := range sdkImports {
		if !envImplemented[name] || !envoyEnvFunctions[name] {
			t.Errorf("%s: implemented=%v, in Envoy=%v", name, envImplemented[name], envoyEnvFunctions[name])
		}
	}
}

func TestWASI_Envoy133HasExactly18Functions(t *testing.T) {
	p := wasiProfiles[ProfileEnvoy133]
	if len(p.funcs) != 18 {
		t.Errorf("envoy-1.33 has %d functions, want 18", len(p.funcs))
	}
	if n := len(wasiProfiles[ProfileEnvoyLatest].funcs); n != 45 {
		t.Errorf("envoy-latest has %d functions, want 45 (cpp-host FOR_ALL_WASI_FUNCTIONS after #533)", n)
	}
}

// A Go timer makes the runtime call poll_oneoff. Envoy 1.33 answers ENOSYS and Go's stock
// runtime throws at a later GC; with #533 it answers "no events" and the module lives; the
// project's runtime overlay survives 1.33.
func TestWASI_PollOneoffByProfile(t *testing.T) {
	tests := []struct {
		name       string
		module     string
		profile    string
		wantFailed bool
	}{
		{name: "1.33 ENOSYS kills the stock runtime", module: "timer", profile: ProfileEnvoy133, wantFailed: true},
		{name: "latest: stock runtime survives", module: "timer", profile: ProfileEnvoyLatest},
		{name: "1.33: overlay runtime survives", module: "timer-overlay", profile: ProfileEnvoy133},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Start(t, Options{Wasm: module(t, tc.module), Profile: tc.profile})

			served := 0
			for i := 0; i < 200 && !h.VMFailed(0); i++ {
				resp, err := h.Do(Request{Path: "/timer"})
				if err != nil {
					t.Fatal(err)
				}
				if resp.Status == 200 {
					served++
				}
			}

			if h.VMFailed(0) != tc.wantFailed {
				t.Fatalf("VMFailed = %v after %d requests, want %v", h.VMFailed(0), served, tc.wantFailed)
			}
			if tc.wantFailed {
				resp, _ := h.Do(Request{Path: "/"})
				if resp.Status != 503 || !resp.Local {
					t.Errorf("request on the failed VM = %d, want 503 local", resp.Status)
				}
				t.Logf("VM failed after %d served requests", served)
			}
		})
	}
}

func TestWASI_SleepInRequest(t *testing.T) {
	tests := []struct {
		module     string
		profile    string
		wantStatus int
	}{
		{module: "timer", profile: ProfileEnvoy133, wantStatus: 503},
		{module: "timer", profile: ProfileEnvoyLatest, wantStatus: 200},
		{module: "timer-overlay", profile: ProfileEnvoy133, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.module+"/"+tc.profile, func(t *testing.T) {
			h := Start(t, Options{Wasm: module(t, tc.module), Profile: tc.profile, Now: NewClock(fixedNow).Now})

			resp, err := h.Do(Request{Path: "/sleep"})
			if err != nil {
				t.Fatal(err)
			}

			if resp.Status != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.Status, tc.wantStatus)
			}
		})
	}
}

func TestWASI_FatalCallsFailTheVM(t *testing.T) {
	for _, path := range []string{"/exit", "/close"} {
		for _, profile := range []string{ProfileEnvoy133, ProfileEnvoyLatest} {
			t.Run(profile+path, func(t *testing.T) {
				h := Start(t, Options{Wasm: module(t, "timer"), Profile: profile})

				resp, err := h.Do(Request{Path: path})
				if err != nil {
					t.Fatal(err)
				}

				if !h.VMFailed(0) || resp.Status != 503 || resp.Upstream != nil {
					t.Errorf("VMFailed=%v status=%d upstream=%v", h.VMFailed(0), resp.Status, resp.Upstream)
				}
			})
		}
	}
}

func TestWASI_StartAllowlist(t *testing.T) {
	_, err := New(Options{Wasm: module(t, "sleepinit"), Profile: ProfileEnvoy133})
	if !errors.Is(err, ErrVMStart) || !strings.Contains(err.Error(), "wasi_snapshot_preview1.poll_oneoff during _initialize") {
		t.Errorf("envoy-1.33: New = %v, want ErrVMStart naming poll_oneoff", err)
	}

	h, err := New(Options{Wasm: module(t, "sleepinit"), Profile: ProfileEnvoyLatest})
	if err != nil {
		t.Fatalf("envoy-latest: New = %v", err)
	}
	h.Close()
}

func TestWASI_StdoutStderrAreLogs(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic")})
	if _, err := h.Do(Request{Path: "/log"}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range h.Logs() {
		found = found || (l.Msg == "stderr line" && l.Level == 4)
	}
	if !found {
		t.Error("println output not logged at error level")
	}
}
