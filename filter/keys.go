package filter

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// defaultFetchTimeout applies when a remote_jwks has no timeout (config normally fills one).
const defaultFetchTimeout = 5 * time.Second

// keyState is one provider's keys in this VM. Local keys are set at start. Remote keys (and
// the discovery document that names them) are jwks.Cache state machines driven through
// shared data (remote.go): fetched at plugin start, refreshed on the tick (refresh.go), and
// on the request path used, joined or refused (this file). Requests never fail open: no
// usable keys means 401 keys_unavailable.
type keyState struct {
	provider *config.Provider
	set      *jwks.Set                   // keys usable at the last look (nil: none); the token cache keys on it
	keys     *remoteDoc[*jwks.Set]       // nil for local keys
	disc     *remoteDoc[*jwks.Discovery] // nil without OIDC discovery

	waiting  map[uint32]bool      // paused requests, resumed when a fetch lands or their deadline passes
	deadline map[uint32]time.Time // when a paused request stops waiting (then keys_unavailable)
	kidAsked map[uint32]bool      // requests that had their one unknown-kid refetch
	ready    map[uint32]bool      // requests to decide again at once (a newer key set arrived)
	wake     bool                 // a new version was read where waiters cannot be resumed: the tick does it
	gauges   *keyGauges
	want     jwt.Expected // the provider's expectations; expected sets Now per use
	verSet   *jwks.Set    // the set ver numbers (tokencache.go keyVersion)
	ver      uint64
}

// expected is the provider's jwt.Expected at now. One value per provider, reused: building
// one per request was an allocation (~0.3 us in wasm) on every token request. The VM is
// single-threaded and jwt keeps no reference to it after Verify or CheckClaims returns.
func (ks *keyState) expected(now time.Time) *jwt.Expected {
	ks.want.Now = now
	return &ks.want
}

func newKeyState(pv *config.Provider) *keyState {
	ks := &keyState{provider: pv, set: pv.LocalKeys, want: *pv.Expected(time.Time{}),
		waiting: map[uint32]bool{}, deadline: map[uint32]time.Time{}, kidAsked: map[uint32]bool{}, ready: map[uint32]bool{}}
	switch {
	case pv.RemoteJWKS != nil:
		r := pv.RemoteJWKS
		ks.keys = newDoc[*jwks.Set]("jwks", r.Cluster, r.Timeout, [3]string{r.URI, r.Authority, r.Path})
		o := ks.keys.options(r.CacheDuration, r.FetchPolicy)
		ks.keys.c = jwks.NewKeyCache("", o)
		ks.keys.setURL(pv.Name, r.URI)
	case pv.Discovery != nil:
		d := pv.Discovery
		ks.disc = newDoc[*jwks.Discovery]("discovery", d.Cluster, d.Timeout, [3]string{d.URI, d.Authority, d.Path})
		ks.disc.c = jwks.NewDiscoveryCache(d.URI, pv.Issuer, ks.disc.options(d.CacheDuration, d.FetchPolicy))
		ks.disc.setURL(pv.Name, ks.disc.c.URL())
		ks.keys = newDoc[*jwks.Set]("jwks", d.Cluster, d.Timeout, [3]string{})
		ks.keys.c = jwks.NewKeyCache("", ks.keys.options(d.CacheDuration, d.FetchPolicy))
	}
	if ks.remote() {
		ks.gauges = newKeyGauges(pv.Name)
	}
	return ks
}

func newDoc[T any](what, cluster string, timeout time.Duration, fixed [3]string) *remoteDoc[T] {
	if timeout <= 0 {
		timeout = defaultFetchTimeout
	}
	return &remoteDoc[T]{what: what, cluster: cluster, timeout: timeout, fixed: fixed,
		maxBytes: jwks.DefaultLimits.MaxBytes}
}

