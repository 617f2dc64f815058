package jwks

// Remote documents (a JWKS, an OIDC discovery document) are kept by one generic, pure state
// machine, Cache[T]. It performs no I/O and reads no clock: the filter asks it *when* to
// fetch, dispatches the callout itself, and hands the answer back with the time.
//
//	          Start           Apply ok                  now ≥ Expires
//	[empty] ────────► [fetching] ───────► [fresh] ──────────────────► [stale]
//	                    │     ▲             ▲   refresh due from 70-80%   │
//	        Apply error │     │ Start once  │   of the lifetime (tick:    │ now ≥ Expires+Grace:
//	                    ▼     │ backoff ends│   NextFetch); Apply ok ─────┤ the value is dropped
//	                  [failed] ◄──────────────────────────────────────────┘
//	     no value: Get says Reject        a failed refresh keeps the value and backs off
//
// "fetching" is a lease (owner, until): exactly one caller gets Start, every other caller gets
// Wait until Apply lands or the lease times out. A failed refresh never drops the value: it is
// served until Expires+Grace ("stale"), while retries back off exponentially with jitter.
// The scheduling state is a Shared record (shared.go), so that with proxy shared data N
// workers run one fetch per refresh; without shared data it simply stays in this VM.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Options tune a Cache. A zero (or negative) field takes the Defaults value, so the zero
// Options is safe; only a negative Grace means none (keys are dropped when their lifetime ends).
type Options struct {
	CacheDuration  time.Duration       // lifetime when the response has no Cache-Control max-age
	MinCache       time.Duration       // floor for a max-age (and the lifetime under no-store/no-cache)
	MaxCache       time.Duration       // ceiling for a max-age
	Grace          time.Duration       // how long past its lifetime a value is served while refreshes fail; < 0: none
	BackoffMin     time.Duration       // first retry delay after a failure; doubles per failure
	BackoffMax     time.Duration       // retry delay cap while a value is still served
	NoValueBackoff time.Duration       // retry delay cap while there is no value (requests are being refused)
	KidCooldown    time.Duration       // at most one unknown-kid refetch per window
	Timeout        time.Duration       // the callout timeout; a fetch lease lasts Timeout + 1 s
	Limits         Limits              // MaxBytes bounds the response body
	Owner          uint64              // this VM's lease owner id: unique and non-zero when shared
	Rand           func(n int64) int64 // jitter source, [0,n); nil: math/rand/v2 (tests inject their own)
}

// Defaults, with the reason for each value.
var Defaults = Options{
	CacheDuration:  10 * time.Minute, // Envoy jwt_authn's default cache_duration is 10 min
	MinCache:       30 * time.Second, // a max-age of 0 or no-store must not turn into a fetch per request
	MaxCache:       24 * time.Hour,   // rotated keys must show up within a day whatever the IdP says
	Grace:          time.Hour,        // access tokens live 5-60 min: tokens issued before an IdP outage run their course
	BackoffMin:     time.Second,      // Envoy's failed_refetch_duration default
	BackoffMax:     5 * time.Minute,  // keys are still served: no user waits on it, spare the IdP
	NoValueBackoff: 5 * time.Second,  // requests are refused meanwhile: recover within 5 s of the IdP
	KidCooldown:    30 * time.Second, // forged random kids cause at most 2 fetches a minute
	Timeout:        5 * time.Second,  // the filter's default callout timeout
}

func (o Options) withDefaults() Options {
	d := Defaults
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	if o.Grace == 0 {
		o.Grace = d.Grace // negative stays: no grace (withDefaults runs more than once)
	}
	set(&o.CacheDuration, d.CacheDuration)
	set(&o.MinCache, d.MinCache)
	set(&o.MaxCache, d.MaxCache)
	set(&o.BackoffMin, d.BackoffMin)
	set(&o.BackoffMax, d.BackoffMax)
	set(&o.NoValueBackoff, d.NoValueBackoff)
	set(&o.KidCooldown, d.KidCooldown)
	set(&o.Timeout, d.Timeout)
	if o.MaxCache < o.MinCache {
		o.MaxCache = o.MinCache
	}
	o.Limits = o.Limits.withDefaults()
	if o.Rand == nil {
		o.Rand = rand.Int64N
	}
	return o
}

// Fetch failures are classes (errors.Is); a body is also refused with ErrTooLarge, and a JWKS
// with ErrMalformed, ErrTooManyKeys or ErrNoUsableKeys (see ParseSet), discovery with
// ErrDiscovery or ErrIssuerMismatch.
var (
	ErrHTTPStatus = errors.New("fetch answered a status other than 200")
	ErrNoResponse = errors.New("fetch got no response") // timeout, reset, unknown cluster, lost callout
	ErrURLChanged = errors.New("fetch answered for an address no longer in use")
)

