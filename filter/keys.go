package filter

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// defaultFetchTimeout applies when a remote_jwks has no timeout (config normally fills one).
const defaultFetchTimeout = 5 * time.Second

// fetchState is where a provider's remote key fetch stands.
type fetchState uint8

const (
	fetchIdle    fetchState = iota // no callout in flight
	fetchCalling                   // one callout in flight; requests wait in keyState.waiting
)

// keyState is one provider's keys in this VM. Local keys are set at start; remote keys arrive
// through one callout at a time, which every request needing them joins. This is the seam for
// issue 5 (OIDC discovery, refresh on tick before expiry, shared data across workers,
// refetch on unknown kid): those change how set is filled, not how requests use it.
type keyState struct {
	provider  *config.Provider
	set       *jwks.Set // nil until known
	fetch     fetchState
	calloutID uint32   // the callout in flight; any other response is late and ignored
	owner     uint32   // context that dispatched it: the SDK drops the callback once it is deleted
	waiting   []uint32 // HTTP context ids paused on this provider's keys
	lastErr   error    // why the last fetch failed (detail for keys_unavailable)
	fetchedAt time.Time
}

func newKeyState(pv *config.Provider) *keyState {
	return &keyState{provider: pv, set: pv.LocalKeys}
}

// remote reports whether keys can be fetched for this provider.
func (ks *keyState) remote() bool { return ks.provider.RemoteJWKS != nil }

// forget drops a finished stream from the waiters. When that stream dispatched the callout in
// flight, the SDK will never deliver its response: the fetch is idle again, and the remaining
// waiters are carried by the next request's fetch or by the plugin tick.
func (ks *keyState) forget(id uint32) {
	ks.waiting = slices.DeleteFunc(ks.waiting, func(w uint32) bool { return w == id })
	if ks.fetch == fetchCalling && ks.owner == id {
		ks.fetch = fetchIdle
		ks.calloutID = 0
	}
}

// noKeys is the verification error when a provider has no keys to verify with.
func (ks *keyState) noKeys() error {
	if ks.lastErr != nil {
		return fmt.Errorf("%w: %v", jwt.ErrNoKeys, ks.lastErr)
	}
	return jwt.ErrNoKeys
}

// join makes request id wait for ks's keys, starting a fetch when none is in flight. It
// reports false when no fetch could be started (the request must not wait then).
func (p *pluginContext) join(ks *keyState, id uint32) bool {
	proxywasm.LogDebugf("request %d waits for the keys of provider %s", id, ks.provider.Name)
	ks.waiting = append(ks.waiting, id)
	if ks.fetch == fetchCalling {
		return true
	}
	if err := p.startFetch(ks, id); err != nil {
		ks.waiting = slices.DeleteFunc(ks.waiting, func(w uint32) bool { return w == id })
		ks.lastErr = err
		p.metrics.inc("provider." + ks.provider.Name + ".jwks_fetch_failed")
		proxywasm.LogErrorf("provider %s: JWKS fetch not started: %v", ks.provider.Name, err)
		return false
	}
	return true
}

// startFetch dispatches the JWKS callout; owner is the context whose callback it is.
func (p *pluginContext) startFetch(ks *keyState, owner uint32) error {
	r := ks.provider.RemoteJWKS
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = defaultFetchTimeout
	}
	hdrs := [][2]string{
		{":method", "GET"},
		{":path", r.Path},
		{":authority", r.Authority},
		{"accept", "application/json"},
	}
	var id uint32
	id, err := proxywasm.DispatchHttpCall(r.Cluster, hdrs, nil, nil, uint32(timeout.Milliseconds()),
		func(_, bodySize, _ int) { p.onJWKSResponse(ks, id, bodySize) })
	if err != nil {
		return fmt.Errorf("dispatch to cluster %q: %w", r.Cluster, err)
	}
	ks.fetch, ks.calloutID, ks.owner = fetchCalling, id, owner
	proxywasm.LogDebugf("provider %s: fetching JWKS from cluster %s path %s", ks.provider.Name, r.Cluster, r.Path)
	return nil
}

