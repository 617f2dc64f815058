package filter

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// remoteDoc is one remote document of a provider (its JWKS or its OIDC discovery document)
// as this VM drives it: the pure jwks.Cache decides, this does the I/O. The Cache's record
// lives in proxy shared data under key, so one VM fetches for all (jwks/shared.go has the
// recipe): read it before every decision, write it back with the CAS it was read with.
type remoteDoc[T any] struct {
	c        *jwks.Cache[T]
	what     string // "jwks" or "discovery": logs and metric names
	cluster  string
	timeout  time.Duration
	maxBytes int
	fixed    [3]string // configured URI, :authority, :path (as config parsed them)
	key      string    // shared data key of the current URL; "" while the URL is unknown

	inflight  bool   // this VM has a callout in flight
	calloutID uint32 // its id (hosts may use 0)
	owner     uint32 // context the SDK delivers that callout's response to
	lost      bool   // the owner went away before the response: re-dispatch on the tick
	local     bool   // shared data is unusable: the Cache alone is the state
}

// vmOwner names this VM in fetch leases: random, non-zero, drawn once per VM.
var vmOwner uint64

func owner() uint64 {
	for vmOwner == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("no randomness for the fetch owner id: %v", err))
		}
		vmOwner = binary.BigEndian.Uint64(b[:])
	}
	return vmOwner
}

// activeContext mirrors the SDK's active context, the one a callout dispatched now belongs
// to: the plugin context in start, tick and its own callbacks; 0 means "the request being
// decided" (request callbacks). The SDK drops a response whose context was deleted, so a
// fetch dispatched by a request that goes away must be dispatched again (lost).
var activeContext uint32

// enter sets activeContext for a callback and returns the restore function.
func enter(id uint32) func() {
	prev := activeContext
	activeContext = id
	return func() { activeContext = prev }
}

// sharedKey names the shared data record of a document: one per provider and URL (hashed
// with the cluster: the same URL through another cluster may be another server).
func sharedKey(provider, cluster, url string) string {
	sum := sha256.Sum256([]byte(cluster + "\n" + url))
	return "jwt-proxy-wasm/" + provider + "/" + hex.EncodeToString(sum[:8])
}

// setURL points the document at url and names its shared record, created when absent.
func (d *remoteDoc[T]) setURL(provider, url string) {
	d.c.SetURL(url)
	d.key = sharedKey(provider, d.cluster, url)
	d.inflight, d.lost = false, false
	d.create()
}

// create writes the record when absent (CAS 0, the only unconditional write).
func (d *remoteDoc[T]) create() {
	if d.local || d.key == "" {
		return
	}
	_, _, err := proxywasm.GetSharedData(d.key)
	if errors.Is(err, types.ErrorStatusNotFound) {
		err = proxywasm.SetSharedData(d.key, d.c.Shared(), 0)
	}
	if err != nil {
		d.unshared(err)
	}
}

// unshared falls back to per-VM state when the host offers no shared data.
func (d *remoteDoc[T]) unshared(err error) {
	if !d.local {
		proxywasm.LogWarnf("shared data %s unusable, this VM fetches its %s alone: %v", d.key, d.what, err)
	}
	d.local = true
}

// read syncs the Cache with shared data; cas is what to write back with, changed says a
// new version was adopted (waiters may go on).
func (d *remoteDoc[T]) read(now time.Time) (cas uint32, changed bool) {
	if d.local || d.key == "" {
		return 0, false
	}
	b, cas, err := proxywasm.GetSharedData(d.key)
	if errors.Is(err, types.ErrorStatusNotFound) {
		d.create()
		if d.local {
			return 0, false
		}
		b, cas, err = proxywasm.GetSharedData(d.key)
	}
	if err != nil {
		d.unshared(err)
		return 0, false
	}
	changed, err = d.c.Sync(b, now)
	if err != nil {
		// ErrShared: our next write replaces the record; a body that does not parse keeps ours.
		proxywasm.LogWarnf("shared %s record %s: %v", d.what, d.key, err)
	}
	return cas, changed
}

// publish writes the Cache's record back; false on a CAS mismatch (another VM wrote first).
func (d *remoteDoc[T]) publish(cas uint32) bool {
	if d.local || d.key == "" {
		return true
	}
	err := proxywasm.SetSharedData(d.key, d.c.Shared(), cas)
	switch {
	case err == nil:
		return true
	case errors.Is(err, types.ErrorStatusCasMismatch):
		return false
	}
	d.unshared(err)
	return true
}

