// Package jwks parses JSON Web Key Sets (RFC 7517, RFC 8037) and PEM public keys into
// verification keys, decoded once per set, and finds the keys that may verify a token.
// It performs no I/O: the fetch/refresh state machine is told the time and handed bytes.
package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/internal/rsafast"
)

// KeyType is the JWK "kty" family of a key.
type KeyType uint8

const (
	KeyRSA KeyType = iota + 1 // "RSA"
	KeyEC                     // "EC": P-256, P-384, P-521
	KeyOKP                    // "OKP": Ed25519 only
	KeyOct                    // "oct": HMAC secret
)

// Key is one verification key. Exactly one of RSA, EC, Ed25519, Secret is set, per Type.
type Key struct {
	ID      string // "kid"; empty when the JWK or PEM had none
	Alg     string // the JWK "alg" when present: the token's alg must then equal it
	Type    KeyType
	RSA     *rsa.PublicKey
	EC      *ecdsa.PublicKey
	Ed25519 ed25519.PublicKey
	Secret  []byte

	rsaFast *rsafast.PublicKey // RSA verifier prepared once per key; nil outside its fast path
}

// Limits bound what a key set may cost to parse and hold. A zero (or negative) field takes
// the DefaultLimits value, so the zero Limits is safe.
type Limits struct {
	MaxBytes int // a larger body is refused with ErrTooLarge
	MaxKeys  int // a set with more entries is refused with ErrTooManyKeys
}

// DefaultLimits suit every IdP we know of (Keycloak, Dex, Okta, Auth0, Azure AD publish < 10 keys).
var DefaultLimits = Limits{MaxBytes: 256 << 10, MaxKeys: 100}

// Errors are classes; details are wrapped behind them (check with errors.Is).
var (
	ErrMalformed      = errors.New("key set is malformed")
	ErrTooLarge       = errors.New("key set is too large")
	ErrTooManyKeys    = errors.New("key set has too many keys")
	ErrNoUsableKeys   = errors.New("key set has no usable key")
	ErrKeyInvalid     = errors.New("key is invalid")     // bad encoding, point off curve, private members, ...
	ErrKeyWeak        = errors.New("key is too weak")    // RSA under 2048 bits, HMAC secret under 32 bytes
	ErrKeyUnsupported = errors.New("key is unsupported") // unknown kty/crv/alg, use != sig, key_ops without verify
	ErrUnknownKid     = errors.New("no key with the token's kid")
	ErrNoKeyForAlg    = errors.New("no key fits the token's algorithm")
)
