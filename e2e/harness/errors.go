package harness

import "errors"

// Errors New returns, checked with errors.Is.
var (
	// ErrPluginStart: the plugin refused its configuration (proxy_on_vm_start or proxy_on_configure
	// returned false); Envoy then rejects the listener/filter config. The wrapped text holds the
	// plugin's critical and error log lines.
	ErrPluginStart = errors.New("plugin start failed")
	// ErrVMStart: the module loaded but its VM could not start (trap in _initialize, a WASI or
	// proxy-wasm call outside the start-up allowlist), as cpp-host's startVm fails.
	ErrVMStart = errors.New("wasm VM start failed")
	// ErrImport: the module imports a function the chosen Envoy profile does not provide, so Envoy
	// would refuse to load it.
	ErrImport = errors.New("module imports a function Envoy does not provide")
)
