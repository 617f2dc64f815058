// Command sleepinit is a test module that sleeps during _initialize: the Go scheduler then
// calls poll_oneoff, which Envoy 1.33 forbids during VM start (restricted callback) and later
// Envoys allow.
package main

import (
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() {
	time.Sleep(time.Millisecond)
	proxywasm.SetVMContext(&types.DefaultVMContext{})
}