// onJWKSResponse stores the fetched keys (or the failure) and resumes every waiting request,
// which re-runs its decision: allowed, or refused with keys_unavailable. Never fails open.
func (p *pluginContext) onJWKSResponse(ks *keyState, id uint32, bodySize int) {
	if ks.fetch != fetchCalling || ks.calloutID != id {
		proxywasm.LogDebugf("provider %s: ignoring a late JWKS response", ks.provider.Name)
		return
	}
	ks.fetch, ks.calloutID = fetchIdle, 0
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCriticalf("panic handling the JWKS response of provider %s: %v", ks.provider.Name, r)
			p.failWaiters(ks)
		}
	}()
	set, err := readJWKSResponse(bodySize)
	if err != nil {
		p.fetchFailed(ks, err)
		return
	}
	ks.set, ks.lastErr, ks.fetchedAt = set, nil, p.now()
	p.metrics.inc("provider." + ks.provider.Name + ".jwks_fetch_ok")
	proxywasm.LogInfof("provider %s: JWKS loaded, %d keys", ks.provider.Name, set.Len())
	p.resumeWaiters(ks)
}

// fetchFailed records err and lets each waiting request decide again (keys_unavailable).
func (p *pluginContext) fetchFailed(ks *keyState, err error) {
	ks.lastErr = err
	p.metrics.inc("provider." + ks.provider.Name + ".jwks_fetch_failed")
	proxywasm.LogErrorf("provider %s: JWKS fetch failed: %v", ks.provider.Name, err)
	p.resumeWaiters(ks)
}

func (p *pluginContext) resumeWaiters(ks *keyState) {
	waiters := ks.waiting
	ks.waiting = nil
	for _, w := range waiters {
		if ctx := p.streams[w]; ctx != nil && ctx.state == stateCalling {
			if err := proxywasm.SetEffectiveContext(w); err != nil {
				proxywasm.LogWarnf("cannot resume request %d: %v", w, err)
				continue
			}
			ctx.resume()
		}
	}
}

// failWaiters answers 500 to every waiting request (after a panic, nothing else is trusted).
func (p *pluginContext) failWaiters(ks *keyState) {
	waiters := ks.waiting
	ks.waiting = nil
	for _, w := range waiters {
		if ctx := p.streams[w]; ctx != nil && ctx.state == stateCalling {
			if proxywasm.SetEffectiveContext(w) == nil {
				ctx.internalError()
			}
		}
	}
}

var errJWKSStatus = errors.New("JWKS endpoint did not answer 200")

// readJWKSResponse reads the callout response in the callback and parses it. A failed
// callout (timeout, reset, unknown cluster) has no :status.
func readJWKSResponse(bodySize int) (*jwks.Set, error) {
	hdrs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		return nil, fmt.Errorf("no response: %w", err)
	}
	status := ""
	for _, h := range hdrs {
		if h[0] == ":status" {
			status = h[1]
		}
	}
	if status != "200" {
		if status == "" {
			return nil, fmt.Errorf("%w: callout failed (timeout, reset or unknown cluster)", errJWKSStatus)
		}
		return nil, fmt.Errorf("%w: status %s", errJWKSStatus, strconv.Quote(status))
	}
	lim := jwks.DefaultLimits
	if bodySize > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", jwks.ErrTooLarge, bodySize, lim.MaxBytes)
	}
	if bodySize == 0 {
		return nil, fmt.Errorf("%w: empty body", jwks.ErrMalformed)
	}
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	set, skipped, err := jwks.ParseSet(body, lim)
	for _, s := range skipped {
		proxywasm.LogWarnf("JWKS key skipped: %v", s)
	}
	if err != nil {
		return nil, err
	}
	return set, nil
}
