package filter

import (
	"runtime"
	rtmetrics "runtime/metrics"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
)

// gcGuard keeps the Go heap near its goal when the worker is starved of CPU (issue 7). In a
// wasm reactor no background mark worker runs between host calls, so mark assists alone
// finish a GC cycle. Time is read from the host's monotonic clock: when a starved worker
// makes every call look long, the runtime's GC CPU limiter (runtime/mgclimit.go) counts
// the long mark phase as GC-bound and switches the assists off, the cycle never ends and
// the heap grows without bound. runtime.GC parks the calling goroutine, which lets the
// mark workers run and end the cycle. It is forced only when the heap is well past its
// goal, which does not happen on a CPU that keeps up.
type gcGuard struct {
	samples [3]rtmetrics.Sample
	calls   uint32
	forced  uint64 // forced collections (tests)
}

const (
	gcGuardEvery = 256 // calls of check between two reads of the runtime's metrics
	// gcGuardSlack: force a collection once the heap's objects exceed its goal by goal/2.
	gcGuardSlack = 2
)

func newGCGuard() *gcGuard {
	g := &gcGuard{}
	g.samples[0].Name = "/gc/heap/goal:bytes"
	g.samples[1].Name = "/memory/classes/heap/objects:bytes"
	g.samples[2].Name = "/gc/limiter/last-enabled:gc-cycle"
	return g
}

// check is called on every new stream (and tick); every gcGuardEvery calls it reads the
// heap's goal and size and collects when the heap is past goal + goal/gcGuardSlack.
func (g *gcGuard) check() {
	if g == nil {
		return
	}
	if g.calls++; g.calls%gcGuardEvery != 0 {
		return
	}
	if g.overGoal() {
		log := proxywasm.LogDebugf
		if g.forced == 0 {
			log = proxywasm.LogInfof
		}
		log("heap %d B past its goal %d B (GC CPU limiter last on in cycle %d): collecting",
			g.samples[1].Value.Uint64(), g.samples[0].Value.Uint64(), g.limiterCycle())
		runtime.GC()
		g.forced++
	}
}

func (g *gcGuard) overGoal() bool {
	rtmetrics.Read(g.samples[:])
	if g.samples[0].Value.Kind() != rtmetrics.KindUint64 || g.samples[1].Value.Kind() != rtmetrics.KindUint64 {
		return false // unknown to this runtime
	}
	goal, objects := g.samples[0].Value.Uint64(), g.samples[1].Value.Uint64()
	return goal > 0 && objects > goal+goal/gcGuardSlack
}

// limiterCycle is the GC cycle the CPU limiter was last on in (0: never), for the log.
func (g *gcGuard) limiterCycle() uint64 {
	if g.samples[2].Value.Kind() != rtmetrics.KindUint64 {
		return 0
	}
	return g.samples[2].Value.Uint64()
}
