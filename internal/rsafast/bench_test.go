package rsafast

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkVerify compares this package with crypto/rsa on one valid
// signature per case (digest precomputed, as after hashing the JWT input):
//
//	go test -run '^$' -bench Verify ./internal/rsafast/
func BenchmarkVerify(b *testing.B) {
	for _, pss := range []bool{false, true} {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			for _, bits := range []int{2048, 3072, 4096} {
				priv := testKey(b, bits)
				k, _ := New(&priv.PublicKey) // as shipped: may hand the key to crypto/rsa
				goKey := fastKey(b, priv)    // always this package's arithmetic
				d := digest(h, []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"))
				var sig []byte
				var err error
				if pss {
					sig, err = rsa.SignPSS(rand.Reader, priv, h, d, pssEqualsHash)
				} else {
					sig, err = rsa.SignPKCS1v15(nil, priv, h, d)
				}
				if err != nil {
					b.Fatal(err)
				}
				name := fmt.Sprintf("%s%d/%d", map[bool]string{false: "RS", true: "PS"}[pss], h.Size()*8, bits)
				b.Run(name+"/crypto-rsa", func(b *testing.B) {
					for b.Loop() {
						if pss {
							err = rsa.VerifyPSS(&priv.PublicKey, h, d, sig, pssEqualsHash)
						} else {
							err = rsa.VerifyPKCS1v15(&priv.PublicKey, h, d, sig)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
				for _, v := range []struct {
					name string
					k    *PublicKey
				}{{"rsafast", k}, {"rsafast-go", goKey}} {
					if v.name == "rsafast-go" && !k.std {
						continue // same as rsafast
					}
					b.Run(name+"/"+v.name, func(b *testing.B) {
						for b.Loop() {
							if pss {
								err = v.k.VerifyPSS(h, d, sig)
							} else {
								err = v.k.VerifyPKCS1v15(h, d, sig)
							}
							if err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		}
	}
}

// BenchmarkNew measures the one-time key preparation.
func BenchmarkNew(b *testing.B) {
	for _, bits := range []int{2048, 4096} {
		pub := &testKey(b, bits).PublicKey
		b.Run(fmt.Sprint(bits), func(b *testing.B) {
			for b.Loop() {
				New(pub)
			}
		})
	}
}

// BenchmarkRatio alternates batches of crypto/rsa and rsafast verifications
// in one process and reports the median of the per-round time ratios, which
// is steadier than comparing two benchmarks on a noisy machine. It always
// uses this package's arithmetic (fastKey), also for the 2048-bit key that
// New hands to crypto/rsa natively: it is the measurement behind stdHasAsm.
//
//	go test -run '^$' -bench Ratio ./internal/rsafast/
func BenchmarkRatio(b *testing.B) {
	for _, bits := range []int{2048, 3072, 4096} {
		priv := testKey(b, bits)
		k := fastKey(b, priv)
		d := digest(crypto.SHA256, []byte("header.payload"))
		sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("RS256/%d", bits), func(b *testing.B) {
			std := func() error { return rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, d, sig) }
			fast := func() error { return k.VerifyPKCS1v15(crypto.SHA256, d, sig) }
			reportRatio(b, std, fast)
		})
	}
}

// reportRatio runs b.N rounds of 20 std and 20 fast calls and reports the
// median per-round ratio fast/std plus both median times per call.
func reportRatio(b *testing.B, std, fast func() error) {
	var ratios, stdNs, fastNs []float64
	batch := func(f func() error) float64 {
		start := time.Now()
		for range 20 {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		return float64(time.Since(start).Nanoseconds()) / 20
	}
	for b.Loop() {
		s, f := batch(std), batch(fast)
		ratios, stdNs, fastNs = append(ratios, f/s), append(stdNs, s), append(fastNs, f)
	}
	b.ReportMetric(median(ratios), "fast/std")
	b.ReportMetric(median(stdNs), "std-ns/op")
	b.ReportMetric(median(fastNs), "fast-ns/op")
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
