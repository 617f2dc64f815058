package filter

import (
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// startKeys begins the first fetch of every remote provider at plugin start, from the
// plugin context (no request's end can lose it), so that requests normally find keys ready.
// With several VMs the shared lease lets one of them fetch; the others wait for its record.
func (p *pluginContext) startKeys() {
	defer enter(p.id)()
	now := p.now()
	for _, pv := range p.cfgProviders() {
		if ks := p.keys[pv.Name]; ks != nil && ks.remote() {
			p.declareFetchMetrics(ks)
			p.refreshKeys(ks, now)
		}
	}
}

// tickKeys is the background work of every tick: pick up other VMs' fetches, refresh before
// expiry (NextFetch), re-dispatch lost callouts, resume waiters whose keys arrived and answer
// those whose deadline passed.
func (p *pluginContext) tickKeys() {
	defer enter(p.id)()
	now := p.now()
	for _, pv := range p.cfgProviders() {
		ks := p.keys[pv.Name]
		if ks == nil || !ks.remote() {
			continue
		}
		p.refreshKeys(ks, now)
		if set, ok := ks.keys.c.Value(now); ok {
			ks.set = set
		} else {
			ks.set = nil
		}
		// Waiters go on when a new version arrived, or when no fetch is in flight any more (it
		// failed, in this VM or another): they decide again (use, refuse or fetch); else only
		// those past their deadline.
		if ks.wake || len(ks.waiting) > 0 && !ks.fetching(now) {
			ks.wake = false
			p.resumeWaiters(ks, now, false)
		} else {
			p.resumeWaiters(ks, now, true)
		}
		ks.gauges.record(ks, now)
	}
}

// fetching reports whether a fetch of the provider's documents holds a lease (any VM).
func (ks *keyState) fetching(now time.Time) bool {
	leased := func(r jwks.Shared) bool { return !r.LeaseUntil.IsZero() && now.Before(r.LeaseUntil) }
	return leased(ks.keys.c.Record()) || ks.disc != nil && leased(ks.disc.c.Record())
}

// refreshKeys runs the tick step for the provider's documents (discovery first).
func (p *pluginContext) refreshKeys(ks *keyState, now time.Time) {
	if ks.disc != nil {
		refreshDoc(p, ks, ks.disc, now)
		p.followDiscovery(ks, now)
	}
	refreshDoc(p, ks, ks.keys, now)
}

// refreshDoc re-dispatches a lost callout under its renewed lease, or fetches when due.
func refreshDoc[T any](p *pluginContext, ks *keyState, d *remoteDoc[T], now time.Time) {
	if d.c.URL() == "" {
		return
	}
	if d.lost {
		d.lost, d.inflight = false, false
		for range 3 {
			cas, _ := d.read(now)
			if !d.c.Renew(now) {
				break // the lease ended or moved to another VM: the usual path decides
			}
			if d.publish(cas) {
				if err := dispatch(p, ks, d, 0); err != nil {
					applyFetch(p, ks, d, jwks.Response{}, now, err)
				}
				return
			}
		}
	}
	decide(p, ks, d, now, 0, func() jwks.Action { _, due := d.c.NextFetch(now); return startIf(due) })
}

// fetchResults are the values of jwks.Result, declared at start so dashboards see zeros.
var fetchResults = []string{"ok", "no_response", "http_status", "too_large", "too_many_keys",
	"no_usable_keys", "malformed", "issuer_mismatch", "bad_discovery", "url_changed", "error"}

func (p *pluginContext) declareFetchMetrics(ks *keyState) {
	kinds := []string{"jwks"}
	if ks.disc != nil {
		kinds = append(kinds, "discovery")
	}
	for _, k := range kinds {
		for _, r := range fetchResults {
			p.metrics.get("provider." + ks.provider.Name + "." + k + "_fetch." + r)
		}
	}
}

// keyGauges describe a provider's remote keys (Envoy: wasmcustom.jwt_proxy_wasm.provider.<name>.…):
//
//	jwks_keys         keys in the set in use (0: none usable)
//	jwks_age_seconds  age of that set
//	jwks_state        1 empty, 2 fetching, 3 fresh, 4 stale (in grace), 5 failed (jwks.State)
//
// A gauge is one stat for every VM; the SDK only adds to gauges, so each VM sets the value
// it sees (all VMs share one key set) by adding the difference to the current value.
type keyGauges struct {
	keys, age, state proxywasm.MetricGauge
}

func newKeyGauges(provider string) *keyGauges {
	n := metricPrefix + "provider." + provider + "."
	return &keyGauges{
		keys:  proxywasm.DefineGaugeMetric(n + "jwks_keys"),
		age:   proxywasm.DefineGaugeMetric(n + "jwks_age_seconds"),
		state: proxywasm.DefineGaugeMetric(n + "jwks_state"),
	}
}

func (g *keyGauges) record(ks *keyState, now time.Time) {
	if g == nil {
		return
	}
	n := 0
	if set, ok := ks.keys.c.Value(now); ok {
		n = set.Len()
	}
	setGauge(g.keys, int64(n))
	setGauge(g.age, int64(ks.keys.c.Age(now)/time.Second))
	setGauge(g.state, int64(ks.keys.c.State(now)))
}

func setGauge(g proxywasm.MetricGauge, v int64) {
	if d := v - g.Value(); d != 0 {
		g.Add(d)
	}
}
