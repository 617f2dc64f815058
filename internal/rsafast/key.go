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
	bits := pub.N.BitLen()
	if bits < MinBits || bits > MaxBits {
		return nil, false
	}
	k := (bits + limbBits - 1) / limbBits
	rr := new(big.Int).Lsh(big.NewInt(1), uint(2*k*limbBits))
	rr.Mod(rr, pub.N)
	m := modulus{n: limbsFromBig(pub.N, k), rr: limbsFromBig(rr, k)}
	m.n0 = negInverse(m.n[0])
	return &PublicKey{pub: pub, std: stdHasAsm(k), size: (bits + 7) / 8, bits: bits, m: m}, true
}

// stdHasAsm reports whether crypto/rsa has assembly for a k-limb modulus on
// this architecture (crypto/internal/fips140/bigmod: nat_asm.go has unrolled
// loops for 2048-bit moduli). There crypto/rsa beats these Go loops natively
// even with its per-call setup (measured on amd64: 28 µs against 37 µs), so
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

// limbsFromBig returns x as k little-endian limbs; x must fit.
func limbsFromBig(x *big.Int, k int) []limb {
	buf := x.FillBytes(make([]byte, k*limbBits/8))
	z := make([]limb, k)
	setBytes(z, buf)
	return z
}