// options are the cache's jwks.Options from the configured knobs. It also sets the body
// limit this doc reads responses with. A zero knob (a Provider not built by config.Parse)
// takes the jwks default, except GracePeriod: config's 0 means none, jwks' is negative.
func (d *remoteDoc[T]) options(cacheDuration time.Duration, fp config.FetchPolicy) jwks.Options {
	if fp.MaxResponseBytes > 0 {
		d.maxBytes = fp.MaxResponseBytes
	}
	grace := fp.GracePeriod
	if grace == 0 {
		grace = -1
	}
	return jwks.Options{CacheDuration: cacheDuration, Timeout: d.timeout, Owner: owner(),
		Grace: grace, KidCooldown: fp.RefetchCooldown, MinCache: fp.MinCacheDuration,
		MaxCache: fp.MaxCacheDuration, Limits: jwks.Limits{MaxBytes: d.maxBytes}}
}

// remote reports whether keys are fetched for this provider.
func (ks *keyState) remote() bool { return ks.keys != nil }

// noKeys is the verification error when a provider has no keys to verify with.
func (ks *keyState) noKeys() error {
	if ks.keys != nil {
		err := ks.keys.c.LastError()
		if ks.disc != nil && ks.keys.c.URL() == "" {
			err = ks.disc.c.LastError()
		}
		if err != nil {
			return fmt.Errorf("%w: %v", jwt.ErrNoKeys, err)
		}
	}
	return jwt.ErrNoKeys
}

// keySet returns the keys request id verifies with. wait: they are being fetched (the
// request pauses, see join); nil without wait: none (keys_unavailable, see noKeys).
func (ctx *httpContext) keySet(ks *keyState) (set *jwks.Set, wait bool) {
	if !ks.remote() {
		return ks.set, false
	}
	p, id := ctx.plugin, ctx.id
	now := p.now()
	if set, ok := ks.keys.c.Value(now); ok { // the fast path: no host call
		ks.set = set
		return set, false
	}
	ks.set = nil
	if d, ok := ks.deadline[id]; ok && !now.Before(d) {
		proxywasm.LogDebugf("request %d: gave up waiting for the keys of provider %s", id, ks.provider.Name)
		return nil, false
	}
	if ks.disc != nil {
		p.followDiscovery(ks, now)
		if ks.keys.c.URL() == "" {
			act := decide(p, ks, ks.disc, now, id, func() jwks.Action { _, a := ks.disc.c.Get(now); return a })
			if act == jwks.Use {
				p.followDiscovery(ks, now)
			} else {
				return nil, p.rejected(ks, id, act)
			}
		}
	}
	var got *jwks.Set
	act := decide(p, ks, ks.keys, now, id, func() jwks.Action { s, a := ks.keys.c.Get(now); got = s; return a })
	if act == jwks.Use {
		ks.set = got
		return got, false
	}
	return nil, p.rejected(ks, id, act)
}

// rejected reports whether act means waiting; Reject is logged with the reason.
func (p *pluginContext) rejected(ks *keyState, id uint32, act jwks.Action) (wait bool) {
	if act == jwks.Start || act == jwks.Wait {
		return true
	}
	proxywasm.LogDebugf("request %d: keys of provider %s unavailable: %v", id, ks.provider.Name, ks.noKeys())
	return false
}

// refetchKid is asked when verifying failed with err: for an unknown kid (key rotation), the
// request gets one refetch of its provider's keys (at most one per cooldown across all VMs).
// true: the request waits for it (or, when a newer set already arrived, decides again now).
func (ctx *httpContext) refetchKid(ks *keyState, err error) bool {
	if !errors.Is(err, jwt.ErrUnknownKid) || !ks.remote() || ks.kidAsked[ctx.id] || ks.keys.c.URL() == "" {
		return false
	}
	ks.kidAsked[ctx.id] = true
	p, id := ctx.plugin, ctx.id
	now := p.now()
	if _, changed := ks.keys.read(now); changed {
		ks.wake = true
		ks.ready[id] = true // another VM stored a newer set: look the kid up in it
		return true
	}
	act := decide(p, ks, ks.keys, now, id, func() jwks.Action { return ks.keys.c.Refetch(now) })
	proxywasm.LogDebugf("request %d: kid unknown to provider %s, refetch: %v", id, ks.provider.Name, act)
	return act == jwks.Start || act == jwks.Wait
}

