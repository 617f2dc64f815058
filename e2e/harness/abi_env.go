package harness

import (
	"context"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// envFunc is one proxy-wasm host function of the "env" module. Every one returns a WasmResult
// (i32). Spec: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1
type envFunc struct {
	name   string
	params []api.ValueType
	names  []string
	fn     func(v *vm, s []uint64)
}

// envFuncs is filled by the abi_*.go files' init functions.
var (
	envFuncs       []*envFunc
	envImplemented = map[string]bool{}
)

func register(name string, names []string, fn func(v *vm, s []uint64)) {
	f := w(name, names, fn)
	envFuncs = append(envFuncs, &envFunc{name: name, params: f.params, names: f.names, fn: fn})
	envImplemented[name] = true
}

// instantiateEnv registers the proxy-wasm ABI as the runtime's "env" module.
func instantiateEnv(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("env")
	for _, f := range envFuncs {
		full := "env." + f.name
		fn := f.fn
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
				v := vmOf(ctx)
				v.check(full)
				fn(v, s)
			}), f.params, []api.ValueType{i32}).
			WithParameterNames(f.names...).
			WithResultNames("call_result").
			Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func init() {
	// proxy_log: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_log
	register("proxy_log", []string{"log_level", "message_data", "message_size"}, func(v *vm, s []uint64) {
		msg, ok := v.readString(u32(s[1]), u32(s[2]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		level := int(u32(s[0]))
		if level > 5 {
			s[0] = statusBadArgument
			return
		}
		v.h.addLog(v.id, level, msg)
		s[0] = statusOK
	})
	// proxy_get_log_level: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_log_level
	// The host captures every level, so it answers trace (0).
	register("proxy_get_log_level", []string{"return_log_level"}, func(v *vm, s []uint64) {
		s[0] = okIf(v.putU32(u32(s[0]), 0))
	})
	// proxy_get_current_time_nanoseconds: host clock (Options.Now).
	register("proxy_get_current_time_nanoseconds", []string{"return_time"}, func(v *vm, s []uint64) {
		s[0] = okIf(v.putU64(u32(s[0]), uint64(v.h.now().UnixNano())))
	})
	// proxy_set_tick_period_milliseconds: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_set_tick_period_milliseconds
	// Ticks belong to the root context (cpp-host timer_period_ per root id); 0 disables them.
	register("proxy_set_tick_period_milliseconds", []string{"tick_period"}, func(v *vm, s []uint64) {
		v.tickPeriod = time.Duration(u32(s[0])) * time.Millisecond
		v.nextTick = v.h.tickNow().Add(v.tickPeriod)
		s[0] = statusOK
	})
	// proxy_set_effective_context: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_set_effective_context
	register("proxy_set_effective_context", []string{"context_id"}, func(v *vm, s []uint64) {
		id := u32(s[0])
		if id != v.rootID && v.streams[id] == nil {
			s[0] = statusBadArgument
			return
		}
		v.current = id
		s[0] = statusOK
	})
	// proxy_done: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_done
	// Only meaningful while the host drains a root context (never here): NotFound, as cpp-host.
	register("proxy_done", nil, func(_ *vm, s []uint64) { s[0] = statusNotFound })
	// proxy_get_status: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_status
	// During the response of a reset callout Envoy answers BrokenConnection (11) "reset".
	register("proxy_get_status", []string{"return_status_code", "return_status_message_data", "return_status_message_size"}, func(v *vm, s []uint64) {
		code, msg := uint32(0), []byte(nil)
		if v.callResp != nil && v.callResp.reset {
			code, msg = 11, []byte("reset")
		}
		if !v.putU32(u32(s[0]), code) {
			s[0] = statusInvalidMemoryAccess
			return
		}
		s[0] = v.copyOut(msg, u32(s[1]), u32(s[2]))
	})
	// proxy_call_foreign_function: Envoy registers a few (compress, declare_property, ...); none here.
	register("proxy_call_foreign_function", []string{"function_name_data", "function_name_size", "parameters_data", "parameters_size", "return_results_data", "return_results_size"}, func(_ *vm, s []uint64) {
		s[0] = statusNotFound
	})
}

func okIf(ok bool) uint64 {
	if ok {
		return statusOK
	}
	return statusInvalidMemoryAccess
}

// pathSegments splits a property path (segments separated by NUL bytes).
func pathSegments(b []byte) []string {
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}
