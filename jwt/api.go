// Package jwt parses compact JWS tokens and verifies them against a key set and the claims a
// provider expects. Parse only reads; Verify decides. Pure Go, no I/O; JSON through gjson.
package jwt

import (
	"errors"
	"fmt"
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
	claims       Claims // payload, with the registered claims indexed by Parse
}

// Parse reads a compact JWS: exactly three segments of strict base64url without padding,
// header and payload JSON objects without duplicate top-level keys, alg present, crit only
// with names we understand (none today), five segments -> ErrJWE. It verifies nothing.
// Longer than MaxTokenBytes -> ErrTooLarge before any decoding; a nested token (cty "JWT")
// -> ErrMalformed. The token keeps one buffer holding the decoded segments.
func Parse(raw string) (*Token, error) {
	t := &Token{Raw: raw}
	if err := parse(t); err != nil {
		return nil, err
	}
	return t, nil
}

// UnverifiedIssuer is the payload's "iss", used only to pick a provider before verification.
// It is "" when iss is absent or not a string.
func (t *Token) UnverifiedIssuer() string {
	if iss := readValue(t.claims.std.iss); iss.Type == gjson.String {
		return iss.Str
	}
	return ""
}

// UnverifiedClaims gives the payload before any check. For routing and diagnostics only.
func (t *Token) UnverifiedClaims() *Claims { return &t.claims }

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
// The Claims returned belong to t. It returns claims only with a nil error.
func Verify(t *Token, keys *jwks.Set, want *Expected) (*Claims, error) {
	if want == nil {
		return nil, fmt.Errorf("%w: no expectations given (caller bug)", ErrAlgNotAllowed)
	}
	if err := VerifySignature(t, keys, want.Algorithms); err != nil {
		return nil, err
	}
	if err := CheckClaims(&t.claims, want); err != nil {
		return nil, err
	}
	return &t.claims, nil
}

// VerifySignature checks only the signature (alg allowlist, key lookup, crypto). In order:
// an alg we do not implement ("none" in any spelling among them) -> ErrUnsupportedAlg; an
// empty allowlist or an alg outside it -> ErrAlgNotAllowed; no keys -> ErrNoKeys; no key
// with the kid -> ErrUnknownKid; no key that fits alg -> ErrAlgKeyMismatch (both also wrap
// the jwks error); every candidate key failing -> ErrBadSignature.
func VerifySignature(t *Token, keys *jwks.Set, algorithms []string) error {
	if t == nil || t.Alg == "" {
		return fmt.Errorf("%w: no parsed token", ErrMalformed)
	}
	if lookupAlg(t.Alg) == nil {
		return fmt.Errorf("%w: %q", ErrUnsupportedAlg, clip(t.Alg))
	}
	if len(algorithms) == 0 {
		// go-jose v4's rule: no allowlist is a configuration error, never "anything goes".
		return fmt.Errorf("%w: no algorithms are configured", ErrAlgNotAllowed)
	}
	if !contains(algorithms, t.Alg) {
		return fmt.Errorf("%w: %s (allowed: %v)", ErrAlgNotAllowed, t.Alg, algorithms)
	}
	if keys == nil || keys.Len() == 0 {
		return fmt.Errorf("%w: the key set is empty", ErrNoKeys)
	}
	candidates, err := keys.Lookup(t.Kid, t.Alg)
	switch {
	case errors.Is(err, jwks.ErrUnknownKid):
		return fmt.Errorf("%w: kid %q: %w", ErrUnknownKid, clip(t.Kid), err)
	case errors.Is(err, jwks.ErrNoKeyForAlg):
		return fmt.Errorf("%w: %s, kid %q: %w", ErrAlgKeyMismatch, t.Alg, clip(t.Kid), err)
	case err != nil:
		return fmt.Errorf("%w: key lookup: %w", ErrNoKeys, err)
	case len(candidates) == 0:
		return fmt.Errorf("%w: no candidate key", ErrAlgKeyMismatch)
	}
	input := stringBytes(t.signingInput)
	for _, k := range candidates {
		if err = verifySignature(t.Alg, k, input, t.signature); err == nil {
			return nil
		}
	}
	if len(candidates) == 1 {
		return err
	}
	return fmt.Errorf("%w: %s, none of %d keys verifies", ErrBadSignature, t.Alg, len(candidates))
}

// CheckClaims checks iss, aud, exp, nbf, iat, lifetime against want. A verified-token cache
// hit still calls it, since time moves on. want.Now must be set.
func CheckClaims(c *Claims, want *Expected) error { return checkClaims(c, want) }

// Claims is a token's payload, read by gjson path ("realm_access.roles",
// "resource_access.my-client.roles", "tenants.#(id==prod).role"). It never changes after
// Parse or NewClaims, so it may be read concurrently.
type Claims struct {
	json  []byte
	std   registered  // filled when the payload walked cleanly; else CheckClaims scans
	index memberIndex // top-level members, for reads without a gjson scan (members.go)
}

// NewClaims wraps a JSON object (API keys acting as principals, tests). The bytes must not
// change afterwards. A payload Parse would accept is indexed at once, as Parse does; any
// other JSON is read with gjson as given.
func NewClaims(json []byte) *Claims {
	c := &Claims{json: json}
	if scanClaims(bytesString(json), &c.std, &c.index) != nil {
		c.std, c.index = registered{}, memberIndex{}
	}
	return c
}

// JSON is the payload as sent (for forward_payload_header).
func (c *Claims) JSON() []byte { return c.json }

// Get reads a claim by gjson path: exactly gjson.GetBytes(c.JSON(), path) (Index aside), but
// paths starting with a plain top-level name ("realm_access.roles") are read from the member
// index without scanning the payload. Names containing '.', ':' or other path characters must
// be escaped as gjson requires; use Claim for a top-level name taken literally.
func (c *Claims) Get(path string) gjson.Result { return c.get(path) }

// Claim reads a top-level claim by its literal name ("urn:inmanta:ct").
// Path characters in name have no meaning here.
func (c *Claims) Claim(name string) gjson.Result { return c.claim(name) }

// Expiry is "exp" as a time; ok is false when absent or not a number. Values beyond years
// 0001 and 9999 are clamped to them.
func (c *Claims) Expiry() (exp time.Time, ok bool) { return c.expiry() }
