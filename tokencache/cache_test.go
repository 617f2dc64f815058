package tokencache

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// claimsExp builds verified-looking claims expiring at exp (no exp when zero).
func claimsExp(exp time.Time) *jwt.Claims {
	if exp.IsZero() {
		return jwt.NewClaims([]byte(`{"sub":"alice"}`))
	}
	return jwt.NewClaims(fmt.Appendf(nil, `{"sub":"alice","exp":%d}`, exp.Unix()))
}

func TestGet(t *testing.T) {
	hour := now.Add(time.Hour)
	tests := []struct {
		name     string
		stored   *jwt.Claims // stored as ("tok", "p", version 1) at now
		token    string
		provider string
		version  uint64
		at       time.Time
		hit      bool
	}{
		{name: "same token, provider and keys", stored: claimsExp(hour), token: "tok", provider: "p", version: 1, at: now, hit: true},
		{name: "other token", stored: claimsExp(hour), token: "tok2", provider: "p", version: 1, at: now},
		{name: "token differing in its last byte", stored: claimsExp(hour), token: "toK", provider: "p", version: 1, at: now},
		{name: "other provider", stored: claimsExp(hour), token: "tok", provider: "q", version: 1, at: now},
		{name: "provider's keys changed", stored: claimsExp(hour), token: "tok", provider: "p", version: 2, at: now},
		{name: "just before exp", stored: claimsExp(hour), token: "tok", provider: "p", version: 1, at: hour.Add(-time.Nanosecond), hit: true},
		{name: "at exp", stored: claimsExp(hour), token: "tok", provider: "p", version: 1, at: hour},
		{name: "no exp, within the TTL", stored: claimsExp(time.Time{}), token: "tok", provider: "p", version: 1, at: now.Add(NoExpiryTTL - time.Second), hit: true},
		{name: "no exp, after the TTL", stored: claimsExp(time.Time{}), token: "tok", provider: "p", version: 1, at: now.Add(NoExpiryTTL)},
		{name: "already expired is not stored", stored: claimsExp(now.Add(-time.Second)), token: "tok", provider: "p", version: 1, at: now.Add(-time.Hour)},
		{name: "exp beyond year 2262", stored: jwt.NewClaims([]byte(`{"exp":99999999999}`)), token: "tok", provider: "p", version: 1, at: now, hit: true},
		{name: "nothing stored for nil claims", stored: nil, token: "tok", provider: "p", version: 1, at: now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(0, 0)
			c.Put("tok", "p", 1, tt.stored, now)
			got, ok := c.Get(tt.token, tt.provider, tt.version, tt.at)
			if ok != tt.hit {
				t.Fatalf("hit = %v, want %v", ok, tt.hit)
			}
			if ok && got != tt.stored {
				t.Fatalf("got other claims than stored")
			}
		})
	}
}

func TestStaleEntryIsDropped(t *testing.T) {
	c := New(0, 0)
	c.Put("tok", "p", 1, claimsExp(now.Add(time.Hour)), now)
	if _, ok := c.Get("tok", "p", 2, now); ok {
		t.Fatal("hit with other keys")
	}
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Fatalf("stale entry kept: %d entries, %d bytes", c.Len(), c.Bytes())
	}
	// Back to the old version (it cannot happen with Versions, whose numbers never repeat).
	if _, ok := c.Get("tok", "p", 1, now); ok {
		t.Fatal("dropped entry came back")
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name                 string
		maxEntries, maxBytes int
		tokenLen, n          int
	}{
		{name: "entries", maxEntries: 100, maxBytes: 1 << 30, tokenLen: 100, n: 10_000},
		{name: "bytes", maxEntries: 1 << 30, maxBytes: 64 << 10, tokenLen: 1000, n: 10_000},
		{name: "defaults", tokenLen: 800, n: 50_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.maxEntries, tt.maxBytes)
			maxE, maxB := tt.maxEntries, tt.maxBytes
			if maxE == 0 {
				maxE, maxB = DefaultMaxEntries, DefaultMaxBytes
			}
			cl := claimsExp(now.Add(time.Hour))
			for i := range tt.n {
				tok := fmt.Sprintf("%0*d", tt.tokenLen, i)
				c.Put(tok, "p", 1, cl, now)
				if c.Len() > maxE || c.Bytes() > maxB {
					t.Fatalf("after %d puts: %d entries, %d bytes; bounds %d, %d", i+1, c.Len(), c.Bytes(), maxE, maxB)
				}
				// The newest entry is always there.
				if _, ok := c.Get(tok, "p", 1, now); !ok {
					t.Fatalf("entry %d missing right after Put", i)
				}
			}
			if c.Stats.Evictions == 0 {
				t.Fatal("nothing evicted")
			}
		})
	}
}

func TestRecentlyUsedSurvivesSwap(t *testing.T) {
	c := New(10, 1<<20) // 5 per generation
	cl := claimsExp(now.Add(time.Hour))
	c.Put("hot", "p", 1, cl, now)
	for i := range 100 {
		c.Put(fmt.Sprint("cold", i), "p", 1, cl, now)
		if _, ok := c.Get("hot", "p", 1, now); !ok {
			t.Fatalf("hot entry evicted after %d other puts", i+1)
		}
	}
}

func TestOversizedTokenNotStored(t *testing.T) {
	c := New(10, 4096)
	c.Put(strings.Repeat("a", 4096), "p", 1, claimsExp(now.Add(time.Hour)), now)
	if c.Len() != 0 {
		t.Fatal("token larger than a generation stored")
	}
}

func TestHitDoesNotAllocate(t *testing.T) {
	c := New(0, 0)
	cl := claimsExp(now.Add(time.Hour))
	tok := strings.Repeat("x", 800)
	c.Put(tok, "p", 1, cl, now)
	probe := strings.Clone(tok) // a different string with the same bytes, as from a new request
	if n := testing.AllocsPerRun(100, func() { c.Get(probe, "p", 1, now) }); n != 0 {
		t.Fatalf("%v allocations per hit", n)
	}
}

func TestVersions(t *testing.T) {
	var v Versions
	a, b := jwks.NewSet(), jwks.NewSet()
	va := v.Of("p", a)
	if v.Of("p", a) != va {
		t.Fatal("same set, other version")
	}
	vb := v.Of("p", b)
	if vb == va {
		t.Fatal("new set kept the version")
	}
	if v.Of("p", a) == va {
		t.Fatal("a version number came back")
	}
	if v.Of("q", b) == vb {
		t.Fatal("two providers share a version")
	}
}
