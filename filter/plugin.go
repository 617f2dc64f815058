package filter

import (
	"errors"
	"runtime/debug"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/tokencache"
)

// tickPeriod drives background key work (refresh.go): refresh before expiry, pick up other
// VMs' fetches, resume or answer paused requests. Requests waiting on another VM's fetch wait
// up to one period longer. Only set when a provider has remote keys.
const tickPeriod = 250 * time.Millisecond

// gcPercent is the VM's GOGC. The filter's live heap is small (config, keys, the token cache)
// and a request's garbage is a few hundred bytes, so a tighter heap costs no measurable time
// (BenchmarkModule / TestTable, within noise) and keeps linear memory lower: the e2e soak
// settles at 8.6 MiB per VM instead of 10.8 (docs/performance.md).
const gcPercent = 50

// pluginContext implements types.PluginContext: one per plugin configuration per VM (Envoy
// worker). It owns the validated config, each provider's key state and the metrics.
type pluginContext struct {
	types.DefaultPluginContext
	id           uint32
	cfg          *config.Config
	keys         map[string]*keyState // by provider name
	metrics      *metrics
	streams      map[uint32]*httpContext      // live HTTP contexts, for resuming paused ones
	claimHeaders []string                     // every header the filter sets; stripped from requests
	remoteKeys   []*keyState                  // the keys[] fetched over callouts: streams may wait on them
	now          func() time.Time             // the host clock (WASI); a field so native tests can inject it
	tokens       *tokencache.Cache            // verified tokens (tokencache.go); made on first use, nil when disabled
	keyVersions  tokencache.Versions          // numbers each provider's key sets for the cache
	claimReads   map[claimReadKey]*claimReads // claimread.go
	condMemo     *policy.Memo                 // claimread.go: conditionMemo
	// ruleProviders: each rule's providers, resolved on its first request (http.go)
	ruleProviders map[*policy.Rule]*ruleProviders
	// spareOutcomes: the outcomes map of the last decided request, for the next (http.go)
	spareOutcomes map[string]policy.Outcome
	gc            *gcGuard // gcguard.go
}

func newPluginContext(id uint32) *pluginContext {
	return &pluginContext{id: id, streams: map[uint32]*httpContext{}, now: time.Now, gc: newGCGuard()}
}

// OnPluginStart implements types.PluginContext. A configuration that does not validate fails
// the start, so Envoy refuses it; the filter never runs half-configured.
func (p *pluginContext) OnPluginStart(int) (status types.OnPluginStartStatus) {
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCriticalf("panic during plugin start: %v", r)
			p.cfg = nil
			status = types.OnPluginStartStatusFailed
		}
	}()
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("invalid plugin configuration: cannot read it: %v", err)
		return types.OnPluginStartStatusFailed
	}
	cfg, err := config.Parse(data)
	if err != nil {
		for _, line := range errorLines(err) {
			proxywasm.LogCriticalf("invalid plugin configuration: %s", line)
		}
		return types.OnPluginStartStatusFailed
	}
	if cfg == nil || cfg.Policy == nil {
		proxywasm.LogCritical("invalid plugin configuration: no policy")
		return types.OnPluginStartStatusFailed
	}
	p.cfg = cfg
	debug.SetGCPercent(gcPercent)
	p.ruleProviders, p.claimReads, p.condMemo = nil, nil, nil // all per configuration
	p.tokens = nil                                            // remade by tokenCache with the new token_cache sizes
	p.metrics = newMetrics(nil)
	p.keys = make(map[string]*keyState, len(cfg.Providers))
	p.remoteKeys, p.claimHeaders = nil, nil // rebuilt below for this configuration
	names := make([]string, 0, len(cfg.Providers))
	remote := false
	seen := map[string]bool{}
	for _, pv := range cfg.Providers {
		names = append(names, pv.Name)
		p.keys[pv.Name] = newKeyState(pv)
		if p.keys[pv.Name].remote() {
			remote = true
			p.remoteKeys = append(p.remoteKeys, p.keys[pv.Name])
		}
		for _, c := range pv.ClaimToHeaders {
			if !seen[c.Header] {
				seen[c.Header] = true
				p.claimHeaders = append(p.claimHeaders, c.Header)
			}
		}
		if h := strings.ToLower(pv.ForwardPayloadHeader); h != "" && !seen[h] {
			seen[h] = true
			p.claimHeaders = append(p.claimHeaders, h)
		}
		if h := pv.IdentityHeader; h != "" && !seen[h] { // claimread.go
			seen[h] = true
			p.claimHeaders = append(p.claimHeaders, h)
		}
	}
	p.metrics.declare(names)
	if remote {
		if err := proxywasm.SetTickPeriodMilliSeconds(uint32(tickPeriod.Milliseconds())); err != nil {
			proxywasm.LogCriticalf("cannot set the tick period: %v", err)
			return types.OnPluginStartStatusFailed
		}
		p.startKeys()
	}
	proxywasm.LogInfof("jwt-proxy-wasm started: %d providers", len(cfg.Providers))
	return types.OnPluginStartStatusOK
}

// errorLines flattens config.Parse's errors.Join into one line per problem.
func errorLines(err error) []string {
	var lines []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		for l := range strings.SplitSeq(e.Error(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	walk(err)
	return lines
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	p.gc.check()
	ctx := &httpContext{id: id, plugin: p}
	p.streams[id] = ctx
	return ctx
}

// OnTick implements types.PluginContext: remote key refresh and paused requests (refresh.go).
func (p *pluginContext) OnTick() {
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCriticalf("panic in tick: %v", r)
		}
	}()
	p.tickKeys()
}

func (p *pluginContext) cfgProviders() []*config.Provider {
	if p.cfg == nil {
		return nil
	}
	return p.cfg.Providers
}

// streamDone forgets a finished stream and hands any fetch it owned to the tick.
func (p *pluginContext) streamDone(ctx *httpContext) {
	delete(p.streams, ctx.id)
	for _, ks := range p.remoteKeys { // local keys never hold per-stream state (keys.go)
		ks.forget(ctx.id)
	}
}
