package harness

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// DefaultStreamTimeout bounds a paused request that nothing resumes (see Options.StreamTimeout).
const DefaultStreamTimeout = 15 * time.Second

// Host runs one module in Options.Workers VMs, like one Envoy listener's wasm filter.
type Host struct {
	opts         Options
	prof         *wasiProfile
	vms          []*vm
	vmConfig     []byte
	pluginConfig []byte
	start        time.Time // for the monotonic clock
	realStart    time.Time
	rr           atomic.Uint64

	logMu sync.Mutex
	logs  []LogEntry

	metricsMu sync.Mutex
	metrics   map[string]*metric

	shared sharedData

	calloutMu sync.Mutex
	callouts  []Callout

	upstreamHits atomic.Int64
	pending      sync.WaitGroup
	stop         chan struct{}
	closeOnce    sync.Once
}

// Start is New for tests: it fails t on error and closes the host at cleanup.
func Start(t testing.TB, opts Options) *Host {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// New loads the module, checks its imports against the profile, starts every worker VM
// (_initialize under cpp-host's start-up allowlist, then proxy_on_context_create,
// proxy_on_vm_start and proxy_on_configure on root context 1) and returns the Host.
func New(opts Options) (*Host, error) {
	if opts.PluginName == "" {
		opts.PluginName = "jwt-proxy-wasm"
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.Profile == "" {
		opts.Profile = ProfileEnvoy133
	}
	if opts.Upstream == nil {
		opts.Upstream = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	}
	if opts.StreamTimeout <= 0 {
		opts.StreamTimeout = DefaultStreamTimeout
	}
	r, err := runtimeFor(opts.Profile)
	if err != nil {
		return nil, err
	}
	cm, err := r.compile(opts.Wasm)
	if err != nil {
		return nil, fmt.Errorf("compile module: %w", err)
	}
	if err := checkCompiledImports(cm, r.profile); err != nil {
		return nil, err
	}
	h := &Host{
		opts: opts, prof: r.profile, vmConfig: opts.VMConfig, pluginConfig: opts.PluginConfig,
		start: time.Now(), realStart: time.Now(), metrics: map[string]*metric{}, stop: make(chan struct{}),
	}
	if opts.Now != nil {
		h.start = opts.Now()
	}
	h.shared.entries = map[string]*sharedEntry{}
	h.shared.queues = map[string]*sharedQueue{}
	h.shared.byID = map[uint32]*sharedQueue{}
	for i := 0; i < opts.Workers; i++ {
		v, err := h.startVM(r.rt, cm, i)
		if v != nil {
			h.vms = append(h.vms, v)
		}
		if err != nil {
			_ = h.Close()
			return nil, err
		}
	}
	if opts.Now == nil || opts.RealTicks {
		go h.tickLoop()
	}
	return h, nil
}

func (h *Host) startVM(rt wazero.Runtime, cm wazero.CompiledModule, id int) (*vm, error) {
	v := &vm{h: h, id: id, rootID: 1, nextID: 2, streams: map[uint32]*stream{}, calls: map[uint32]uint32{}, metricIDs: map[uint32]*metric{}}
	v.ctx = context.WithValue(context.Background(), vmKey{}, v)
	mod, err := rt.InstantiateModule(v.ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("%w: instantiate: %v", ErrVMStart, err)
	}
	v.mod, v.mem = mod, mod.Memory()
	get := mod.ExportedFunction
	v.fn.malloc = get("proxy_on_memory_allocate")
	v.fn.contextCreate = get("proxy_on_context_create")
	v.fn.vmStart = get("proxy_on_vm_start")
	v.fn.configure = get("proxy_on_configure")
	v.fn.requestHeaders = get("proxy_on_request_headers")
	v.fn.requestBody = get("proxy_on_request_body")
	v.fn.responseHeaders = get("proxy_on_response_headers")
	v.fn.responseBody = get("proxy_on_response_body")
	v.fn.httpCallResponse = get("proxy_on_http_call_response")
	v.fn.log = get("proxy_on_log")
	v.fn.done = get("proxy_on_done")
	v.fn.delete = get("proxy_on_delete")
	v.fn.tick = get("proxy_on_tick")
	v.fn.queueReady = get("proxy_on_queue_ready")
	if get("proxy_abi_version_0_2_0") == nil && get("proxy_abi_version_0_2_1") == nil {
		return v, fmt.Errorf("%w: module exports no proxy_abi_version_0_2_0/0_2_1", ErrVMStart)
	}
	if v.fn.malloc == nil {
		return v, fmt.Errorf("%w: module exports no proxy_on_memory_allocate", ErrVMStart)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if init := get("_initialize"); init != nil {
		v.restricted = restrictStart
		v.call(init, 0)
		v.restricted = unrestricted
		if v.failed.Load() {
			return v, fmt.Errorf("%w: worker %d: %s", ErrVMStart, id, v.failReason)
		}
	}
	v.call(v.fn.contextCreate, v.rootID, uint64(v.rootID), 0)
	v.configuring = true
	defer func() { v.configuring = false }()
	okStart, _ := v.call(v.fn.vmStart, v.rootID, uint64(v.rootID), uint64(len(h.vmConfig)))
	if okStart == 0 || v.failed.Load() {
		return v, h.startError(v, "proxy_on_vm_start")
	}
	okConf, _ := v.call(v.fn.configure, v.rootID, uint64(v.rootID), uint64(len(h.pluginConfig)))
	if okConf == 0 || v.failed.Load() {
		return v, h.startError(v, "proxy_on_configure")
	}
	return v, nil
}

// startError is ErrPluginStart with the plugin's error and critical log lines.
func (h *Host) startError(v *vm, step string) error {
	var lines []string
	for _, l := range h.Logs() {
		if l.Worker == v.id && l.Level >= 4 {
			lines = append(lines, l.Msg)
		}
	}
	msg := step + " returned false"
	if v.failed.Load() {
		msg = step + ": " + v.failReason
	}
	if len(lines) > 0 {
		msg += ": " + strings.Join(lines, "; ")
	}
	return fmt.Errorf("%w: %s", ErrPluginStart, msg)
}

func (h *Host) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// monotonic is nanoseconds since the host started (1 s offset, never 0): real elapsed time plus
// whatever the host clock was advanced by. It keeps moving under a frozen clock (wasmproxy -now),
// as the Go runtime's timers and sleeps need it to.
func (h *Host) monotonic() int64 {
	mono := int64(time.Second) + int64(time.Since(h.realStart))
	if h.opts.Now != nil {
		mono += max(0, int64(h.opts.Now().Sub(h.start)))
	}
	return mono
}

// tickNow is the clock ticks are due on: the host clock, or real time with RealTicks.
func (h *Host) tickNow() time.Time {
	if h.opts.RealTicks {
		return time.Now()
	}
	return h.now()
}

// Tick calls proxy_on_tick on every VM whose tick period has elapsed on the host clock (once per
// VM even if several periods passed, as a re-armed Envoy timer).
func (h *Host) Tick() {
	for _, v := range h.vms {
		v.mu.Lock()
		now := h.tickNow()
		if v.tickPeriod > 0 && !v.failed.Load() && !now.Before(v.nextTick) {
			v.nextTick = now.Add(v.tickPeriod)
			v.call(v.fn.tick, v.rootID, uint64(v.rootID))
		}
		v.mu.Unlock()
	}
}

func (h *Host) tickLoop() {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.Tick()
		}
	}
}

// async runs f on its own goroutine, tracked by Wait.
func (h *Host) async(f func()) {
	h.pending.Add(1)
	go func() {
		defer h.pending.Done()
		f()
	}()
}

// Wait blocks until every callout and queue notification started so far has been delivered.
func (h *Host) Wait() { h.pending.Wait() }

func (h *Host) addLog(worker, level int, msg string) {
	h.logMu.Lock()
	h.logs = append(h.logs, LogEntry{Worker: worker, Level: level, Msg: msg})
	h.logMu.Unlock()
	if h.opts.Logf != nil {
		h.opts.Logf("wasm[%d] %s: %s", worker, levelNames[min(level, 5)], msg)
	}
}

var levelNames = [...]string{"trace", "debug", "info", "warn", "error", "critical"}

// Logs returns every proxy_log / stdout / stderr line so far.
func (h *Host) Logs() []LogEntry {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return append([]LogEntry(nil), h.logs...)
}

func (h *Host) metric(name string, typ uint32) *metric {
	h.metricsMu.Lock()
	defer h.metricsMu.Unlock()
	m := h.metrics[name]
	if m == nil {
		m = &metric{name: name, typ: typ}
		h.metrics[name] = m
	}
	return m
}

// Metric returns a stat by the name the plugin defined. Envoy keeps one stat per name for all
// workers, so counters are the sum over VMs and a gauge is its last value; for a histogram it
// is the number of recorded samples.
func (h *Host) Metric(name string) (uint64, bool) {
	h.metricsMu.Lock()
	defer h.metricsMu.Unlock()
	m := h.metrics[name]
	if m == nil {
		return 0, false
	}
	if m.typ == 2 {
		return m.count, true
	}
	return uint64(m.value), true
}

func (h *Host) recordCallout(c Callout) {
	h.calloutMu.Lock()
	h.callouts = append(h.callouts, c)
	h.calloutMu.Unlock()
}

// Callouts returns the finished (or refused) proxy_http_call calls, in completion order.
func (h *Host) Callouts() []Callout {
	h.calloutMu.Lock()
	defer h.calloutMu.Unlock()
	return append([]Callout(nil), h.callouts...)
}

// UpstreamHits counts requests that reached the upstream.
func (h *Host) UpstreamHits() int { return int(h.upstreamHits.Load()) }

// Workers is the number of VMs.
func (h *Host) Workers() int { return len(h.vms) }

// MemoryBytes is the linear memory size of one VM.
func (h *Host) MemoryBytes(worker int) uint64 {
	v := h.vms[worker]
	v.mu.Lock()
	defer v.mu.Unlock()
	return uint64(v.mem.Size())
}

// VMFailed reports whether the VM trapped or called a fatal WASI function.
func (h *Host) VMFailed(worker int) bool { return h.vms[worker].failed.Load() }

// Close stops the tick loop and closes the VMs (the compiled module stays cached).
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		close(h.stop)
		for _, v := range h.vms {
			v.mu.Lock()
			if v.mod != nil {
				_ = v.mod.Close(context.Background())
			}
			v.failed.Store(true)
			for _, s := range v.streams {
				s.signal() // a paused Do returns (503) instead of waiting for its timeout
			}
			v.mu.Unlock()
		}
	})
	return nil
}
