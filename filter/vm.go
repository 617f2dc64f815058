// Package filter is the proxy-wasm plugin: contexts, callouts, ticks, shared data, local
// replies and metrics. It is the only package that imports the proxy-wasm SDK.
//
// No Go timers live here (time.Sleep/After/AfterFunc/NewTimer/NewTicker, context deadlines):
// under Envoy 1.33's WASI poll_oneoff answers ENOSYS and Go's runtime throws at the next GC
// once a timer exists (shared/TOOLCHAIN.md). Time comes from the host clock (time.Now reads
// WASI clock_time_get), periodic work from SetTickPeriodMilliSeconds. nogotimers_test.go
// guards this for filter/ and every package of this module it imports.
package filter

import (
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// vmContext implements types.VMContext.
type vmContext struct {
	types.DefaultVMContext
	now func() time.Time // nil: time.Now (the host's WASI clock); native tests fix it
}

// NewVMContext is registered by main.
func NewVMContext() types.VMContext { return &vmContext{} }

// NewPluginContext implements types.VMContext.
func (v *vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	p := newPluginContext(contextID)
	if v.now != nil {
		p.now = v.now
	}
	return p
}
