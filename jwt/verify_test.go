package jwt

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

func TestVerify_EveryAlgorithm(t *testing.T) {
	k := keys(t)
	for _, alg := range SupportedAlgorithms() {
		t.Run(alg, func(t *testing.T) {
			tok, err := Parse(mintValid(t, alg))
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			c, err := Verify(tok, k.set, expected())
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if got := c.Get("sub").String(); got != "f3a1c2d4-user" {
				t.Errorf("claims sub = %q", got)
			}
			// Without a kid, the keys that fit alg are tried.
			tok, err = Parse(mint(t, alg, k.signerByAlg[alg], nil, validClaims()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(tok, k.set, expected()); err != nil {
				t.Errorf("Verify() without kid error = %v", err)
			}
		})
	}
}

// TestVerify_Rejections has one case per signature-stage rejection reason.
func TestVerify_Rejections(t *testing.T) {
	k := keys(t)
	only := func(kids ...string) *jwks.Set {
		var ks []*jwks.Key
		for _, kid := range kids {
			ks = append(ks, k.publicKeyByKid[kid])
		}
		return jwks.NewSet(ks...)
	}
	withAlgs := func(algs ...string) *Expected {
		w := expected()
		w.Algorithms = algs
		return w
	}
	rsaPinned := &jwks.Key{ID: "rsa-1", Alg: "RS384", Type: jwks.KeyRSA, RSA: &k.rsa.PublicKey}
	tests := []struct {
		name    string
		token   string
		keys    *jwks.Set
		want    *Expected
		wantErr error
		alsoIs  error
	}{
		{name: "alg not implemented", token: mintRaw(t, "HS256", k.secret, `{"alg":"HS1"}`, `{}`), keys: k.set, want: expected(), wantErr: ErrUnsupportedAlg},
		{name: "alg lowercase", token: mintRaw(t, "RS256", k.rsa, `{"alg":"rs256"}`, `{}`), keys: k.set, want: expected(), wantErr: ErrUnsupportedAlg},
		{name: "empty allowlist", token: mintValid(t, "RS256"), keys: k.set, want: withAlgs(), wantErr: ErrAlgNotAllowed},
		{name: "alg outside allowlist", token: mintValid(t, "HS256"), keys: k.set, want: withAlgs("RS256", "ES256"), wantErr: ErrAlgNotAllowed},
		{name: "nil expectations", token: mintValid(t, "RS256"), keys: k.set, want: nil, wantErr: ErrAlgNotAllowed},
		{name: "nil key set", token: mintValid(t, "RS256"), keys: nil, want: expected(), wantErr: ErrNoKeys},
		{name: "empty key set", token: mintValid(t, "RS256"), keys: jwks.NewSet(), want: expected(), wantErr: ErrNoKeys},
		{name: "unknown kid", token: mint(t, "RS256", k.rsa, header{"kid": "rotated-away"}, validClaims()), keys: k.set, want: expected(), wantErr: ErrUnknownKid, alsoIs: jwks.ErrUnknownKid},
		{name: "kid names a key of another type", token: mint(t, "RS256", k.rsa, header{"kid": "ec-256"}, validClaims()), keys: k.set, want: expected(), wantErr: ErrAlgKeyMismatch, alsoIs: jwks.ErrNoKeyForAlg},
		{name: "ES256 with only a P-384 key", token: mint(t, "ES256", k.p256, nil, validClaims()), keys: only("ec-384"), want: expected(), wantErr: ErrAlgKeyMismatch, alsoIs: jwks.ErrNoKeyForAlg},
		{name: "alg differs from the JWK alg", token: mintValid(t, "RS256"), keys: jwks.NewSet(rsaPinned), want: expected(), wantErr: ErrAlgKeyMismatch},
		{name: "no key fits, no kid", token: mint(t, "EdDSA", k.ed, nil, validClaims()), keys: only("rsa-1", "hmac-1"), want: expected(), wantErr: ErrAlgKeyMismatch},
		{name: "wrong RSA key", token: mint(t, "RS256", k.rsaOther, header{"kid": "rsa-1"}, validClaims()), keys: k.set, want: expected(), wantErr: ErrBadSignature},
		{name: "wrong HMAC secret", token: mint(t, "HS256", k.secretOther, nil, validClaims()), keys: k.set, want: expected(), wantErr: ErrBadSignature},
		{name: "PKCS1v15 signature labelled PS256", token: resign(t, mint(t, "RS256", k.rsa, nil, validClaims()), `{"alg":"PS256"}`, "RS256", k.rsa), keys: k.set, want: expected(), wantErr: ErrBadSignature},
		{name: "payload changed after signing", token: swapPayload(t, mintValid(t, "ES256"), claims{"iss": testIssuer, "aud": "api", "sub": "admin"}), keys: k.set, want: expected(), wantErr: ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Parse(tc.token)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			c, err := Verify(tok, tc.keys, tc.want)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify() error = %v, want %v", err, tc.wantErr)
			}
			if tc.alsoIs != nil && !errors.Is(err, tc.alsoIs) {
				t.Errorf("Verify() error = %v, want it to wrap %v too", err, tc.alsoIs)
			}
			if c != nil {
				t.Errorf("Verify() claims = %s with an error", c.JSON())
			}
		})
	}
}