// decide runs step (Get, NextFetch or Refetch of the Cache) on a fresh read. When step takes
// the fetch lease (Start) the lease is published and the callout dispatched; a CAS mismatch
// means another VM wrote first: read again and ask again (at most 3 times, then Wait).
// requester is the request deciding (0 in start and tick). A dispatch failure is recorded
// as a failed fetch, and step's answer then is Reject.
func decide[T any](p *pluginContext, ks *keyState, d *remoteDoc[T], now time.Time, requester uint32, step func() jwks.Action) jwks.Action {
	for range 3 {
		cas, changed := d.read(now)
		if changed {
			ks.wake = true
		}
		act := step()
		if act != jwks.Start {
			return act
		}
		if !d.publish(cas) {
			continue
		}
		if err := dispatch(p, ks, d, requester); err != nil {
			applyFetch(p, ks, d, jwks.Response{}, now, err)
			return jwks.Reject
		}
		return jwks.Start
	}
	return jwks.Wait
}

// dispatch sends the callout for d's URL through its cluster.
func dispatch[T any](p *pluginContext, ks *keyState, d *remoteDoc[T], requester uint32) error {
	url := d.c.URL()
	authority, path := d.fixed[1], d.fixed[2]
	if url != d.fixed[0] {
		var err error
		if authority, path, err = jwks.SplitURL(url); err != nil {
			return fmt.Errorf("%s URL %q: %w", d.what, url, err)
		}
	}
	hdrs := [][2]string{
		{":method", "GET"},
		{":path", path},
		{":authority", authority},
		{"accept", "application/json"},
	}
	var id uint32
	id, err := proxywasm.DispatchHttpCall(d.cluster, hdrs, nil, nil, uint32(d.timeout.Milliseconds()),
		func(_, bodySize, _ int) { onFetched(p, ks, d, id, bodySize) })
	if err != nil {
		return fmt.Errorf("dispatch to cluster %q: %w", d.cluster, err)
	}
	d.inflight, d.calloutID, d.owner, d.lost = true, id, activeContext, false
	if d.owner == 0 {
		d.owner = requester
	}
	proxywasm.LogDebugf("provider %s: fetching %s %s through cluster %s", ks.provider.Name, d.what, url, d.cluster)
	return nil
}

// onFetched is the callout's response: read it, apply it, publish it, wake the waiters.
func onFetched[T any](p *pluginContext, ks *keyState, d *remoteDoc[T], id uint32, bodySize int) {
	if !d.inflight || d.calloutID != id {
		proxywasm.LogDebugf("provider %s: ignoring a late %s response", ks.provider.Name, d.what)
		return
	}
	defer enter(d.owner)()
	d.inflight, d.lost = false, false
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCriticalf("panic handling the %s response of provider %s: %v", d.what, ks.provider.Name, r)
			p.failWaiters(ks)
		}
	}()
	applyFetch(p, ks, d, readResponse(bodySize, d.maxBytes), p.now(), nil)
}

// applyFetch records a fetch's answer (failed: nil response, err says why) in the Cache and
// shared data, counts and logs it, then lets the provider's waiters decide again.
func applyFetch[T any](p *pluginContext, ks *keyState, d *remoteDoc[T], r jwks.Response, now time.Time, failed error) {
	var err error
	for range 3 {
		cas, _ := d.read(now)
		err = d.c.ApplyResponse(r, now)
		if d.publish(cas) {
			break
		}
	}
	name, url := ks.provider.Name, d.c.URL()
	result := jwks.Result(err)
	p.metrics.inc("provider." + name + "." + d.what + "_fetch." + result)
	if d.what == "jwks" {
		if err == nil {
			p.metrics.inc("provider." + name + ".jwks_fetch_ok")
		} else {
			p.metrics.inc("provider." + name + ".jwks_fetch_failed")
		}
	}
	switch {
	case err == nil:
		proxywasm.LogInfof("provider %s: %s fetched from %s (version %d)", name, d.what, url, d.c.Version())
	case failed != nil:
		proxywasm.LogErrorf("provider %s: %s fetch from %s failed (%s): %v: %v", name, d.what, url, result, failed, err)
	default:
		proxywasm.LogErrorf("provider %s: %s fetch from %s failed (%s): %v", name, d.what, url, result, err)
	}
	for _, w := range d.c.Warnings() {
		if err == nil {
			proxywasm.LogWarnf("provider %s: %s from %s: %v", name, d.what, url, w)
		}
	}
	p.keysChanged(ks, now)
}

// readResponse reads the callout response inside its callback. A failed callout (reset) has
// no :status: Status 0. The body is read up to maxBytes+1 so the Cache can refuse it.
func readResponse(bodySize, maxBytes int) jwks.Response {
	hdrs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		return jwks.Response{}
	}
	var r jwks.Response
	var cc []string
	for _, h := range hdrs {
		switch strings.ToLower(h[0]) {
		case ":status":
			r.Status, _ = strconv.Atoi(h[1])
		case "cache-control":
			cc = append(cc, h[1])
		}
	}
	r.CacheControl = strings.Join(cc, ", ")
	if bodySize > 0 {
		if body, err := proxywasm.GetHttpCallResponseBody(0, min(bodySize, maxBytes+1)); err == nil {
			r.Body = body
		}
	}
	return r
}
