// Package harness is a proxy-wasm host (ABI 0.2.1) on wazero that runs a compiled filter the way
// Envoy does: several worker VMs of one module, each single-threaded, sharing proxy shared data
// with CAS; HTTP callouts to real servers through a cluster-name -> URL map; tick timers; a
// test-controlled clock; and WASI that emulates Envoy's (proxy-wasm-cpp-host), not wazero's,
// in named profiles. Tests and tools/wasmproxy use it; it never reaches the wasm binary.
package harness

import (
	"net/http"
	"time"
)

// Profiles name the WASI emulations (see wasi_*.go for the cpp-host sources each follows).
const (
	ProfileEnvoy133    = "envoy-1.33"   // cpp-host #427..#533: 18 functions, poll_oneoff ENOSYS
	ProfileEnvoyLatest = "envoy-latest" // cpp-host with #533: poll_oneoff succeeds with no events
)

// Options configure a Host.
type Options struct {
	Wasm         []byte                           // the module's bytes (compiled once per distinct content and cached)
	PluginConfig []byte                           // the plugin configuration (Envoy `configuration`)
	VMConfig     []byte                           // optional vm configuration
	PluginName   string                           // property plugin_name; default "jwt-proxy-wasm"
	Clusters     map[string]string                // Envoy cluster name -> base URL ("http://127.0.0.1:PORT")
	Upstream     http.Handler                     // receives allowed requests; nil = a recorder answering 200
	Workers      int                              // VMs (Envoy worker threads); default 1
	Profile      string                           // WASI profile; default ProfileEnvoy133
	Now          func() time.Time                 // host clock (WASI clocks and proxy-wasm time); nil = real clock
	FailOpen     bool                             // Envoy's failure policy when the VM fails; default fail closed (503)
	Logf         func(format string, args ...any) // optional: mirrors plugin logs (tools)

	// Additions (see host.go):
	StreamTimeout time.Duration // a paused request nothing resumes is answered 504 after this (real time); default 15 s
	RealTicks     bool          // ticks fire on real time even with a fixed Now (tools/wasmproxy -now)
}

// Request is one downstream HTTP request.
type Request struct {
	Method    string      // default GET
	Path      string      // :path, with query
	Authority string      // :authority; default "example.com"
	Scheme    string      // default "http"
	Headers   [][2]string // regular headers, any case (lower-cased like Envoy)
	Body      []byte
	Source    string // source.address property; default "127.0.0.1:50000"
	// Properties serves extra stream properties by dotted path, over the built-in ones:
	// "connection.sha256_peer_certificate_digest" (hex, as Envoy gives it for a verified
	// client certificate), "connection.mtls" ({1}). Absent = NotFound, as on plain HTTP.
	Properties map[string][]byte
	Worker     int // which VM handles it; -1 = round-robin
}

// Response is what the downstream client receives.
type Response struct {
	Status   int
	Headers  [][2]string // lower-case names
	Body     []byte
	Local    bool             // a local reply from the plugin (or from the host for a failed VM)
	Upstream *UpstreamRequest // what reached the upstream; nil when it did not
}

// Header returns the first value of name (lower-case), "" when absent.
func (r *Response) Header(name string) string {
	for _, h := range r.Headers {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}

// UpstreamRequest is a request as the upstream saw it after the filter.
type UpstreamRequest struct {
	Method, Path, Authority string
	Headers                 [][2]string
	Body                    []byte
}

// Header returns the first value of name (lower-case), "" when absent.
func (r *UpstreamRequest) Header(name string) string {
	for _, h := range r.Headers {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}

// LogEntry is one proxy_log call.
type LogEntry struct {
	Worker int
	Level  int // proxy-wasm levels: 0 trace .. 5 critical
	Msg    string
}

// Callout is one proxy_dispatch_http_call as the host saw it.
type Callout struct {
	Worker  int
	Cluster string
	Headers [][2]string // includes :method, :path, :authority
	Timeout time.Duration
	Status  int    // upstream status; 0 when the callout failed (unknown cluster, timeout, reset)
	Failure string // "" or why it failed ("timeout", "unknown cluster", "connection refused")
}

// Clock is a manual clock for tests: pass clk.Now as Options.Now, move it with Advance, then
// call Host.Tick to deliver due proxy_on_tick calls.
type Clock struct{ clockFields }

// The Host (host.go) offers, all safe for concurrent use:
//
//	func Start(t testing.TB, opts Options) *Host      // New, t.Cleanup(Close), t.Fatal on error
//	func New(opts Options) (*Host, error)             // errors.Is(err, ErrPluginStart) when the plugin
//	                                                  // refuses its configuration; the error text holds
//	                                                  // the plugin's critical/error log lines
//	func NewClock(start time.Time) *Clock; (*Clock).Now() time.Time; (*Clock).Advance(d)
//	func (h *Host) Do(req Request) (*Response, error) // one whole request through one VM: blocks until the
//	                                                  // filter continues (then Upstream serves it) or replies
//	                                                  // locally; paused requests wait for their callouts
//	func (h *Host) Tick()                             // proxy_on_tick on every VM whose tick period elapsed
//	                                                  // on the host clock (tools with the real clock: automatic)
//	func (h *Host) Logs() []LogEntry
//	func (h *Host) Metric(name string) (uint64, bool) // summed over VMs, by the name the plugin defined
//	func (h *Host) Callouts() []Callout
//	func (h *Host) UpstreamHits() int
//	func (h *Host) MemoryBytes(worker int) uint64     // linear memory size of one VM
//	func (h *Host) VMFailed(worker int) bool          // the VM trapped / called a fatal WASI function
//	func (h *Host) Close() error
//
// Additions: func (h *Host) Wait() (every callout / queue delivery started so far has been
// delivered; use after Tick when the tick dispatches callouts); func (h *Host) Workers() int;
// func CheckImports(wasm []byte, profile string) error (errors.Is ErrImport; names every import
// Envoy would not link); errors ErrVMStart (trap or restricted call during _initialize, missing
// ABI exports) and ErrImport; Options.StreamTimeout and Options.RealTicks.
