// Command timerfilter is a test-only proxy-wasm filter that does what the real filter must never
// do: it creates Go timers on its request path, and it allocates enough to force frequent GC
// cycles. Built without the runtime overlay it crashes under Envoy 1.33's WASI (poll_oneoff
// answers ENOSYS and the runtime throws once a timer has started the poller); built with it, it
// must keep serving. See e2e/timers/timers_test.go and docs/design-wasi.md.
//
// On every request it logs nothing; every reportEvery requests, and on a request with the header
// x-report, it logs one line "timerfilter requests=N numgc=M fired=F" at info level.
package main

import (
	"runtime"
	"strconv"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

const (
	reportEvery = 1000
	garbageSize = 64 << 10 // bytes allocated per request: a GC every few dozen requests
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
	requests  int
	fired     int
	longTimer *time.Timer // lives for the whole VM, like a forgotten time.AfterFunc would
	keep      [][]byte    // a little live heap, so the collector has real work
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{p: p} }

// httpContext implements types.HttpContext.
type httpContext struct {
	types.DefaultHttpContext
	p *pluginContext
}

// OnHttpRequestHeaders implements types.HttpContext: timers of every kind, then garbage.
func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	p := h.p
	p.requests++
	if p.longTimer == nil {
		// The measured crash: one AfterFunc initialises the poller; the next GC throws.
		p.longTimer = time.AfterFunc(time.Hour, func() { p.fired++ })
	}
	// Timers created and stopped on the request path.
	t := time.NewTimer(time.Minute)
	t.Stop()
	time.AfterFunc(time.Minute, func() { p.fired++ }).Stop()
	// A short timer that does fire, and a sleep that blocks this callback's goroutine until the
	// scheduler finds the timer due: the scheduler polls (poll_oneoff) while it waits.
	if p.requests%100 == 0 {
		time.AfterFunc(time.Microsecond, func() { p.fired++ })
		time.Sleep(20 * time.Microsecond)
	}
	time.Sleep(0)

	buf := make([]byte, garbageSize)
	buf[0] = byte(p.requests)
	if len(p.keep) < 16 {
		p.keep = append(p.keep, buf)
	} else {
		p.keep[p.requests%16] = buf
	}

	report := p.requests%reportEvery == 0
	if !report {
		if v, err := proxywasm.GetHttpRequestHeader("x-report"); err == nil && v != "" {
			report = true
		}
	}
	if report {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		proxywasm.LogInfo("timerfilter requests=" + strconv.Itoa(p.requests) +
			" numgc=" + strconv.FormatUint(uint64(ms.NumGC), 10) +
			" fired=" + strconv.Itoa(p.fired))
	}
	return types.ActionContinue
}
