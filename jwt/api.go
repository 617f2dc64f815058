// Package jwt parses compact JWS tokens and verifies them against a key set and the claims a
// provider expects. Parse only reads; Verify decides. Pure Go, no I/O; JSON through gjson.
package jwt

import (
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// MaxTokenBytes is the default bound on a token's length.
const MaxTokenBytes = 16 << 10

// Token is a parsed, unverified compact JWS.
type Token struct {
	Raw string
	Alg string // header "alg"
	Kid string // header "kid" ("" when absent)
	Typ string // header "typ"

	header       []byte // decoded header JSON
	payload      []byte // decoded payload JSON
	signingInput string // Raw up to the second '.'
	signature    []byte
}

// Parse reads a compact JWS: exactly three segments of strict base64url without padding,
// header and payload JSON objects without duplicate top-level keys, alg present, crit only
// with names we understand (none today), five segments -> ErrJWE. It verifies nothing.
func Parse(raw string) (*Token, error) { panic("TODO(jwt)") }

// UnverifiedIssuer is the payload's "iss", used only to pick a provider before verification.
func (t *Token) UnverifiedIssuer() string { panic("TODO(jwt)") }

// UnverifiedClaims gives the payload before any check. For routing and diagnostics only.
func (t *Token) UnverifiedClaims() *Claims { return &Claims{json: t.payload} }

// Expected is what one provider accepts. Algorithms must not be empty (Verify refuses).
type Expected struct {
	Issuer            string   // exact match; "" accepts any iss
	Audiences         []string // any one matches aud (string or array); empty accepts any
	Algorithms        []string // allowlist; "none" is never accepted
	ClockSkew         time.Duration
	RequireExpiration bool
	MaxLifetime       time.Duration // 0: no bound; else exp - iat (or exp - now without iat) must not exceed it
	Now               time.Time
}

// Verify checks the signature with keys (alg in want.Algorithms AND fitting the key), then
// the claims (CheckClaims). Keys named by the token (jku, x5u, jwk, x5c) are never used.
func Verify(t *Token, keys *jwks.Set, want *Expected) (*Claims, error) { panic("TODO(jwt)") }

// VerifySignature checks only the signature (alg allowlist, key lookup, crypto).
func VerifySignature(t *Token, keys *jwks.Set, algorithms []string) error { panic("TODO(jwt)") }

// CheckClaims checks iss, aud, exp, nbf, iat, lifetime against want. A verified-token cache
// hit still calls it, since time moves on.
func CheckClaims(c *Claims, want *Expected) error { panic("TODO(jwt)") }

// Claims is a token's payload, read by gjson path ("realm_access.roles",
// "resource_access.my-client.roles", "tenants.#(id==prod).role").
type Claims struct {
	json []byte
}

// NewClaims wraps a JSON object (API keys acting as principals, tests).
func NewClaims(json []byte) *Claims { return &Claims{json: json} }

// JSON is the payload as sent (for forward_payload_header).
func (c *Claims) JSON() []byte { return c.json }

// Get reads a claim by gjson path. Names containing '.', ':' or other path characters must be
// escaped as gjson requires; use Claim for a top-level name taken literally.
func (c *Claims) Get(path string) gjson.Result { return gjson.GetBytes(c.json, path) }

// Claim reads a top-level claim by its literal name ("urn:inmanta:ct").
func (c *Claims) Claim(name string) gjson.Result { panic("TODO(jwt)") }

// Expiry is "exp" as a time; ok is false when absent.
func (c *Claims) Expiry() (exp time.Time, ok bool) { panic("TODO(jwt)") }
