// Package filter is the proxy-wasm plugin: contexts, callouts, ticks, shared data, local
// replies and metrics. It is the only package that imports the proxy-wasm SDK.
package filter

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// vmContext implements types.VMContext.
type vmContext struct {
	types.DefaultVMContext
}

// NewVMContext is registered by main.
func NewVMContext() types.VMContext { return &vmContext{} }