// TestVerify_TriesEveryCandidate: two keys share a kid (rotation overlap); the second verifies.
func TestVerify_TriesEveryCandidate(t *testing.T) {
	k := keys(t)
	set := jwks.NewSet(
		&jwks.Key{ID: "shared", Type: jwks.KeyRSA, RSA: &k.rsaOther.PublicKey},
		&jwks.Key{ID: "shared", Type: jwks.KeyRSA, RSA: &k.rsa.PublicKey},
	)
	tok, err := Parse(mint(t, "PS512", k.rsa, header{"kid": "shared"}, validClaims()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(tok, set, expected()); err != nil {
		t.Fatalf("Verify() error = %v", err)
	}
	set = jwks.NewSet(set.Keys()[0], set.Keys()[0])
	if _, err := Verify(tok, set, expected()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify() with no matching key error = %v, want %v", err, ErrBadSignature)
	}
}

// TestVerify_ClaimsAfterSignature: a validly signed token still fails on its claims.
func TestVerify_ClaimsAfterSignature(t *testing.T) {
	k := keys(t)
	c := validClaims()
	c["iss"] = "https://evil.example"
	tok, err := Parse(mint(t, "EdDSA", k.ed, nil, c))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(tok, k.set, expected()); !errors.Is(err, ErrIssuer) {
		t.Fatalf("Verify() error = %v, want %v", err, ErrIssuer)
	}
}

// Test_verifySignature_KeyTypeGuards: verifySignature itself refuses a key of the wrong
// family or curve, whatever Lookup did.
func Test_verifySignature_KeyTypeGuards(t *testing.T) {
	k := keys(t)
	input := []byte("eyJhbGciOiJIUzI1NiJ9.e30")
	tests := []struct {
		name string
		alg  string
		key  *jwks.Key
		sig  []byte
	}{
		{name: "HS256 with RSA key", alg: "HS256", key: k.publicKeyByKid["rsa-1"], sig: make([]byte, 32)},
		{name: "HS256 with short secret", alg: "HS256", key: &jwks.Key{Type: jwks.KeyOct, Secret: []byte("short")}, sig: make([]byte, 32)},
		{name: "RS256 with oct key", alg: "RS256", key: k.publicKeyByKid["hmac-1"], sig: make([]byte, 256)},
		{name: "RS256 with nil RSA", alg: "RS256", key: &jwks.Key{Type: jwks.KeyRSA}, sig: make([]byte, 256)},
		{name: "ES384 with P-256 key", alg: "ES384", key: k.publicKeyByKid["ec-256"], sig: make([]byte, 96)},
		{name: "ES256 with nil EC", alg: "ES256", key: &jwks.Key{Type: jwks.KeyEC}, sig: make([]byte, 64)},
		{name: "EdDSA with short key", alg: "EdDSA", key: &jwks.Key{Type: jwks.KeyOKP, Ed25519: make([]byte, 31)}, sig: make([]byte, 64)},
		{name: "nil key", alg: "EdDSA", key: nil, sig: make([]byte, 64)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := verifySignature(tc.alg, tc.key, input, tc.sig); !errors.Is(err, ErrAlgKeyMismatch) {
				t.Fatalf("verifySignature() error = %v, want %v", err, ErrAlgKeyMismatch)
			}
		})
	}
	if err := verifySignature("none", k.publicKeyByKid["hmac-1"], input, nil); !errors.Is(err, ErrUnsupportedAlg) {
		t.Errorf("verifySignature(none) error = %v, want %v", err, ErrUnsupportedAlg)
	}
}

// resign replaces a token's header and signs it again with alg and key.
func resign(t *testing.T, token, headerJSON, alg string, key any) string {
	t.Helper()
	tok, err := Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	return mintRaw(t, alg, key, headerJSON, string(tok.payload))
}

// swapPayload keeps header and signature but replaces the payload.
func swapPayload(t *testing.T, token string, c claims) string {
	t.Helper()
	parts := strings.Split(token, ".")
	return parts[0] + "." + b64url([]byte(mustJSON(t, c))) + "." + parts[2]
}
