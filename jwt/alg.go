package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// algorithm is one JWS "alg" (RFC 7518 section 3) we verify.
type algorithm struct {
	name   string
	family jwks.KeyType
	hash   crypto.Hash
	pss    bool           // RSASSA-PSS instead of PKCS #1 v1.5
	curve  elliptic.Curve // ES*
	sigLen int            // exact signature length; 0 for RSA (the modulus size)
}

var (
	algRS256 = algorithm{name: "RS256", family: jwks.KeyRSA, hash: crypto.SHA256}
	algRS384 = algorithm{name: "RS384", family: jwks.KeyRSA, hash: crypto.SHA384}
	algRS512 = algorithm{name: "RS512", family: jwks.KeyRSA, hash: crypto.SHA512}
	algPS256 = algorithm{name: "PS256", family: jwks.KeyRSA, hash: crypto.SHA256, pss: true}
	algPS384 = algorithm{name: "PS384", family: jwks.KeyRSA, hash: crypto.SHA384, pss: true}
	algPS512 = algorithm{name: "PS512", family: jwks.KeyRSA, hash: crypto.SHA512, pss: true}
	// ES*: raw r||s, each the curve's byte size (RFC 7518 section 3.4); DER is not JWS.
	algES256 = algorithm{name: "ES256", family: jwks.KeyEC, hash: crypto.SHA256, curve: elliptic.P256(), sigLen: 64}
	algES384 = algorithm{name: "ES384", family: jwks.KeyEC, hash: crypto.SHA384, curve: elliptic.P384(), sigLen: 96}
	algES512 = algorithm{name: "ES512", family: jwks.KeyEC, hash: crypto.SHA512, curve: elliptic.P521(), sigLen: 132}
	algEdDSA = algorithm{name: "EdDSA", family: jwks.KeyOKP, sigLen: ed25519.SignatureSize}
	algHS256 = algorithm{name: "HS256", family: jwks.KeyOct, hash: crypto.SHA256, sigLen: 32}
	algHS384 = algorithm{name: "HS384", family: jwks.KeyOct, hash: crypto.SHA384, sigLen: 48}
	algHS512 = algorithm{name: "HS512", family: jwks.KeyOct, hash: crypto.SHA512, sigLen: 64}
)

// SupportedAlgorithms lists every alg Verify implements (a fresh slice each call), for
// configuration defaults and checks. "none" is not among them and never will be.
func SupportedAlgorithms() []string {
	return []string{
		"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
	}
}

// lookupAlg finds an alg by its exact, case-sensitive name (RFC 7515 section 4.1.1).
func lookupAlg(name string) *algorithm {
	switch name {
	case "RS256":
		return &algRS256
	case "RS384":
		return &algRS384
	case "RS512":
		return &algRS512
	case "PS256":
		return &algPS256
	case "PS384":
		return &algPS384
	case "PS512":
		return &algPS512
	case "ES256":
		return &algES256
	case "ES384":
		return &algES384
	case "ES512":
		return &algES512
	case "EdDSA":
		return &algEdDSA
	case "HS256":
		return &algHS256
	case "HS384":
		return &algHS384
	case "HS512":
		return &algHS512
	}
	return nil
}

var errSigLength = errors.New("wrong signature length")

// verifySignature checks sig over signingInput with one key. It reads only the key member
// of alg's family, so an HMAC alg can never use RSA or EC key material as its secret: a key
// of another type is ErrAlgKeyMismatch, whatever the caller passes.
func verifySignature(alg string, key *jwks.Key, signingInput, sig []byte) error {
	a := lookupAlg(alg)
	if a == nil {
		return fmt.Errorf("%w: %q", ErrUnsupportedAlg, clip(alg))
	}
	if key == nil || key.Type != a.family || (key.Alg != "" && key.Alg != a.name) {
		return fmt.Errorf("%w: %s with this key", ErrAlgKeyMismatch, a.name)
	}
	if a.sigLen != 0 && len(sig) != a.sigLen {
		return fmt.Errorf("%w: %s: %d bytes, want %d", ErrBadSignature, a.name, len(sig), a.sigLen)
	}
	var ok bool
	switch a.family {
	case jwks.KeyRSA:
		if key.RSA == nil {
			return fmt.Errorf("%w: RSA key is empty", ErrAlgKeyMismatch)
		}
		var buf [64]byte
		digest := sum(a.hash, signingInput, buf[:0])
		// RFC 7518 section 3.5: a PSS salt is as long as the hash output.
		ok = key.VerifyRSA(a.hash, a.pss, digest, sig) == nil
	case jwks.KeyEC:
		if key.EC == nil || key.EC.Curve != a.curve {
			return fmt.Errorf("%w: %s needs an EC key on %s", ErrAlgKeyMismatch, a.name, a.curve.Params().Name)
		}
		var buf [64]byte
		digest := sum(a.hash, signingInput, buf[:0])
		var der [2*(3+67) + 3]byte
		ok = ecdsa.VerifyASN1(key.EC, digest, rawToDER(der[:0], sig))
	case jwks.KeyOKP:
		if len(key.Ed25519) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: EdDSA needs an Ed25519 key", ErrAlgKeyMismatch)
		}
		ok = ed25519.Verify(key.Ed25519, signingInput, sig)
	case jwks.KeyOct:
		// RFC 7518 section 3.2: a secret shorter than the hash output is not allowed.
		if len(key.Secret) < a.sigLen {
			return fmt.Errorf("%w: %s needs a secret of at least %d bytes", ErrAlgKeyMismatch, a.name, a.sigLen)
		}
		mac := hmac.New(newHash(a.hash), key.Secret)
		mac.Write(signingInput)
		var buf [64]byte
		ok = hmac.Equal(mac.Sum(buf[:0]), sig) // constant time; lengths already equal
	default:
		return fmt.Errorf("%w: %s", ErrAlgKeyMismatch, a.name)
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrBadSignature, a.name)
	}
	return nil
}

// sum hashes msg into dst (on the caller's stack).
func sum(h crypto.Hash, msg, dst []byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(msg)
		return append(dst, s[:]...)
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return append(dst, s[:]...)
	default:
		s := sha512.Sum512(msg)
		return append(dst, s[:]...)
	}
}

func newHash(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA256:
		return sha256.New
	case crypto.SHA384:
		return sha512.New384
	default:
		return sha512.New
	}
}

// rawToDER re-encodes a JWS ECDSA signature (r||s, equal halves) as the ASN.1
// SEQUENCE { INTEGER r, INTEGER s } that crypto/ecdsa verifies, without big.Int.
func rawToDER(dst, sig []byte) []byte {
	half := len(sig) / 2
	var body [2 * (3 + 67)]byte
	content := appendDERInt(appendDERInt(body[:0], sig[:half]), sig[half:])
	dst = append(dst, 0x30)
	if len(content) >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(len(content)))
	return append(dst, content...)
}

// appendDERInt appends v (big-endian, unsigned) as a minimal DER INTEGER.
func appendDERInt(dst, v []byte) []byte {
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	n := len(v)
	pad := v[0]&0x80 != 0
	if pad {
		n++
	}
	dst = append(dst, 0x02, byte(n))
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, v...)
}
