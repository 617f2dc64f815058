package harness

// envoy133Profile is Envoy 1.33 up to the release that bundles cpp-host #533: cpp-host from
// c4d7bb0 "feat(go-sdk): add wasi hostcalls used by the Go SDK (#427)" to 94091cd^ — exactly 18
// functions (src/exports.cc FOR_ALL_WASI_FUNCTIONS), poll_oneoff ENOSYS. The allowlists are
// src/wasm.cc WasmBase::startVm and include/proxy-wasm/wasm.h WasmBase::allocMemory at 94091cd^.
func envoy133Profile() *wasiProfile {
	return newProfile(ProfileEnvoy133, baseWASI(),
		[]string{
			"env.emscripten_notify_memory_growth", "env.proxy_log",
			"fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get",
			"fd_prestat_get", "fd_prestat_dir_name", "clock_time_get", "random_get",
			"fd_fdstat_get", "fd_fdstat_set_flags",
		},
		[]string{"env.proxy_log", "fd_write", "clock_time_get"},
	)
}
