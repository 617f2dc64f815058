// Command fsimport is a test module that stats a file, which makes Go import
// wasi_snapshot_preview1.path_filestat_get: not part of Envoy 1.33's WASI.
package main

import (
	"os"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	if _, err := os.Stat("/etc/jwks.json"); err != nil {
		proxywasm.LogInfof("stat: %v", err)
	}
	return types.OnPluginStartStatusOK
}
