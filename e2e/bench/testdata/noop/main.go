// Command noop is the baseline of the benchmarks (e2e/bench): a proxy-wasm filter built like
// the real one that reads one request header and lets the request through. Its cost is the
// host, the SDK and the Go runtime: what every request pays before the filter does anything.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() { proxywasm.SetVMContext(&vmContext{}) }

// vmContext implements types.VMContext.
type vmContext struct{ types.DefaultVMContext }

// NewPluginContext implements types.VMContext.
func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

// pluginContext implements types.PluginContext.
type pluginContext struct{ types.DefaultPluginContext }

// NewHttpContext implements types.PluginContext.
func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

// httpContext implements types.HttpContext.
type httpContext struct{ types.DefaultHttpContext }

// seen keeps the header's length so the read is not optimised away.
var seen int

// OnHttpRequestHeaders implements types.HttpContext.
func (*httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	v, err := proxywasm.GetHttpRequestHeader("authorization")
	if err == nil {
		seen += len(v)
	}
	return types.ActionContinue
}
