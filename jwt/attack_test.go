package jwt

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// TestAttacks: known JWT attacks, each refused with its reason.
func TestAttacks(t *testing.T) {
	k := keys(t)
	payload := mustJSON(t, validClaims())
	unsigned := func(alg, sig string) string {
		return b64url([]byte(fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg))) + "." + b64url([]byte(payload)) + "." + sig
	}
	// The RSA public key as an attacker finds it: PEM (PKIX and PKCS #1) and JWK text.
	pkix, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemPKIX := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	pemPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)})
	jwkText := []byte(fmt.Sprintf(`{"kty":"RSA","kid":"rsa-1","n":%q,"e":"AQAB"}`, b64url(k.rsa.N.Bytes())))
	rsaOnly := jwks.NewSet(k.publicKeyByKid["rsa-1"])

	// ES256 signature in ASN.1 DER, as crypto/ecdsa emits it.
	esInput := b64url([]byte(`{"alg":"ES256","kid":"ec-256"}`)) + "." + b64url([]byte(payload))
	digest := sum(algES256.hash, []byte(esInput), nil)
	der, err := ecdsa.SignASN1(rand.Reader, k.p256, digest)
	if err != nil {
		t.Fatal(err)
	}

	valid := mintValid(t, "RS256")
	stripped := valid[:strings.LastIndexByte(valid, '.')+1]

	// An attacker key embedded in or referenced by the header, the token signed with it.
	attacker, err := ecdsa.GenerateKey(k.p256.Curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	attackerJWK := fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q}`,
		b64url(attacker.X.FillBytes(make([]byte, 32))), b64url(attacker.Y.FillBytes(make([]byte, 32))))
	embedded := func(member string) string {
		return mintRaw(t, "ES256", attacker, `{"alg":"ES256",`+member+`}`, payload)
	}

	tests := []struct {
		name    string
		token   string
		keys    *jwks.Set
		algs    []string
		wantErr error
	}{
		{name: "alg none", token: unsigned("none", ""), wantErr: ErrUnsupportedAlg},
		{name: "alg None", token: unsigned("None", ""), wantErr: ErrUnsupportedAlg},
		{name: "alg NONE", token: unsigned("NONE", ""), wantErr: ErrUnsupportedAlg},
		{name: "alg nOnE", token: unsigned("nOnE", ""), wantErr: ErrUnsupportedAlg},
		{name: "alg none with a signature", token: unsigned("none", "AAAA"), wantErr: ErrUnsupportedAlg},
		{name: "alg none allowed by configuration", token: unsigned("none", ""), algs: []string{"none", "RS256"}, wantErr: ErrUnsupportedAlg},
		{name: "HS256 keyed with RSA PKIX PEM", token: mint(t, "HS256", pemPKIX, header{"kid": "rsa-1"}, validClaims()), keys: rsaOnly, wantErr: ErrAlgKeyMismatch},
		{name: "HS256 keyed with RSA PKCS1 PEM", token: mint(t, "HS256", pemPKCS1, header{"kid": "rsa-1"}, validClaims()), keys: rsaOnly, wantErr: ErrAlgKeyMismatch},
		{name: "HS256 keyed with RSA JWK text", token: mint(t, "HS256", jwkText, header{"kid": "rsa-1"}, validClaims()), keys: rsaOnly, wantErr: ErrAlgKeyMismatch},
		{name: "HS256 keyed with RSA PEM, no kid", token: mint(t, "HS256", pemPKIX, nil, validClaims()), keys: rsaOnly, wantErr: ErrAlgKeyMismatch},
		{name: "HS256 keyed with RSA PEM, mixed set", token: mint(t, "HS256", pemPKIX, header{"kid": "rsa-1"}, validClaims()), keys: k.set, wantErr: ErrAlgKeyMismatch},
		{name: "HS256 keyed with RSA modulus bytes, no kid, mixed set", token: mint(t, "HS256", k.rsa.N.Bytes(), nil, validClaims()), keys: k.set, wantErr: ErrBadSignature},
		{name: "ES256 DER signature", token: esInput + "." + b64url(der), wantErr: ErrBadSignature},
		{name: "signature stripped", token: stripped, wantErr: ErrBadSignature},
		{name: "signature from another token", token: stripped + splitLast(mint(t, "RS256", k.rsa, header{"typ": "JWT", "kid": "rsa-1"}, with(validClaims(), "sub", "other"))), wantErr: ErrBadSignature},
		{name: "kid path traversal", token: mint(t, "HS256", k.secret, header{"kid": "../../../../dev/null"}, validClaims()), wantErr: ErrUnknownKid},
		{name: "kid SQL injection", token: mint(t, "HS256", k.secret, header{"kid": "x' UNION SELECT 'secret'--"}, validClaims()), wantErr: ErrUnknownKid},
		{name: "kid 10 KB", token: mint(t, "RS256", k.rsa, header{"kid": strings.Repeat("k", 10<<10)}, validClaims()), wantErr: ErrUnknownKid},
		{name: "kid with NUL", token: mint(t, "RS256", k.rsa, header{"kid": "rsa-1\x00"}, validClaims()), wantErr: ErrUnknownKid},
		{name: "jwk embedded", token: embedded(`"jwk":` + attackerJWK), wantErr: ErrBadSignature},
		{name: "jwk embedded with its own kid", token: embedded(`"kid":"attacker","jwk":` + attackerJWK), wantErr: ErrUnknownKid},
		{name: "jku to attacker", token: embedded(`"jku":"https://evil.example/jwks.json"`), wantErr: ErrBadSignature},
		{name: "x5u to attacker", token: embedded(`"x5u":"https://evil.example/cert.pem"`), wantErr: ErrBadSignature},
		{name: "x5c chain", token: embedded(`"x5c":["MIIBszCCAVmgAwIBAgIU"]`), wantErr: ErrBadSignature},
		{name: "crit", token: mintRaw(t, "RS256", k.rsa, `{"alg":"RS256","crit":["http://example.com/x"],"http://example.com/x":true}`, payload), wantErr: ErrCrit},
		{name: "duplicate alg", token: mintRaw(t, "HS256", k.secret, `{"alg":"RS256","alg":"HS256"}`, payload), wantErr: ErrMalformed},
		{name: "duplicate sub", token: mintRaw(t, "RS256", k.rsa, `{"alg":"RS256"}`, strings.Replace(payload, `{`, `{"sub":"admin",`, 1)), wantErr: ErrMalformed},
		{name: "exp as string", token: mint(t, "RS256", k.rsa, nil, with(validClaims(), "exp", "9999999999")), wantErr: ErrClaimType},
		{name: "exp negative", token: mint(t, "RS256", k.rsa, nil, with(validClaims(), "exp", -1)), wantErr: ErrExpired},
		{name: "exp fractional, past", token: mint(t, "RS256", k.rsa, nil, with(validClaims(), "exp", float64(base.Unix())-60.5)), wantErr: ErrExpired},
		{name: "exp huge (1e400)", token: mintRaw(t, "RS256", k.rsa, `{"alg":"RS256"}`, strings.Replace(payload, `"exp":`, `"exp":1e400,"x":`, 1)), wantErr: ErrClaimType},
		{name: "iat in the future", token: mint(t, "RS256", k.rsa, nil, with(validClaims(), "iat", base.Unix()+3600)), wantErr: ErrIssuedInFuture},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, want := k.set, expected()
			if tc.keys != nil {
				set = tc.keys
			}
			if tc.algs != nil {
				want.Algorithms = tc.algs
			}
			tok, err := Parse(tc.token)
			var c *Claims
			if err == nil {
				c, err = Verify(tok, set, want)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse+Verify error = %v, want %v", err, tc.wantErr)
			}
			if c != nil {
				t.Fatalf("Verify() returned claims with error %v", err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error detail is %d bytes; attacker text must be clipped", len(err.Error()))
			}
		})
	}
}

func splitLast(token string) string { return token[strings.LastIndexByte(token, '.')+1:] }

func with(c claims, k string, v any) claims {
	c[k] = v
	return c
}
