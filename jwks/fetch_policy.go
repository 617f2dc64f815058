package jwks

import (
	"strings"
	"time"
)

// lifetime is how long a response stays fresh. Cache-Control (RFC 9111 section 5.2.2): we are
// a shared cache, so s-maxage wins over max-age; no-store and no-cache mean "do not reuse",
// which for keys becomes the shortest lifetime we allow (MinCache) rather than a fetch per
// request. A max-age is clamped to [MinCache, MaxCache]; without one, CacheDuration (the
// operator's choice) applies as configured.
func (c *Cache[T]) lifetime(cacheControl string) time.Duration {
	cc := parseCacheControl(cacheControl)
	switch {
	case cc.noStore:
		return c.opt.MinCache
	case cc.maxAge < 0:
		return c.opt.CacheDuration
	}
	return min(max(cc.maxAge, c.opt.MinCache), c.opt.MaxCache)
}

type cacheControl struct {
	maxAge  time.Duration // -1 when absent or invalid
	noStore bool          // no-store or no-cache
}

// maxDeltaSeconds caps a parsed delta-seconds (RFC 9111 section 1.2.2 suggests 2^31).
const maxDeltaSeconds = 1 << 31

// parseCacheControl reads the directives we use from a Cache-Control value, tolerating case,
// spaces and quoted values. The first valid occurrence of a directive counts (RFC 9111
// section 4.2.1); an invalid value (negative, not a number) is ignored.
func parseCacheControl(h string) cacheControl {
	cc := cacheControl{maxAge: -1}
	sMaxAge := time.Duration(-1)
	for d := range strings.SplitSeq(h, ",") {
		name, value, _ := strings.Cut(d, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch name {
		case "no-store", "no-cache":
			cc.noStore = true
		case "max-age":
			if secs, ok := deltaSeconds(value); ok && cc.maxAge < 0 {
				cc.maxAge = secs
			}
		case "s-maxage":
			if secs, ok := deltaSeconds(value); ok && sMaxAge < 0 {
				sMaxAge = secs
			}
		}
	}
	if sMaxAge >= 0 {
		cc.maxAge = sMaxAge
	}
	return cc
}

func deltaSeconds(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	n := int64(0)
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		if n < maxDeltaSeconds {
			n = n*10 + int64(s[i]-'0')
		}
	}
	return time.Duration(min(n, maxDeltaSeconds)) * time.Second, true
}

// backoff is the delay before the next attempt after c.rec.Failures failures in a row:
// BackoffMin doubled per failure, capped at BackoffMax while a value is served and at
// NoValueBackoff while requests are being refused, minus up to a quarter of random jitter so
// that proxies which failed together do not retry together. A retry is never put past the end
// of the grace period, so that a recovered IdP is asked again the moment keys would be lost.
func (c *Cache[T]) backoff(now time.Time) time.Duration {
	limit := c.opt.BackoffMax
	if !c.usable(now) {
		limit = min(limit, c.opt.NoValueBackoff)
	}
	d := c.opt.BackoffMin
	for i := uint32(1); i < c.rec.Failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	d -= time.Duration(c.opt.Rand(int64(d/4) + 1))
	if c.usable(now) {
		d = min(d, c.graceEnd().Sub(now))
	}
	return d
}

// clip bounds s to n bytes (for texts stored in shared data).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
