// Package tokencache remembers tokens a provider has verified, so a repeated token skips the
// signature check. One cache per VM (per plugin context); not safe for concurrent use, as a
// proxy-wasm VM is single-threaded. Pure Go: no SDK, no timers; time is a parameter.
//
// A hit says only "this provider verified these exact bytes with this version of its keys":
// the caller must still run jwt.CheckClaims (time moves on) and its policy. Failures are never
// stored.
//
// Each Get and Put hashes the token once (hashToken, a random seed per Cache) and looks the
// maps up by (provider, hash); the entry keeps the token, compared in full on every hit. A
// JWT is ~1 KB, and in wasm Go's map hashes a string key slowly (no AES instructions) and
// compares it byte by byte, on every map operation (four or five for a miss and Put); the
// hash and compare in token.go run a word at a time.
package tokencache

import (
	"math/rand/v2"
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
	// map slot, key and entry string headers, the jwt.Token struct the claims live in.
	entryOverhead = 256
)

// key is the provider and a seeded 64-bit hash of the token: the maps hash and compare these
// 24 bytes, not the ~1 KB token. It is safe because it only finds a candidate: the entry holds
// the token, and a hit needs the whole token equal. Two tokens sharing a hash can therefore
// never hit each other's entry; a Get of the second is a miss (it gets verified) and its Put
// replaces the first. The seed is random per Cache and never leaves it, so an attacker cannot
// aim for such collisions (each would only cost a signature check anyway). A SHA-256 digest
// key would need no compare but costs ~100x hashToken in wasm (BenchmarkSHA256Key).
type key struct {
	provider string
	hash     uint64
}

type entry struct {
	token   string // compared in full on a hit: the hash in the key only narrows the search
	version uint64
	claims  *jwt.Claims
	valid   jwt.Validity // the claims' time window, when the caller gave it (PutChecked)
	expires int64        // unix nanoseconds; the entry is dead from then on
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

	seed uint64
	hash func(seed uint64, token string) uint64 // hashToken; tests inject collisions here

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
	c := &Cache{
		genEntries: max(maxEntries/2, 1),
		genBytes:   max(maxBytes/2, 1),
		seed:       rand.Uint64(), // the runtime's ChaCha8, seeded from the host's randomness
		hash:       hashToken,
	}
	c.young = make(map[key]entry, min(c.genEntries, 1024))
	c.old = make(map[key]entry, min(c.genEntries, 1024))
	return c
}

// Key is a token hashed for one Cache, for a caller that does Get and then Put with the same
// token: it hashes once per request instead of twice. Use it only with the cache that made it:
// elsewhere the seed differs, so it misses (never a wrong hit, thanks to the full compare) and
// what it puts is never found again.
type Key struct {
	key
	token string
}

// Key hashes token for lookups by provider in c.
func (c *Cache) Key(token, provider string) Key {
	return Key{key{provider, c.hash(c.seed, token)}, token}
}

// Get returns the claims provider verified for token with keys version, when still valid at
// now. A stale entry (other keys version, past its expiry) is dropped and reported as a miss.
func (c *Cache) Get(token, provider string, version uint64, now time.Time) (*jwt.Claims, bool) {
	return c.GetKey(c.Key(token, provider), version, now)
}

// GetKey is Get for a token hashed by c.Key.
func (c *Cache) GetKey(k Key, version uint64, now time.Time) (*jwt.Claims, bool) {
	claims, _, ok := c.GetChecked(k, version, now)
	return claims, ok
}

// GetChecked is GetKey that also returns the validity stored by PutChecked (the zero
// Validity, which never holds, for an entry stored by Put or PutKey).
func (c *Cache) GetChecked(k Key, version uint64, now time.Time) (*jwt.Claims, jwt.Validity, bool) {
	// A key is in at most one generation (Put and a hit in the old one remove it there before
	// inserting in the young one), so an entry for another token under k means a miss.
	if e, ok := c.young[k.key]; ok {
		if sameToken(e.token, k.token) {
			if c.valid(e, version, now) {
				c.Stats.Hits++
				return e.claims, e.valid, true
			}
			delete(c.young, k.key)
			c.youngBytes -= e.size
		}
	} else if e, ok := c.old[k.key]; ok && sameToken(e.token, k.token) {
		delete(c.old, k.key)
		c.oldBytes -= e.size
		if c.valid(e, version, now) {
			c.Stats.Hits++
			c.insert(k.key, e)
			return e.claims, e.valid, true
		}
	}
	c.Stats.Misses++
	return nil, jwt.Validity{}, false
}

func (c *Cache) valid(e entry, version uint64, now time.Time) bool {
	return e.version == version && now.UnixNano() < e.expires
}

// Put remembers that provider verified token (claims) with keys version at now. The entry
// lives until the token's exp, or NoExpiryTTL without one. Tokens already expired, or too big
// for a generation's byte budget, are not stored.
func (c *Cache) Put(token, provider string, version uint64, claims *jwt.Claims, now time.Time) {
	c.PutKey(c.Key(token, provider), version, claims, now)
}

// PutKey is Put for a token hashed by c.Key. An entry of another token under the same key
// (a hash collision) is replaced.
func (c *Cache) PutKey(k Key, version uint64, claims *jwt.Claims, now time.Time) {
	c.PutChecked(k, version, claims, jwt.Validity{}, now)
}

// PutChecked is PutKey with the claims' time window under the provider's expectations
// (jwt.ValidityOf): a hit returns it, so the caller checks the clock without reading the
// claims again (jwt.CheckClaims costs ~1.5 us in wasm, Validity.Holds ~35 ns).
func (c *Cache) PutChecked(k Key, version uint64, claims *jwt.Claims, valid jwt.Validity, now time.Time) {
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
	size := len(k.token) + len(claims.JSON()) + len(k.provider) + entryOverhead
	if size > c.genBytes {
		return
	}
	if old, ok := c.old[k.key]; ok {
		delete(c.old, k.key)
		c.oldBytes -= old.size
	}
	c.Stats.Stores++
	c.insert(k.key, entry{token: k.token, version: version, claims: claims, valid: valid, expires: expires, size: size})
}

// insert adds e to the young generation, replacing what k held there, first swapping
// generations when it is full.
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
