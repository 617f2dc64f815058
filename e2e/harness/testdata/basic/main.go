// Command basic is a proxy-wasm test module for the harness: each request path exercises one
// host feature (built by the harness tests with scripts/build-wasm.sh; not part of the filter).
//
// Plugin configuration (plain words): "fail" refuses the start; "tick" sets a 100 ms tick that
// increments the counter "ticks"; "init-exit" is not used here.
package main

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
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
	requests proxywasm.MetricCounter
	ticks    proxywasm.MetricCounter
	inflight proxywasm.MetricGauge
	sizes    proxywasm.MetricHistogram
	cluster  string
	queue    uint32
}

// OnQueueReady implements types.PluginContext: drains the queue into shared data "queue-last".
func (p *pluginContext) OnQueueReady(id uint32) {
	for {
		item, err := proxywasm.DequeueSharedQueue(id)
		if err != nil {
			return
		}
		_ = proxywasm.SetSharedData("queue-last", item, 0)
	}
}

// OnPluginStart implements types.PluginContext.
func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("reading config: %v", err)
		return types.OnPluginStartStatusFailed
	}
	conf := string(cfg)
	p.requests = proxywasm.DefineCounterMetric("requests_total")
	p.ticks = proxywasm.DefineCounterMetric("ticks")
	p.inflight = proxywasm.DefineGaugeMetric("last_body_size")
	p.sizes = proxywasm.DefineHistogramMetric("body_sizes")
	if p.queue, err = proxywasm.RegisterSharedQueue("events"); err != nil {
		proxywasm.LogCriticalf("queue: %v", err)
		return types.OnPluginStartStatusFailed
	}
	for _, word := range strings.Fields(conf) {
		switch {
		case word == "fail":
			proxywasm.LogCritical("invalid plugin configuration: fail requested")
			return types.OnPluginStartStatusFailed
		case word == "tick":
			if err := proxywasm.SetTickPeriodMilliSeconds(100); err != nil {
				proxywasm.LogCriticalf("tick: %v", err)
				return types.OnPluginStartStatusFailed
			}
		case strings.HasPrefix(word, "tickcall="):
			p.cluster = strings.TrimPrefix(word, "tickcall=")
			if err := proxywasm.SetTickPeriodMilliSeconds(100); err != nil {
				return types.OnPluginStartStatusFailed
			}
		}
	}
	proxywasm.LogInfof("plugin started with %q", conf)
	return types.OnPluginStartStatusOK
}

// OnTick implements types.PluginContext.
func (p *pluginContext) OnTick() {
	p.ticks.Increment(1)
	if p.cluster != "" {
		_, err := proxywasm.DispatchHttpCall(p.cluster, [][2]string{{":method", "GET"}, {":path", "/tick"}, {":authority", "idp"}}, nil, nil, 1000, func(n, size, _ int) {
			hs, _ := proxywasm.GetHttpCallResponseHeaders()
			body, _ := proxywasm.GetHttpCallResponseBody(0, size)
			proxywasm.LogInfof("tick callout: %d headers %v body %q", n, hs, body)
			_ = proxywasm.SetSharedData("tick-body", body, 0)
		})
		if err != nil {
			proxywasm.LogErrorf("tick dispatch: %v", err)
		}
	}
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	return &httpContext{plugin: p, id: id}
}

// httpContext implements types.HttpContext.
type httpContext struct {
	types.DefaultHttpContext
	plugin   *pluginContext
	id       uint32
	path     string
	bodyInfo string
}

