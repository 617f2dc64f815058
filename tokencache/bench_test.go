package tokencache

import (
	"fmt"
	"testing"
	"time"
)

// benchCache holds 1,000 distinct 800-byte tokens (a typical JWT's size), so that lookups
// hash: Go's map skips hashing in a map of up to 8 string keys, which would flatter a
// full-token key. It returns the tokens, the first of them cached.
func benchCache(b *testing.B, c *Cache, n int) []string {
	b.Helper()
	cl := claimsExp(now.Add(time.Hour))
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprintf("%0800d", i)
		if i < 1000 {
			c.Put(toks[i], "p", 1, cl, now)
		}
	}
	return toks
}

// BenchmarkGetHit is a repeated token: Get finds it (in a new string, as from a new request).
func BenchmarkGetHit(b *testing.B) {
	c := New(0, 0)
	probe := string([]byte(benchCache(b, c, 1000)[500]))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.Get(probe, "p", 1, now); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkMissPut is a fresh token: a Get that misses, then the Put after verification.
// 4,096 tokens cycle through a 1,024-entry cache, so every Get misses and the generation
// swaps are included.
func BenchmarkMissPut(b *testing.B) {
	c := New(1024, 1<<30)
	cl := claimsExp(now.Add(time.Hour))
	toks := benchCache(b, New(0, 0), 4096)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tok := toks[i%len(toks)]
		if _, ok := c.Get(tok, "p", 1, now); ok {
			b.Fatal("hit")
		}
		c.Put(tok, "p", 1, cl, now)
		i++
	}
}

// BenchmarkMissPutKey is BenchmarkMissPut hashing the token once, with Key, GetKey and PutKey.
func BenchmarkMissPutKey(b *testing.B) {
	c := New(1024, 1<<30)
	cl := claimsExp(now.Add(time.Hour))
	toks := benchCache(b, New(0, 0), 4096)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := c.Key(toks[i%len(toks)], "p")
		if _, ok := c.GetKey(k, 1, now); ok {
			b.Fatal("hit")
		}
		c.PutKey(k, 1, cl, now)
		i++
	}
}