// Response is what the filter read from the callout.
type Response struct {
	Status       int    // 0 when the callout failed without a response
	CacheControl string // the Cache-Control header lines joined with ", "
	Body         []byte
}

// Cache is one remote document in one VM: the parsed value plus the scheduling record.
type Cache[T any] struct {
	opt   Options
	url   string
	parse func(body []byte) (T, []error, error)

	rec      Shared // scheduling state; in shared mode a copy of the shared data record
	value    T
	has      bool
	tagVer   uint64 // (Version, Writer) of value: re-parse only when the record's differ
	tagBy    uint64
	expires  time.Time // value's own lifetime end
	fetchURL string    // the URL of the last lease taken here: an answer for another is dropped
	warnings []error
	lastErr  error
}

// NewCache returns a cache for the document at url (which may be "" until known, see SetURL),
// parsed by parse (warnings are kept for Warnings).
func NewCache[T any](url string, opt Options, parse func(body []byte) (T, []error, error)) *Cache[T] {
	return &Cache[T]{opt: opt.withDefaults(), url: url, parse: parse, rec: Shared{Source: url}}
}

// NewKeyCache returns a cache of the JWKS at url, parsed with ParseSet under opt.Limits.
func NewKeyCache(url string, opt Options) *Cache[*Set] {
	o := opt.withDefaults()
	return NewCache(url, o, func(b []byte) (*Set, []error, error) { return ParseSet(b, o.Limits) })
}

// Value is the request path's fast check, without side effects: the value when usable.
func (c *Cache[T]) Value(now time.Time) (T, bool) {
	if c.usable(now) {
		return c.value, true
	}
	var zero T
	return zero, false
}

// Get is the request path: Use with the value; with none, Start (the caller dispatches the
// fetch and pauses), Wait (pause; re-ask when a fetch lands or the lease ends) or Reject
// (keys unavailable; LastError says why).
func (c *Cache[T]) Get(now time.Time) (T, Action) {
	if c.usable(now) {
		return c.value, Use
	}
	var zero T
	switch {
	case c.url == "":
		return zero, Reject
	case c.leased(now):
		return zero, Wait
	case now.Before(c.rec.RetryAt):
		return zero, Reject
	}
	c.take(now)
	return zero, Start
}

// NextFetch is the tick path: due (and the lease taken) when there is no value or its
// refresh point has passed, no fetch is in flight and no backoff is running.
func (c *Cache[T]) NextFetch(now time.Time) (url string, due bool) {
	if c.url == "" || c.leased(now) || now.Before(c.rec.RetryAt) {
		return c.url, false
	}
	if c.rec.Version > 0 && c.has && now.Before(c.rec.RefreshAt) {
		return c.url, false
	}
	c.take(now)
	return c.url, true
}

// Refetch is asked once per request whose token names a kid the value lacks (key rotation).
// Start: dispatch, pause, look again when it lands. Wait: a fetch is in flight; pause and
// look again when it lands (then reject if still unknown, without asking again). Reject: a
// refetch ran within KidCooldown or failures are backing off: reject the token now.
func (c *Cache[T]) Refetch(now time.Time) Action {
	switch {
	case c.url == "":
		return Reject
	case c.leased(now):
		return Wait
	case !c.rec.KidAt.IsZero() && now.Before(c.rec.KidAt.Add(c.opt.KidCooldown)),
		now.Before(c.rec.RetryAt):
		return Reject
	}
	c.take(now)
	c.rec.KidAt = now
	return Start
}

// Renew extends this VM's fetch lease by a callout timeout, for a fetch dispatched again
// because its callout was lost (proxy-wasm drops the response of a deleted context). False
// when the lease is no longer ours (it ended, or another VM took over): dispatch nothing then.
// Unlike Apply(0, nil, now) it counts no failure, so waiters are not refused for it.
func (c *Cache[T]) Renew(now time.Time) bool {
	if c.rec.LeaseOwner != c.opt.Owner || !c.leased(now) || c.fetchURL != c.url {
		return false
	}
	c.rec.LeaseUntil = now.Add(c.opt.Timeout + time.Second)
	return true
}

// Apply records the answer to a fetch: Apply(0, nil, now) when the callout failed or was lost.
func (c *Cache[T]) Apply(status int, body []byte, now time.Time) error {
	return c.ApplyResponse(Response{Status: status, Body: body}, now)
}