// OnHttpRequestHeaders implements types.HttpContext.
func (c *httpContext) OnHttpRequestHeaders(n int, eos bool) types.Action {
	c.plugin.requests.Increment(1)
	c.path, _ = proxywasm.GetHttpRequestHeader(":path")
	q := ""
	if i := strings.IndexByte(c.path, '?'); i >= 0 {
		c.path, q = c.path[:i], c.path[i+1:]
	}
	proxywasm.LogDebugf("request %s headers=%d eos=%v", c.path, n, eos)
	switch c.path {
	case "/deny":
		_ = proxywasm.SendHttpResponse(403, [][2]string{{"WWW-Authenticate", `Bearer realm="test"`}}, []byte("denied\n"), -1)
		return types.ActionPause
	case "/headers":
		hs, _ := proxywasm.GetHttpRequestHeaders()
		var names []string
		for _, h := range hs {
			names = append(names, h[0])
		}
		auth, err := proxywasm.GetHttpRequestHeader("authorization")
		if err != nil {
			auth = "none:" + err.Error()
		}
		_ = proxywasm.AddHttpRequestHeader("x-seen-auth", auth)
		_ = proxywasm.AddHttpRequestHeader("x-names", strings.Join(names, ","))
		_ = proxywasm.RemoveHttpRequestHeader("authorization")
		_ = proxywasm.ReplaceHttpRequestHeader(":path", "/rewritten")
	case "/props":
		for _, name := range []string{"plugin_name", "source.address", "request.path", "request.method", "request.host", "request.scheme", "request.protocol", "node.id"} {
			v, err := proxywasm.GetProperty(strings.Split(name, "."))
			if err != nil {
				_ = proxywasm.AddHttpRequestHeader("x-prop-"+name, "error:"+err.Error())
				continue
			}
			_ = proxywasm.AddHttpRequestHeader("x-prop-"+name, string(v))
		}
		port, err := proxywasm.GetProperty([]string{"source", "port"})
		if err == nil && len(port) == 8 {
			_ = proxywasm.AddHttpRequestHeader("x-prop-source.port", strconv.FormatUint(binary.LittleEndian.Uint64(port), 10))
		}
		mtls, err := proxywasm.GetProperty([]string{"connection", "mtls"})
		_ = proxywasm.AddHttpRequestHeader("x-prop-connection.mtls", strconv.Itoa(len(mtls))+"/"+errString(err))
		_, err = proxywasm.GetProperty([]string{"connection", "subject_peer_certificate"})
		_ = proxywasm.AddHttpRequestHeader("x-prop-peer-cert", errString(err))
		_, err = proxywasm.GetProperty([]string{"no", "such"})
		_ = proxywasm.AddHttpRequestHeader("x-prop-unknown", errString(err))
	case "/callout", "/callout-bad", "/callout-noauth":
		return c.callout(q)
	case "/shared":
		return c.shared(q)
	case "/panic":
		panic("test panic requested")
	case "/inc0":
		c.plugin.requests.Increment(0) // Envoy: BadArgument, which the SDK turns into a panic
	case "/pause":
		return types.ActionPause
	case "/enqueue":
		id, err := proxywasm.ResolveSharedQueue("", "events")
		if err == nil {
			err = proxywasm.EnqueueSharedQueue(id, []byte(q))
		}
		_ = proxywasm.AddHttpRequestHeader("x-enqueue", errString(err))
	case "/time":
		// time.Now reads WASI clock_time_get(realtime): the host clock.
		_ = proxywasm.AddHttpRequestHeader("x-now", strconv.FormatInt(time.Now().Unix(), 10))
	case "/log":
		proxywasm.LogWarn("warn line")
		proxywasm.LogError("error line")
		println("stderr line")
	}
	return types.ActionContinue
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// callout dispatches to the cluster named in the query (cluster=NAME&timeout=MS&path=P).
func (c *httpContext) callout(q string) types.Action {
	args := map[string]string{"cluster": "idp", "timeout": "1000", "path": "/jwks"}
	for _, kv := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			args[k] = v
		}
	}
	timeout, _ := strconv.Atoi(args["timeout"])
	hs := [][2]string{{":method", "GET"}, {":path", args["path"]}, {":authority", "idp.example"}, {"x-from", "plugin"}}
	if c.path == "/callout-noauth" {
		hs = hs[:2]
	}
	_, err := proxywasm.DispatchHttpCall(args["cluster"], hs, nil, nil, uint32(timeout), func(n, size, trailers int) {
		hs, herr := proxywasm.GetHttpCallResponseHeaders()
		body, _ := proxywasm.GetHttpCallResponseBody(0, size)
		status := "none"
		for _, h := range hs {
			if h[0] == ":status" {
				status = h[1]
			}
		}
		proxywasm.LogInfof("callout response: %d headers (%v), %d bytes", n, herr, size)
		if args["deny"] == "1" {
			_ = proxywasm.SendHttpResponse(401, nil, []byte("callout said no"), -1)
			return
		}
		_ = proxywasm.AddHttpRequestHeader("x-callout-status", status)
		_ = proxywasm.AddHttpRequestHeader("x-callout-headers", strconv.Itoa(n))
		_ = proxywasm.AddHttpRequestHeader("x-callout-body", string(body))
		_ = proxywasm.ResumeHttpRequest()
	})
	if err != nil {
		_ = proxywasm.SendHttpResponse(500, nil, []byte("dispatch: "+err.Error()), -1)
		return types.ActionPause
	}
	return types.ActionPause
}

// shared reads key K, then writes V with the CAS it read (or a stale one with stale=1).
func (c *httpContext) shared(q string) types.Action {
	args := map[string]string{}
	for _, kv := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			args[k] = v
		}
	}
	val, cas, err := proxywasm.GetSharedData(args["k"])
	_ = proxywasm.AddHttpRequestHeader("x-shared-get", string(val)+"/"+errString(err))
	_ = proxywasm.AddHttpRequestHeader("x-shared-cas", strconv.FormatUint(uint64(cas), 10))
	if v, ok := args["v"]; ok {
		if args["stale"] == "1" {
			cas--
		}
		err = proxywasm.SetSharedData(args["k"], []byte(v), cas)
		_ = proxywasm.AddHttpRequestHeader("x-shared-set", errString(err))
	}
	return types.ActionContinue
}

// OnHttpRequestBody implements types.HttpContext: echoes the body size, uppercases "/upper" bodies.
func (c *httpContext) OnHttpRequestBody(size int, eos bool) types.Action {
	body, err := proxywasm.GetHttpRequestBody(0, size)
	if err != nil {
		proxywasm.LogErrorf("body: %v", err)
	}
	c.plugin.inflight.Add(int64(size))
	c.plugin.sizes.Record(uint64(size))
	// The request headers went on when OnHttpRequestHeaders continued: Envoy refuses edits now.
	c.bodyInfo = strconv.Itoa(len(body)) + "/" + strconv.FormatBool(eos) + "/" + errString(proxywasm.AddHttpRequestHeader("x-late", "1"))
	if c.path == "/upper" {
		_ = proxywasm.ReplaceHttpRequestBody([]byte(strings.ToUpper(string(body))))
	}
	return types.ActionContinue
}

// OnHttpResponseHeaders implements types.HttpContext.
func (c *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpResponseHeader("x-filtered", "yes")
	if c.bodyInfo != "" {
		_ = proxywasm.AddHttpResponseHeader("x-body-info", c.bodyInfo)
	}
	st, _ := proxywasm.GetHttpResponseHeader(":status")
	_ = proxywasm.AddHttpResponseHeader("x-upstream-status", st)
	return types.ActionContinue
}

// OnHttpStreamDone implements types.HttpContext.
func (c *httpContext) OnHttpStreamDone() { proxywasm.LogDebugf("done %d", c.id) }
