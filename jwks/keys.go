package jwks

import (
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// Size rules shared by JWK and PEM keys.
const (
	minRSABits   = 2048 // NIST SP 800-131A; RFC 7518 section 3.3 requires at least 2048
	maxRSABits   = 8192 // bounds verification cost; no IdP we know publishes larger keys
	minSecretLen = 32   // RFC 7518 section 3.2: HS256 needs a key of at least 256 bits
)

// newRSAKey builds an RSA public key from unsigned big-endian n and e. Leading zero bytes
// are tolerated (some libraries emit them); the size is the modulus' bit length.
func newRSAKey(n, e []byte) (*rsa.PublicKey, error) {
	n, e = trimZeros(n), trimZeros(e)
	N := new(big.Int).SetBytes(n)
	switch bits := N.BitLen(); {
	case bits < minRSABits:
		return nil, fmt.Errorf("%w: RSA modulus has %d bits, need at least %d", ErrKeyWeak, bits, minRSABits)
	case bits > maxRSABits:
		return nil, fmt.Errorf("%w: RSA modulus has %d bits, at most %d are accepted", ErrKeyUnsupported, bits, maxRSABits)
	}
	if N.Bit(0) == 0 {
		return nil, fmt.Errorf("%w: RSA modulus is even", ErrKeyInvalid)
	}
	// crypto/rsa verifies only with an odd exponent in [3, 2^31-1]; refuse others here, once,
	// rather than fail every token.
	if len(e) > 4 {
		return nil, fmt.Errorf("%w: RSA exponent is longer than 4 bytes", ErrKeyUnsupported)
	}
	E := 0
	for _, b := range e {
		E = E<<8 | int(b)
	}
	switch {
	case E < 3 || E&1 == 0:
		return nil, fmt.Errorf("%w: RSA exponent %d must be odd and greater than 1", ErrKeyInvalid, E)
	case E > 1<<31-1:
		return nil, fmt.Errorf("%w: RSA exponent %d does not fit 31 bits", ErrKeyUnsupported, E)
	}
	return &rsa.PublicKey{N: N, E: E}, nil
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// newEd25519Key checks the size of an Ed25519 public key (RFC 8037 section 2). Whether the
// bytes decode to a curve point is checked by ed25519.Verify, which rejects such keys.
func newEd25519Key(x []byte) (ed25519.PublicKey, error) {
	if len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: Ed25519 key must be %d bytes, got %d", ErrKeyInvalid, ed25519.PublicKeySize, len(x))
	}
	return ed25519.PublicKey(x), nil
}

func checkSecret(secret []byte) error {
	if len(secret) < minSecretLen {
		return fmt.Errorf("%w: HMAC secret has %d bytes, need at least %d", ErrKeyWeak, len(secret), minSecretLen)
	}
	return nil
}

// minSecret is the shortest secret alg accepts: the hash size (RFC 7518 section 3.2).
func minSecret(alg string) int {
	switch alg {
	case "HS384":
		return 48
	case "HS512":
		return 64
	}
	return minSecretLen
}

// NewSecretKey makes an oct key from an HMAC secret configured inline (config decodes it;
// the bytes are copied). Secrets under 32 bytes are refused with ErrKeyWeak; HS384 and HS512
// need 48 and 64 bytes (see Fits).
func NewSecretKey(secret []byte, kid string) (*Key, error) {
	if err := checkSecret(secret); err != nil {
		return nil, err
	}
	return &Key{ID: kid, Type: KeyOct, Secret: append([]byte(nil), secret...)}, nil
}