// ApplyResponse records the answer to a fetch. A good body becomes the value under a new
// version; any failure keeps the value, returns the error class and schedules a retry.
// An answer for a URL replaced by SetURL meanwhile changes nothing (ErrURLChanged).
func (c *Cache[T]) ApplyResponse(r Response, now time.Time) error {
	if c.fetchURL != c.url {
		return fmt.Errorf("%w: %q, now %q", ErrURLChanged, c.fetchURL, c.url)
	}
	if c.rec.LeaseOwner == c.opt.Owner {
		c.rec.LeaseOwner, c.rec.LeaseUntil = 0, time.Time{}
	}
	v, warnings, err := c.check(r)
	if err != nil {
		c.rec.Failures++
		c.rec.RetryAt = now.Add(c.backoff(now))
		c.rec.LastError = clip(err.Error(), maxSharedError)
		c.lastErr = err
		return err
	}
	ttl := c.lifetime(r.CacheControl)
	c.rec.Version++
	c.rec.Writer = c.opt.Owner
	c.rec.Source = c.url
	c.rec.FetchedAt = now
	c.rec.Expires = now.Add(ttl)
	c.rec.RefreshAt = now.Add(ttl*4/5 - time.Duration(c.opt.Rand(int64(ttl/10)+1)))
	c.rec.Failures, c.rec.RetryAt, c.rec.LastError = 0, time.Time{}, ""
	c.rec.Body = append([]byte(nil), r.Body...)
	c.adopt(v, warnings)
	c.lastErr = nil
	return nil
}

func (c *Cache[T]) check(r Response) (T, []error, error) {
	var zero T
	switch {
	case r.Status == 0:
		return zero, nil, ErrNoResponse
	case r.Status != 200:
		return zero, nil, fmt.Errorf("%w: status %d", ErrHTTPStatus, r.Status)
	case len(r.Body) > c.opt.Limits.MaxBytes:
		return zero, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(r.Body), c.opt.Limits.MaxBytes)
	case len(r.Body) == 0:
		return zero, nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	return c.parse(r.Body)
}

// adopt makes v the value of the record's current version.
func (c *Cache[T]) adopt(v T, warnings []error) {
	c.value, c.has, c.warnings = v, true, warnings
	c.tagVer, c.tagBy, c.expires = c.rec.Version, c.rec.Writer, c.rec.Expires
}

// usable: a value exists and its lifetime plus grace has not ended.
func (c *Cache[T]) usable(now time.Time) bool { return c.has && now.Before(c.graceEnd()) }

func (c *Cache[T]) graceEnd() time.Time { return c.expires.Add(max(c.opt.Grace, 0)) }

func (c *Cache[T]) leased(now time.Time) bool {
	return !c.rec.LeaseUntil.IsZero() && now.Before(c.rec.LeaseUntil)
}

func (c *Cache[T]) take(now time.Time) {
	c.rec.LeaseOwner, c.rec.LeaseUntil = c.opt.Owner, now.Add(c.opt.Timeout+time.Second)
	c.fetchURL = c.url
	if c.rec.Source == "" {
		c.rec.Source = c.url
	}
}

// State reports where the cache stands at now.
func (c *Cache[T]) State(now time.Time) State {
	switch {
	case c.usable(now) && now.Before(c.expires):
		return StateFresh
	case c.usable(now):
		return StateStale
	case c.leased(now):
		return StateFetching
	case c.rec.Failures > 0 || c.has:
		return StateFailed
	}
	return StateEmpty
}

// URL is the document's address ("" until SetURL when it comes from discovery).
func (c *Cache[T]) URL() string { return c.url }

// SetURL points the cache at a new address (a jwks_uri found by discovery). The current value
// stays usable until it expires; the new address is fetched at the next NextFetch or Get.
func (c *Cache[T]) SetURL(url string) {
	if url == c.url {
		return
	}
	c.url = url
	c.rec = Shared{Source: url}
}

// Version is the record version of the value in use (0: none yet).
func (c *Cache[T]) Version() uint64 { return c.tagVer }

// Age is how old the value in use is (0 without one).
func (c *Cache[T]) Age(now time.Time) time.Duration {
	if !c.has {
		return 0
	}
	return now.Sub(c.rec.FetchedAt)
}

// Warnings are the parser's warnings for the value in use (keys skipped in a JWKS).
func (c *Cache[T]) Warnings() []error { return c.warnings }

// LastError is why the last fetch failed (nil after a success). From another VM's record
// only the text survives.
func (c *Cache[T]) LastError() error {
	if c.lastErr != nil {
		return c.lastErr
	}
	if c.rec.LastError != "" {
		return errors.New(c.rec.LastError)
	}
	return nil
}

// Failures counts fetches failed in a row.
func (c *Cache[T]) Failures() uint32 { return c.rec.Failures }
