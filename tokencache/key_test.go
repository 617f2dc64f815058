package tokencache

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// collide makes every token of c hash alike, as a hash collision would.
func collide(c *Cache) *Cache {
	c.hash = func(uint64, string) uint64 { return 42 }
	return c
}

func TestCollision(t *testing.T) {
	hour := now.Add(time.Hour)
	a, b := "token-a", "token-b"
	tests := []struct {
		name    string
		cache   *Cache
		fillOld bool // push a's entry into the old generation first
	}{
		{name: "young generation", cache: collide(New(0, 0))},
		{name: "old generation", cache: collide(New(4, 1<<20)), fillOld: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cache
			ca, cb := claimsExp(hour), claimsExp(hour)
			c.Put(a, "p", 1, ca, now)
			if tt.fillOld { // 2 per generation: two others (colliding with nothing) swap
				c.hash = func(_ uint64, s string) uint64 { return uint64(len(s)) }
				c.Put("other-1", "p", 1, claimsExp(hour), now)
				c.Put("other-22", "p", 1, claimsExp(hour), now)
				collide(c)
				if _, ok := c.old[key{"p", 42}]; !ok {
					t.Fatal("a is not in the old generation")
				}
			}
			entries, bytes := c.Len(), c.Bytes()
			if got, ok := c.Get(b, "p", 1, now); ok {
				t.Fatalf("b hit a's entry (same claims: %v)", got == ca)
			}
			if c.Len() != entries {
				t.Fatal("a's entry dropped by b's miss")
			}
			if !tt.fillOld { // (a hit in the old generation would move a to the young one)
				if got, ok := c.Get(a, "p", 1, now); !ok || got != ca {
					t.Fatal("a misses after b's miss")
				}
			}
			c.Put(b, "p", 1, cb, now) // replaces a, wherever it is
			if _, ok := c.Get(a, "p", 1, now); ok {
				t.Fatal("a still hits after b replaced it")
			}
			if got, ok := c.Get(b, "p", 1, now); !ok || got != cb {
				t.Fatal("b missing after its Put")
			}
			if c.Len() != entries || c.Bytes() != bytes { // a and b have the same size
				t.Fatalf("after the replacement: %d entries, %d bytes; want %d, %d", c.Len(), c.Bytes(), entries, bytes)
			}
			checkAccounting(t, c)
		})
	}
}

func TestCollision_OtherProvider(t *testing.T) {
	c := collide(New(0, 0))
	cp, cq := claimsExp(now.Add(time.Hour)), claimsExp(now.Add(time.Hour))
	c.Put("tok-p", "p", 1, cp, now)
	c.Put("tok-q", "q", 1, cq, now)
	if got, ok := c.Get("tok-p", "p", 1, now); !ok || got != cp {
		t.Fatal("p's entry lost to q's")
	}
	if got, ok := c.Get("tok-q", "q", 1, now); !ok || got != cq {
		t.Fatal("q's entry lost to p's")
	}
	if _, ok := c.Get("tok-p", "q", 1, now); ok {
		t.Fatal("q hit p's token")
	}
}

// TestRandomOps runs random Puts and Gets over a few tokens with a 2-bit hash (collisions all
// the time) and checks what a user relies on: a hit returns the claims last stored for that
// very token and provider, and the bounds and byte counts hold.
func TestRandomOps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	c := New(8, 1<<20)
	c.hash = func(_ uint64, s string) uint64 { return uint64(s[len(s)-1] % 4) }
	type id struct{ token, provider string }
	last := map[id]*jwt.Claims{}
	for i := range 20_000 {
		k := id{fmt.Sprintf("tok-%d%s", r.IntN(12), strings.Repeat("x", r.IntN(3))), []string{"p", "q"}[r.IntN(2)]}
		if r.IntN(2) == 0 {
			cl := claimsExp(now.Add(time.Hour))
			c.Put(k.token, k.provider, 1, cl, now)
			last[k] = cl
		} else if got, ok := c.Get(k.token, k.provider, 1, now); ok && got != last[k] {
			t.Fatalf("op %d: Get(%v) returned claims stored for another token", i, k)
		}
		if c.Len() > 8 {
			t.Fatalf("op %d: %d entries, bound 8", i, c.Len())
		}
		checkAccounting(t, c)
	}
	if c.Stats.Hits == 0 || c.Stats.Misses == 0 || c.Stats.Evictions == 0 {
		t.Fatalf("the run did not exercise the cache: %+v", c.Stats)
	}
}

// checkAccounting recomputes the byte counts from the entries held, and checks that no key
// is in both generations (Get relies on it).
func checkAccounting(t *testing.T, c *Cache) {
	t.Helper()
	for _, g := range []struct {
		m     map[key]entry
		bytes int
	}{{c.young, c.youngBytes}, {c.old, c.oldBytes}} {
		sum := 0
		for k, e := range g.m {
			if want := len(e.token) + len(e.claims.JSON()) + len(k.provider) + entryOverhead; e.size != want {
				t.Fatalf("entry size %d, want %d", e.size, want)
			}
			sum += e.size
		}
		if sum != g.bytes {
			t.Fatalf("generation counts %d bytes, its entries hold %d", g.bytes, sum)
		}
	}
	for k := range c.young {
		if _, ok := c.old[k]; ok {
			t.Fatalf("key %v in both generations", k)
		}
	}
}

func TestKey(t *testing.T) {
	c := New(0, 0)
	cl := claimsExp(now.Add(time.Hour))
	tok := strings.Repeat("x", 800)
	k := c.Key(tok, "p")
	if _, ok := c.GetKey(k, 1, now); ok {
		t.Fatal("hit in an empty cache")
	}
	c.PutKey(k, 1, cl, now)
	if got, ok := c.Get(strings.Clone(tok), "p", 1, now); !ok || got != cl {
		t.Fatal("Get misses what PutKey stored")
	}
	if got, ok := c.GetKey(c.Key(strings.Clone(tok), "p"), 1, now); !ok || got != cl {
		t.Fatal("GetKey misses what PutKey stored")
	}
	if _, ok := c.GetKey(c.Key(tok, "q"), 1, now); ok {
		t.Fatal("hit for another provider")
	}
	// A Key of another cache (another seed) never hits here.
	if _, ok := c.GetKey(New(0, 0).Key(tok, "p"), 1, now); ok {
		t.Fatal("another cache's Key hit")
	}
	if n := testing.AllocsPerRun(100, func() { c.GetKey(c.Key(tok, "p"), 1, now) }); n != 0 {
		t.Fatalf("%v allocations per hit", n)
	}
}
