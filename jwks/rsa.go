package jwks

import (
	"crypto"
	"crypto/rsa"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/internal/rsafast"
)

// newRSA wraps a parsed RSA public key, preparing its verifier once.
func newRSA(pub *rsa.PublicKey) *Key {
	k := &Key{Type: KeyRSA, RSA: pub}
	k.prepareRSA()
	return k
}

// prepareRSA precomputes the Montgomery state of the key (DESIGN.md "Keys are parsed once").
// Keys outside the fast path (e != 65537, sizes outside 2048-8192 bits) keep using crypto/rsa.
func (k *Key) prepareRSA() {
	if k.Type == KeyRSA && k.RSA != nil {
		k.rsaFast, _ = rsafast.New(k.RSA)
	}
}

// VerifyRSA checks an RSA signature over digest: PKCS#1 v1.5, or PSS with the salt as long as
// the hash (RFC 7518 section 3.5). Verdicts are those of crypto/rsa (internal/rsafast is
// fuzzed against it); the prepared verifier only saves the per-call key setup.
func (k *Key) VerifyRSA(hash crypto.Hash, pss bool, digest, sig []byte) error {
	if k.rsaFast != nil {
		if pss {
			return k.rsaFast.VerifyPSS(hash, digest, sig)
		}
		return k.rsaFast.VerifyPKCS1v15(hash, digest, sig)
	}
	if pss {
		return rsa.VerifyPSS(k.RSA, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return rsa.VerifyPKCS1v15(k.RSA, hash, digest, sig)
}
