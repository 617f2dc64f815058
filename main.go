// Command jwt-proxy-wasm is the proxy-wasm reactor module: it only registers the filter.
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/filter"
)

func main() {}

func init() { proxywasm.SetVMContext(filter.NewVMContext()) }
