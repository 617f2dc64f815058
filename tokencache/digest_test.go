package tokencache

import (
	"crypto/sha256"
	"strings"
	"testing"
)

// BenchmarkSHA256Key is what a digest key would add to every lookup (to compare with
// BenchmarkGetHit, which hashes and compares the whole token).
func BenchmarkSHA256Key(b *testing.B) {
	tok := strings.Repeat("x", 800)
	m := map[[32]byte]int{sha256.Sum256([]byte(tok)): 1}
	b.ReportAllocs()
	for b.Loop() {
		_ = m[sha256.Sum256([]byte(tok))]
	}
}
