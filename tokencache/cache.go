// Package tokencache remembers tokens a provider has verified, so a repeated token skips the
// signature check. One cache per VM (per plugin context); not safe for concurrent use, as a
// proxy-wasm VM is single-threaded. Pure Go: no SDK, no timers; time is a parameter.
//
// A hit says only "this provider verified these exact bytes with this version of its keys":
// the caller must still run jwt.CheckClaims (time moves on) and its policy. Failures are never
// stored.
package tokencache

import (
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// Defaults bound a cache built with zero limits.
const (
	DefaultMaxEntries = 10_000
	DefaultMaxBytes   = 8 << 20
	// NoExpiryTTL bounds how long a token without exp stays cached.
	NoExpiryTTL = 5 * time.Minute
	// entryOverhead approximates, in bytes, what an entry costs beyond its token and payload:
	// map slot, key strings' headers, the jwt.Token struct the claims live in.
	entryOverhead = 256
)

// key is the full token and the provider that verified it. Go's map hashes strings with a
// per-process random seed and compares the whole key on a hash match, so an attacker can
// neither collide two tokens into one entry nor (cheaply) flood one bucket. Measured against
// a SHA-256 digest key in docs/performance.md: the digest costs more than the comparison.
type key struct {
	provider, token string
}

type entry struct {
	version uint64
	claims  *jwt.Claims
	expires int64 // unix nanoseconds; the entry is dead from then on
	size    int
}

// Cache is a bounded verified-token cache with two-generation eviction: new entries go to
// the young map; when it holds half the budget (entries or bytes), the old map is cleared and
// the two swap. A hit in the old map is moved to the young one. Every operation is O(1), a
// hit allocates nothing, and the cleared map's storage is reused.
type Cache struct {
	young, old           map[key]entry
	youngBytes, oldBytes int
	genEntries, genBytes int // per-generation bounds: half the totals

	Stats Stats
}

// Stats count what the cache did (for metrics and benchmarks).
type Stats struct {
	Hits, Misses, Stores, Evictions uint64
}

// New returns a cache holding at most maxEntries entries and about maxBytes bytes of tokens
// and payloads; zero or negative values take the defaults.
func New(maxEntries, maxBytes int) *Cache {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	c := &Cache{genEntries: max(maxEntries/2, 1), genBytes: max(maxBytes/2, 1)}
	c.young = make(map[key]entry, min(c.genEntries, 1024))
	c.old = make(map[key]entry, min(c.genEntries, 1024))
	return c
}

// Get returns the claims provider verified for token with keys version, when still valid at
// now. A stale entry (other keys version, past its expiry) is dropped and reported as a miss.
func (c *Cache) Get(token, provider string, version uint64, now time.Time) (*jwt.Claims, bool) {
	k := key{provider, token}
	if e, ok := c.young[k]; ok {
		if c.valid(e, version, now) {
			c.Stats.Hits++
			return e.claims, true
		}
		delete(c.young, k)
		c.youngBytes -= e.size
	} else if e, ok := c.old[k]; ok {
		delete(c.old, k)
		c.oldBytes -= e.size
		if c.valid(e, version, now) {
			c.Stats.Hits++
			c.insert(k, e)
			return e.claims, true
		}
	}
	c.Stats.Misses++
	return nil, false
}

func (c *Cache) valid(e entry, version uint64, now time.Time) bool {
	return e.version == version && now.UnixNano() < e.expires
}

// Put remembers that provider verified token (claims) with keys version at now. The entry
// lives until the token's exp, or NoExpiryTTL without one. Tokens already expired, or too big
// for a generation's byte budget, are not stored.
func (c *Cache) Put(token, provider string, version uint64, claims *jwt.Claims, now time.Time) {
	if claims == nil {
		return
	}
	expires := now.Add(NoExpiryTTL).UnixNano()
	if exp, ok := claims.Expiry(); ok {
		expires = exp.UnixNano()
		if exp.Year() >= 2262 { // beyond int64 nanoseconds: cap instead of wrapping
			expires = 1<<63 - 1
		}
	}
	if expires <= now.UnixNano() {
		return
	}
	size := len(token) + len(claims.JSON()) + len(provider) + entryOverhead
	if size > c.genBytes {
		return
	}
	k := key{provider, token}
	if old, ok := c.old[k]; ok {
		delete(c.old, k)
		c.oldBytes -= old.size
	}
	c.Stats.Stores++
	c.insert(k, entry{version: version, claims: claims, expires: expires, size: size})
}

// insert adds e to the young generation, first swapping generations when it is full.
func (c *Cache) insert(k key, e entry) {
	if prev, ok := c.young[k]; ok {
		c.youngBytes -= prev.size
	} else if len(c.young) >= c.genEntries || c.youngBytes+e.size > c.genBytes {
		c.Stats.Evictions += uint64(len(c.old))
		clear(c.old)
		c.old, c.young = c.young, c.old
		c.oldBytes, c.youngBytes = c.youngBytes, 0
	}
	c.young[k] = e
	c.youngBytes += e.size
}

// Len is the number of entries held (stale ones included until touched or evicted).
func (c *Cache) Len() int { return len(c.young) + len(c.old) }

// Bytes is the estimated size of the entries held.
func (c *Cache) Bytes() int { return c.youngBytes + c.oldBytes }
