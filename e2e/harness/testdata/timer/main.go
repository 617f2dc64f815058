// Command timer is a test module that creates a Go timer on every request, which makes the Go
// runtime's poller call poll_oneoff (ENOSYS under Envoy 1.33's WASI), and allocates enough to
// run the GC often. Path /exit calls os.Exit (proc_exit), /close closes stdout (fd_close).
package main

import (
	"os"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct{ types.DefaultHttpContext }

var sink [][]byte

func (*httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	path, _ := proxywasm.GetHttpRequestHeader(":path")
	switch path {
	case "/exit":
		os.Exit(3)
	case "/close":
		_ = os.Stdout.Close()
	case "/timer":
		time.AfterFunc(time.Millisecond, func() {})
	case "/sleep":
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 64; i++ {
		sink = append(sink, make([]byte, 64<<10))
	}
	if len(sink) > 256 {
		sink = nil
	}
	_ = proxywasm.AddHttpRequestHeader("x-timer", "ok")
	return types.ActionContinue
}
