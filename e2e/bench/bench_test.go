package bench

import (
	"testing"
)

// BenchmarkModule is one request through the compiled module under the harness, per path, for
// `go test -bench` comparisons of variants (TestTable is the full report):
//
//	go test -run '^$' -bench Module -count 5 ./e2e/bench
func BenchmarkModule(b *testing.B) {
	rs := signerFor("RS256")
	cached := []string{rs.mint(b, claims(0, nil))}
	bad := signer{"RS256", "k-rsa", otherRSA}.mint(b, claims(0, nil))
	cfg := baseConfig(nil, nil)
	for _, bc := range []struct {
		name, module, path string
		tokens             func(n int) []string
		status             int
	}{
		{"noop", "noop", "/api/items", func(int) []string { return cached }, 200},
		{"public", "filter", "/health", nil, 200},
		{"cached-RS256", "filter", "/api/items", func(int) []string { return cached }, 200},
		{"fresh-HS256", "filter", "/hs/items", func(n int) []string { return signerFor("HS256").mintN(b, n) }, 200},
		{"bad-signature-RS256", "filter", "/api/items", func(int) []string { return []string{bad} }, 401},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var c []byte
			if bc.module == "filter" {
				c = cfg
			}
			h := newHost(b, module(b, bc.module), c, 1)
			var toks []string
			if bc.tokens != nil {
				toks = bc.tokens(b.N + 1)
			}
			do := doer(b, h, bc.path, toks, bc.status)
			do(b.N) // warm: the last token, never used again in the loop below
			b.ResetTimer()
			for i := range b.N {
				do(i)
			}
		})
	}
}
