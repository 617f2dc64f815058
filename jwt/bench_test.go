package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify is the full path for a Keycloak-like token: Parse, key lookup, signature,
// claims. Compare with BenchmarkBareSignature (same key, same signing input).
func BenchmarkVerify(b *testing.B) {
	k := keys(b)
	for _, alg := range SupportedAlgorithms() {
		raw := keycloakToken(b, alg)
		want := expected()
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tok, err := Parse(raw)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Verify(tok, k.set, want); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBareSignature is the standard library's verification alone, hashing included,
// on the decoded signature of the same token.
func BenchmarkBareSignature(b *testing.B) {
	for _, alg := range SupportedAlgorithms() {
		verify := bareVerifier(b, keycloakToken(b, alg), alg)
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !verify() {
					b.Fatal("bad signature")
				}
			}
		})
	}
}

// BenchmarkOverhead interleaves batches of full verifications and bare signature checks and
// times them in thread CPU time, so that load from other processes on a shared machine
// (which inflates wall-clock benchmarks by 2x and more) hits neither side; it reports both
// per-operation costs and their ratio. Background GC work on other threads is not counted.
func BenchmarkOverhead(b *testing.B) {
	const batch = 16
	k := keys(b)
	for _, alg := range SupportedAlgorithms() {
		raw := keycloakToken(b, alg)
		bare := bareVerifier(b, raw, alg)
		want := expected()
		b.Run(alg, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var full, base time.Duration
			for b.Loop() {
				t0 := threadCPU()
				for range batch {
					tok, err := Parse(raw)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := Verify(tok, k.set, want); err != nil {
						b.Fatal(err)
					}
				}
				t1 := threadCPU()
				for range batch {
					if !bare() {
						b.Fatal("bad signature")
					}
				}
				full += t1 - t0
				base += threadCPU() - t1
			}
			n := float64(b.N * batch)
			b.ReportMetric(float64(full.Nanoseconds())/n, "full-cpu-ns/op")
			b.ReportMetric(float64(base.Nanoseconds())/n, "bare-cpu-ns/op")
			b.ReportMetric(float64(full)/float64(base), "ratio")
		})
	}
}

// bareVerifier returns the standard-library check of raw's signature with the test key.
func bareVerifier(b testing.TB, raw, alg string) func() bool {
	k := keys(b)
	i := strings.LastIndexByte(raw, '.')
	input := []byte(raw[:i])
	sig, err := b64.DecodeString(raw[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	a := lookupAlg(alg)
	switch key := k.signerByAlg[alg].(type) {
	case *rsa.PrivateKey:
		pub := &key.PublicKey
		if a.pss {
			opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
			return func() bool {
				var buf [64]byte
				return rsa.VerifyPSS(pub, a.hash, sum(a.hash, input, buf[:0]), sig, opts) == nil
			}
		}
		return func() bool {
			var buf [64]byte
			return rsa.VerifyPKCS1v15(pub, a.hash, sum(a.hash, input, buf[:0]), sig) == nil
		}
	case *ecdsa.PrivateKey:
		pub := &key.PublicKey
		der := rawToDER(nil, sig) // what crypto/ecdsa signs natively
		return func() bool {
			var buf [64]byte
			return ecdsa.VerifyASN1(pub, sum(a.hash, input, buf[:0]), der)
		}
	case ed25519.PrivateKey:
		pub := key.Public().(ed25519.PublicKey)
		return func() bool { return ed25519.Verify(pub, input, sig) }
	case []byte:
		return func() bool {
			mac := hmac.New(newHash(a.hash), key)
			mac.Write(input)
			var buf [64]byte
			return hmac.Equal(mac.Sum(buf[:0]), sig)
		}
	}
	b.Fatalf("no key for %s", alg)
	return nil
}

// BenchmarkParse is a cache-free Parse of a Keycloak-like token (TestParse_Allocs pins its
// allocations).
func BenchmarkParse(b *testing.B) {
	raw := keycloakToken(b, "RS256")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
