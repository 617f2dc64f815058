// Package rsafast verifies RSA signatures (PKCS #1 v1.5 and PSS) with keys
// prepared once: the Montgomery constants of the modulus are computed in New,
// so a verification is only the exponentiation by e = 65537 (one conversion,
// 16 squarings, one multiplication) and the padding check.
//
// crypto/rsa recomputes R² mod n on every call, which is a quarter of the cost
// inside wasm and over half of it natively. Verdicts are identical to
// crypto/rsa (checked by differential fuzzing in this package).
//
// Everything here handles public data only (public key, signature, digest),
// so the code does not try to run in constant time.
package rsafast

import (
	"crypto/rsa"
	"math/big"
	"math/bits"
	"runtime"
)

// Sizes of the fast path, in bits of the modulus.
const (
	MinBits = 2048
	MaxBits = 8192
)

// PublicKey is an RSA public key prepared for repeated verification. It is
// immutable after New and safe for concurrent use.
type PublicKey struct {
	pub  *rsa.PublicKey // kept for hashes the fast path does not cover
	std  bool           // crypto/rsa is faster for this key here (stdHasAsm)
	size int            // modulus length in bytes
	bits int            // modulus length in bits
	m    modulus
}

// modulus holds n and its Montgomery constants, R = 2^(limbBits*len(n)).
type modulus struct {
	n  []limb // little-endian limbs
	n0 limb   // -n⁻¹ mod 2^limbBits
	rr []limb // R² mod n
}

// New prepares pub. It reports false when the key is outside the fast path
// (e != 65537, size outside MinBits..MaxBits, even modulus); the caller then
// uses crypto/rsa.
func New(pub *rsa.PublicKey) (*PublicKey, bool) {
	if pub == nil || pub.N == nil || pub.E != 65537 || pub.N.Bit(0) == 0 {
		return nil, false
	}
	nbits := pub.N.BitLen()
	if nbits < MinBits || nbits > MaxBits {
		return nil, false
	}
	k := (nbits + limbBits - 1) / limbBits
	m := modulus{n: limbsFromBig(pub.N, k)}
	m.n0 = negInverse(m.n[0])
	m.rr = m.computeRR(nbits)
	return &PublicKey{pub: pub, std: stdHasAsm(k), size: (nbits + 7) / 8, bits: nbits, m: m}, true
}

// stdHasAsm reports whether crypto/rsa has assembly for a k-limb modulus on
// this architecture (crypto/internal/fips140/bigmod: nat_asm.go has unrolled
// loops for 2048-bit moduli). There crypto/rsa beats these Go loops natively
// even with its per-call setup (amd64: 27 µs against 33 µs, BenchmarkRatio), so
// the methods hand such keys to crypto/rsa. Inside wasm, the target of this
// package, and for other sizes, the Go loops are faster.
func stdHasAsm(k int) bool {
	switch runtime.GOARCH {
	case "386", "amd64", "arm", "arm64", "loong64", "ppc64", "ppc64le", "riscv64", "s390x":
		return k*limbBits == 2048
	}
	return false
}

// Size returns the modulus length in bytes.
func (k *PublicKey) Size() int { return k.size }

// negInverse returns -x⁻¹ mod 2^limbBits for odd x, by Newton's iteration:
// each step doubles the number of correct low bits (x*x ≡ 1 mod 8 to start).
func negInverse(x limb) limb {
	inv := x
	for range 5 { // 3, 6, 12, 24, 48, 96 bits
		inv *= 2 - x*inv
	}
	return -inv
}

// computeRR returns R² mod n with the Montgomery arithmetic itself (no
// division): 2^(nbits-1) < n doubled up to R mod n, the Montgomery form of 1;
// then square-and-double along the bits of log2(R) = 64k gives the Montgomery
// form of 2^(64k), which is R*R mod n.
func (m *modulus) computeRR(nbits int) []limb {
	k := len(m.n)
	x, t := make([]limb, k), make([]limb, 2*k)
	x[(nbits-1)/limbBits] = 1 << ((nbits - 1) % limbBits)
	for range k*limbBits - nbits + 1 {
		m.double(x)
	}
	e := k * limbBits
	for i := bits.Len(uint(e)) - 1; i >= 0; i-- {
		m.sqr(x, x, t)
		if e>>i&1 == 1 {
			m.double(x)
		}
	}
	return x
}

// limbsFromBig returns x as k little-endian limbs; x must fit.
func limbsFromBig(x *big.Int, k int) []limb {
	buf := x.FillBytes(make([]byte, k*limbBits/8))
	z := make([]limb, k)
	setBytes(z, buf)
	return z
}