// join makes request id wait for ks's keys; false means decide again at once instead.
func (p *pluginContext) join(ks *keyState, id uint32) bool {
	if ks.ready[id] {
		delete(ks.ready, id)
		return false
	}
	proxywasm.LogDebugf("request %d waits for the keys of provider %s", id, ks.provider.Name)
	ks.waiting[id] = true
	if _, ok := ks.deadline[id]; !ok {
		wait := ks.keys.timeout
		if ks.disc != nil && ks.keys.c.URL() == "" {
			wait += ks.disc.timeout
		}
		ks.deadline[id] = p.now().Add(wait)
	}
	return true
}

// forget drops a finished stream. When it dispatched a callout still in flight, the SDK will
// never deliver the response: the tick dispatches it again.
func (ks *keyState) forget(id uint32) {
	// Most streams never waited: four map deletes per provider were a visible part of a
	// cached-token request in wasm; a length is one field read.
	if len(ks.waiting)+len(ks.deadline)+len(ks.kidAsked)+len(ks.ready) > 0 {
		delete(ks.waiting, id)
		delete(ks.deadline, id)
		delete(ks.kidAsked, id)
		delete(ks.ready, id)
	}
	if ks.keys != nil && ks.keys.inflight && ks.keys.owner == id {
		ks.keys.lost = true
	}
	if ks.disc != nil && ks.disc.inflight && ks.disc.owner == id {
		ks.disc.lost = true
	}
}

// keysChanged runs after a fetch landed or a read saw a new version: follow discovery,
// update the gauges, let the waiters decide again. Inside a request callback (no active
// plugin context) the resume is left to the tick, so as not to switch contexts under it.
func (p *pluginContext) keysChanged(ks *keyState, now time.Time) {
	p.followDiscovery(ks, now)
	if ks.disc != nil && ks.keys.c.URL() != "" && !ks.keys.inflight {
		// A jwks_uri just learned: fetch it now rather than on the next tick.
		decide(p, ks, ks.keys, now, 0, func() jwks.Action { _, due := ks.keys.c.NextFetch(now); return startIf(due) })
	}
	ks.gauges.record(ks, now)
	if activeContext == 0 {
		ks.wake = true
		return
	}
	p.resumeWaiters(ks, now, false)
}

func startIf(due bool) jwks.Action {
	if due {
		return jwks.Start
	}
	return jwks.Wait
}

// followDiscovery points the key cache at the discovery document's jwks_uri.
func (p *pluginContext) followDiscovery(ks *keyState, now time.Time) {
	if ks.disc == nil {
		return
	}
	ks.disc.read(now)
	d, ok := ks.disc.c.Value(now)
	if !ok || d.JWKSURI == ks.keys.c.URL() {
		return
	}
	proxywasm.LogInfof("provider %s: discovery names jwks_uri %s", ks.provider.Name, d.JWKSURI)
	ks.keys.setURL(ks.provider.Name, d.JWKSURI)
}

// resumeWaiters lets paused requests decide again: all of them, or with expired only those
// past their deadline. Each is resumed under its own context, then the plugin's is restored.
func (p *pluginContext) resumeWaiters(ks *keyState, now time.Time, expired bool) {
	var ids []uint32
	for id := range ks.waiting {
		if !expired || !now.Before(ks.deadline[id]) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	for _, w := range ids {
		delete(ks.waiting, w)
		if ctx := p.streams[w]; ctx != nil && ctx.state == stateCalling {
			if err := proxywasm.SetEffectiveContext(w); err != nil {
				proxywasm.LogWarnf("cannot resume request %d: %v", w, err)
				continue
			}
			ctx.resume()
		}
	}
	_ = proxywasm.SetEffectiveContext(p.id)
}

// failWaiters answers 500 to every waiting request (after a panic, nothing else is trusted).
func (p *pluginContext) failWaiters(ks *keyState) {
	ids := make([]uint32, 0, len(ks.waiting))
	for id := range ks.waiting {
		ids = append(ids, id)
	}
	clear(ks.waiting)
	for _, w := range ids {
		if ctx := p.streams[w]; ctx != nil && ctx.state == stateCalling {
			if proxywasm.SetEffectiveContext(w) == nil {
				ctx.internalError()
			}
		}
	}
	_ = proxywasm.SetEffectiveContext(p.id)
}
