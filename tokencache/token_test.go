package tokencache

import (
	"hash/maphash"
	"strings"
	"testing"
)

func Test_sameToken(t *testing.T) {
	tok := strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 40)[:811] // 25 32-byte blocks, a word, 3 bytes
	flip := func(s string, i int) string { b := []byte(s); b[i] ^= 1; return string(b) }
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "both empty", a: "", b: "", want: true},
		{name: "same bytes, other strings", a: tok, b: strings.Clone(tok), want: true},
		{name: "first byte differs", a: tok, b: flip(tok, 0), want: false},
		{name: "a middle byte differs", a: tok, b: flip(tok, 400), want: false},
		{name: "last byte of the blocks differs", a: tok, b: flip(tok, 799), want: false},
		{name: "a byte of the word after the blocks differs", a: tok, b: flip(tok, 803), want: false},
		{name: "a tail byte differs", a: tok, b: flip(tok, 809), want: false},
		{name: "last byte differs", a: tok, b: flip(tok, 810), want: false},
		{name: "prefix", a: tok, b: tok[:810], want: false},
		{name: "empty and not", a: "", b: "x", want: false},
		{name: "short, equal", a: "abcdefg", b: "abcdefg", want: true},
		{name: "short, differ", a: "abcdefg", b: "abcdefh", want: false},
		{name: "one word, differ", a: "abcdefgh", b: "bbcdefgh", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameToken(tt.a, tt.b); got != tt.want {
				t.Fatalf("sameToken() = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzSameToken checks sameToken against ==, at every offset of a word.
func FuzzSameToken(f *testing.F) {
	f.Add("", "")
	f.Add("abcdefgh", "abcdefgh")
	f.Add("abcdefghi", "abcdefghj")
	f.Add(strings.Repeat("x", 800), strings.Repeat("x", 799)+"y")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range []string{b, a} {
			if got, want := sameToken(a, s), a == s; got != want {
				t.Fatalf("sameToken(%q, %q) = %v, want %v", a, s, got, want)
			}
		}
		for i := range min(len(a), 9) { // the same bytes at another alignment
			if !sameToken(a[i:], strings.Clone(a[i:])) {
				t.Fatalf("sameToken(%q) of a copy = false", a[i:])
			}
		}
	})
}

func Test_hashToken(t *testing.T) {
	tok := strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 40)[:811]
	// Every one-bit change, at every byte (blocks, word and tail), and every prefix gives its
	// own hash: all of the ~7,300 inputs must differ (a 64-bit collision would be a bug).
	seen := map[uint64]string{}
	add := func(s string) {
		t.Helper()
		h := hashToken(1, s)
		if prev, ok := seen[h]; ok && prev != s {
			t.Fatalf("hash collision between %q and %q", prev, s)
		}
		seen[h] = s
	}
	for i := range tok {
		for bit := range 8 {
			b := []byte(tok)
			b[i] ^= 1 << bit
			add(string(b))
		}
		add(tok[:i])
	}
	if hashToken(1, tok) != hashToken(1, strings.Clone(tok)) {
		t.Fatal("same bytes, other hash")
	}
	if hashToken(1, tok) == hashToken(2, tok) {
		t.Fatal("the seed does not change the hash")
	}
	if hashToken(1, "a") == hashToken(1, "a\x00") {
		t.Fatal("a trailing zero byte does not change the hash")
	}
}

// The word-at-a-time hash and compare against the standard ones, on an 800-byte token: the
// difference is in wasm (see token.go), where the runtime has no AES hash and compares bytes.
func BenchmarkHashToken(b *testing.B) {
	tok := strings.Repeat("x", 800)
	for b.Loop() {
		hashToken(1, tok)
	}
}

func BenchmarkMaphash(b *testing.B) {
	tok, seed := strings.Repeat("x", 800), maphash.MakeSeed()
	for b.Loop() {
		maphash.Comparable(seed, tok)
	}
}

func BenchmarkSameToken(b *testing.B) {
	tok := strings.Repeat("x", 800)
	probe := strings.Clone(tok)
	for b.Loop() {
		if !sameToken(tok, probe) {
			b.Fatal("differ")
		}
	}
}

var sinkEqual bool

func BenchmarkStringEqual(b *testing.B) {
	tok := strings.Repeat("x", 800)
	probe := strings.Clone(tok)
	for b.Loop() {
		sinkEqual = tok == probe
	}
}
