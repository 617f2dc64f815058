// Command floor is the host-call floor of an allowed request with a token (e2e/bench): the
// calls the filter cannot skip when it lets a cached-token request through with one claim
// header, and nothing else. It reads the request headers as pairs, replaces the claim header,
// removes the Authorization header and increments two counters (all allowed, and the
// provider's), as the filter does. Its cost over the no-op module is the part of the
// cached-token row that is host calls and the SDK, not the filter's own work.
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
type pluginContext struct {
	types.DefaultPluginContext
	allowed, byProvider proxywasm.MetricCounter
}

// OnPluginStart implements types.PluginContext.
func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	p.allowed = proxywasm.DefineCounterMetric("floor.allowed")
	p.byProvider = proxywasm.DefineCounterMetric("floor.provider.idp.allowed")
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{p: p} }

// httpContext implements types.HttpContext.
type httpContext struct {
	types.DefaultHttpContext
	p *pluginContext
}

// seen keeps what was read so the reads are not optimised away.
var seen int

// OnHttpRequestHeaders implements types.HttpContext.
func (ctx *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	pairs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		return types.ActionContinue
	}
	seen += len(pairs)
	if err := proxywasm.ReplaceHttpRequestHeader("x-user", "alice"); err != nil {
		return types.ActionContinue
	}
	if err := proxywasm.RemoveHttpRequestHeader("authorization"); err != nil {
		return types.ActionContinue
	}
	ctx.p.allowed.Increment(1)
	ctx.p.byProvider.Increment(1)
	return types.ActionContinue
}
