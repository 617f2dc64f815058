package harness

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// proxy-wasm WasmResult codes (spec v0.2.1, cpp-host include/proxy-wasm/wasm_api_impl.h).
const (
	statusOK                  = 0
	statusNotFound            = 1
	statusBadArgument         = 2
	statusSerializationFailed = 3
	statusInvalidMemoryAccess = 6
	statusEmpty               = 7
	statusCasMismatch         = 8
	statusInternalFailure     = 10
	statusUnimplemented       = 12
)

// Filter actions returned by proxy_on_*_headers/body.
const (
	actionContinue = 0
	actionPause    = 1 // StopIteration / StopIterationAndBuffer (the Go SDK's ActionPause)
)

// restriction mirrors cpp-host's setRestrictedCallback: while set, only its allowlist of host
// functions may be called; any other traps the VM ("restricted_callback").
type restriction int

const (
	unrestricted   restriction = iota
	restrictStart              // during _initialize (src/wasm.cc startVm)
	restrictMalloc             // during proxy_on_memory_allocate (include/proxy-wasm/wasm.h allocMemory)
)

// vm is one worker's instance: single-threaded, every call into it holds mu.
type vm struct {
	h   *Host
	id  int
	mu  sync.Mutex
	mod api.Module
	mem api.Memory
	ctx context.Context

	fn struct {
		malloc, contextCreate, vmStart, configure, requestHeaders, requestBody,
		responseHeaders, responseBody, httpCallResponse, log, done, delete, tick,
		queueReady api.Function
	}

	configuring bool // during proxy_on_vm_start / proxy_on_configure (plugin configuration readable)
	failed      atomic.Bool
	failReason  string
	restricted  restriction

	rootID     uint32
	nextID     uint32
	current    uint32 // context of the callback in progress (proxy_set_effective_context moves it)
	streams    map[uint32]*stream
	nextToken  uint32
	calls      map[uint32]uint32 // callout token -> context id
	callResp   *calloutResult    // during proxy_on_http_call_response
	tickPeriod time.Duration
	nextTick   time.Time
	metricIDs  map[uint32]*metric
	nextMetric [3]uint32
	memGrowth  uint64
}

type vmKey struct{}

// vmOf returns the VM of a host call.
func vmOf(ctx context.Context) *vm { return ctx.Value(vmKey{}).(*vm) }

// trap aborts the current wasm call; wazero turns the panic into the call's error.
type trap struct{ msg string }

func (t trap) Error() string { return t.msg }

// fail marks the VM failed as cpp-host's WasmBase::fail does; later requests get the failure
// policy's answer.
func (v *vm) fail(reason string) {
	if v.failed.Swap(true) {
		return
	}
	v.failReason = reason
	v.h.addLog(v.id, 5, "wasm VM failed: "+reason)
	for _, s := range v.streams {
		s.signal()
	}
}

// call invokes a guest export on context current; a trap fails the VM.
func (v *vm) call(fn api.Function, current uint32, args ...uint64) (uint64, bool) {
	if v.failed.Load() || fn == nil {
		return 0, false
	}
	prev := v.current
	v.current = current
	res, err := fn.Call(v.ctx, args...)
	v.current = prev
	if err != nil {
		var t trap
		if errors.As(err, &t) {
			v.fail(t.msg)
		} else {
			v.fail(fmt.Sprintf("%s: %v", fn.Definition().Name(), err))
		}
		return 0, false
	}
	if v.failed.Load() {
		return 0, false
	}
	if len(res) == 0 {
		return 0, true
	}
	return res[0], true
}

// allowed reports whether a host function may run now; restricted ones trap the VM.
func (v *vm) check(full string) {
	switch v.restricted {
	case restrictStart:
		if !v.h.prof.startAllow[full] {
			panic(trap{"restricted_callback: " + full + " during _initialize"})
		}
	case restrictMalloc:
		if !v.h.prof.mallocAllow[full] {
			panic(trap{"restricted_callback: " + full + " during proxy_on_memory_allocate"})
		}
	}
}

func (v *vm) read(ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	return v.mem.Read(ptr, size)
}

func (v *vm) readString(ptr, size uint32) (string, bool) {
	b, ok := v.read(ptr, size)
	return string(b), ok
}

func (v *vm) putU32(ptr, val uint32) bool { return v.mem.WriteUint32Le(ptr, val) }

func (v *vm) putU64(ptr uint32, val uint64) bool { return v.mem.WriteUint64Le(ptr, val) }

// copyOut hands data to the guest as cpp-host copyToPointerSize does: memory from the guest's
// proxy_on_memory_allocate (never asked for 0 bytes; empty data is ptr=0,size=0).
func (v *vm) copyOut(data []byte, ptrPtr, sizePtr uint32) uint64 {
	var ptr uint32
	if len(data) > 0 {
		prev := v.restricted
		v.restricted = restrictMalloc
		res, err := v.fn.malloc.Call(v.ctx, uint64(len(data)))
		v.restricted = prev
		if err != nil {
			panic(trap{"proxy_on_memory_allocate: " + err.Error()})
		}
		ptr = uint32(res[0])
		if ptr == 0 || !v.mem.Write(ptr, data) {
			return statusInvalidMemoryAccess
		}
	}
	if !v.putU32(ptrPtr, ptr) || !v.putU32(sizePtr, uint32(len(data))) {
		return statusInvalidMemoryAccess
	}
	return statusOK
}

// le64 encodes an int property value as Envoy does (8 bytes little endian).
func le64(n int64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(n))
	return b
}
