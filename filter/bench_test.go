//go:build !wasm

package filter

import (
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// BenchmarkRequest runs the request path natively on proxytest, for CPU and allocation
// profiles of the same Go code the module runs (wazero has no guest profiler):
//
//	go test -run '^$' -bench Request -benchmem -cpuprofile cpu.out ./filter
func BenchmarkRequest(b *testing.B) {
	t := &testing.T{}
	tok := mint(t, "HS256", claimsFor(nil))
	for _, bc := range []struct {
		name, path string
		hdrs       [][2]string
	}{
		{name: "public", path: "/health"},
		{name: "cached", path: "/api/nodes", hdrs: [][2]string{{"authorization", "Bearer " + tok}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			host, reset := newEmulator(proxytestOption(localConfig))
			defer reset()
			if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
				b.Fatal(st)
			}
			b.ReportAllocs()
			for b.Loop() {
				id, action := request(host, bc.path, bc.hdrs...)
				if action != types.ActionContinue {
					b.Fatal(action)
				}
				host.CompleteHttpContext(id)
			}
		})
	}
}
