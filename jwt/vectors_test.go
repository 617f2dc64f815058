package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// Known-answer vectors, transcribed from the RFC texts (public keys, compact serializations).
// RFC 7515 appendix A.1-A.4 (JWS examples), RFC 7520 section 4.1-4.4 (JOSE cookbook, keys of
// sections 3.3 and 3.5, the P-521 key of 3.1) and RFC 8037 appendix A.4 (Ed25519, key of A.2).

// rfc7515Payload is the payload of A.1-A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n ...}.
const rfc7515Payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

const (
	rfc7515A1Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + rfc7515Payload +
		".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfc7515A1Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"

	rfc7515A2Token = "eyJhbGciOiJSUzI1NiJ9." + rfc7515Payload + "." +
		"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
	rfc7515A2N = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"

	rfc7515A3Token = "eyJhbGciOiJFUzI1NiJ9." + rfc7515Payload + "." +
		"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
	rfc7515A3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
	rfc7515A3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"

	// A.4's payload is the text "Payload", not JSON: checked at the signature level.
	rfc7515A4Token = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA." +
		"AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn"
	rfc7515A4X = "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk"
	rfc7515A4Y = "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"
)

// RFC 7520: the payload of section 4 is a quote from The Fellowship of the Ring (not JSON).
const (
	rfc7520Payload = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH" +
		"lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk" +
		"b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm" +
		"UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
	rfc7520RSAN = "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT" +
		"-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqV" +
		"wGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-" +
		"oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde" +
		"3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuC" +
		"LqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5g" +
		"HdrNP5zw"
	rfc7520ECX = "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9" +
		"A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt"
	rfc7520ECY = "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVy" +
		"SsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"
	rfc7520HMACKey = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"

	rfc7520Sec41Header = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX" +
		"hhbXBsZSJ9"
	rfc7520Sec41Sig = "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmK" +
		"ZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4J" +
		"IwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w" +
		"W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluP" +
		"xUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_f" +
		"cIe8u9ipH84ogoree7vjbU5y18kDquDg"
	rfc7520Sec42Header = "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX" +
		"hhbXBsZSJ9"
	rfc7520Sec42Sig = "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2I" +
		"pN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXU" +
		"vdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRX" +
		"e8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT" +
		"0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a" +
		"6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw"
	rfc7520Sec43Header = "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX" +
		"hhbXBsZSJ9"
	rfc7520Sec43Sig = "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvb" +
		"u9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kv" +
		"AD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"
	rfc7520Sec44Header = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LW" +
		"VlZjMxNGJjNzAzNyJ9"
	rfc7520Sec44Sig = "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
)

// RFC 8037 appendix A.4: Ed25519 over "Example of Ed25519 signing", key of appendix A.2.
const (
	rfc8037X     = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Token = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("fixture %q: %v", s[:min(len(s), 16)], err)
	}
	return b
}

func rsaKey(t *testing.T, n string) *jwks.Key {
	t.Helper()
	return &jwks.Key{Type: jwks.KeyRSA, RSA: &rsa.PublicKey{N: new(big.Int).SetBytes(unb64(t, n)), E: 65537}}
}

func ecKey(t *testing.T, c elliptic.Curve, x, y string) *jwks.Key {
	t.Helper()
	point := append(append([]byte{4}, unb64(t, x)...), unb64(t, y)...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c, point)
	if err != nil {
		t.Fatal(err)
	}
	return &jwks.Key{Type: jwks.KeyEC, EC: pub}
}

// splitCompact returns a compact JWS's signing input and decoded signature.
func splitCompact(t *testing.T, token string) (string, []byte) {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	return token[:i], unb64(t, token[i+1:])
}

// TestKnownAnswers_Verify runs the RFC 7515 tokens whose payload is a JWT claims set through
// Parse and Verify, at a time before their exp (2011-03-22T18:43:00Z).
func TestKnownAnswers_Verify(t *testing.T) {
	tests := []struct {
		name  string
		token string
		key   *jwks.Key
		alg   string
	}{
		{name: "RFC 7515 A.1 HS256", token: rfc7515A1Token, alg: "HS256",
			key: &jwks.Key{Type: jwks.KeyOct, Secret: unb64(t, rfc7515A1Key)}},
		{name: "RFC 7515 A.2 RS256", token: rfc7515A2Token, alg: "RS256", key: rsaKey(t, rfc7515A2N)},
		{name: "RFC 7515 A.3 ES256", token: rfc7515A3Token, alg: "ES256",
			key: ecKey(t, elliptic.P256(), rfc7515A3X, rfc7515A3Y)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := &Expected{Issuer: "joe", Algorithms: []string{tc.alg}, Now: time.Unix(1300819380, 0), RequireExpiration: true}
			tok, err := Parse(tc.token)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			c, err := Verify(tok, jwks.NewSet(tc.key), want)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if got := c.Claim("http://example.com/is_root"); !got.Bool() {
				t.Errorf("Claim(is_root) = %v, want true", got)
			}
			if exp, ok := c.Expiry(); !ok || !exp.Equal(time.Unix(1300819380, 0)) {
				t.Errorf("Expiry() = %v, %v", exp, ok)
			}
			// One second after exp (no skew configured) the same token is expired.
			want.Now = want.Now.Add(time.Second)
			if _, err := Verify(tok, jwks.NewSet(tc.key), want); !errors.Is(err, ErrExpired) {
				t.Errorf("Verify() after exp error = %v, want %v", err, ErrExpired)
			}
		})
	}
}

// TestKnownAnswers_Signature checks the vectors whose payloads are not JSON objects (and
// again those above) with verifySignature, and that a flipped signature bit fails.
func TestKnownAnswers_Signature(t *testing.T) {
	rfc7520RSA := rsaKey(t, rfc7520RSAN)
	tests := []struct {
		name  string
		alg   string
		token string
		key   *jwks.Key
	}{
		{name: "RFC 7515 A.1 HS256", alg: "HS256", token: rfc7515A1Token,
			key: &jwks.Key{Type: jwks.KeyOct, Secret: unb64(t, rfc7515A1Key)}},
		{name: "RFC 7515 A.2 RS256", alg: "RS256", token: rfc7515A2Token, key: rsaKey(t, rfc7515A2N)},
		{name: "RFC 7515 A.3 ES256", alg: "ES256", token: rfc7515A3Token,
			key: ecKey(t, elliptic.P256(), rfc7515A3X, rfc7515A3Y)},
		{name: "RFC 7515 A.4 ES512", alg: "ES512", token: rfc7515A4Token,
			key: ecKey(t, elliptic.P521(), rfc7515A4X, rfc7515A4Y)},
		{name: "RFC 7520 4.1 RS256", alg: "RS256", key: rfc7520RSA,
			token: rfc7520Sec41Header + "." + rfc7520Payload + "." + rfc7520Sec41Sig},
		{name: "RFC 7520 4.2 PS384", alg: "PS384", key: rfc7520RSA,
			token: rfc7520Sec42Header + "." + rfc7520Payload + "." + rfc7520Sec42Sig},
		{name: "RFC 7520 4.3 ES512", alg: "ES512", key: ecKey(t, elliptic.P521(), rfc7520ECX, rfc7520ECY),
			token: rfc7520Sec43Header + "." + rfc7520Payload + "." + rfc7520Sec43Sig},
		{name: "RFC 7520 4.4 HS256", alg: "HS256", key: &jwks.Key{Type: jwks.KeyOct, Secret: unb64(t, rfc7520HMACKey)},
			token: rfc7520Sec44Header + "." + rfc7520Payload + "." + rfc7520Sec44Sig},
		{name: "RFC 8037 A.4 EdDSA", alg: "EdDSA", token: rfc8037Token,
			key: &jwks.Key{Type: jwks.KeyOKP, Ed25519: ed25519.PublicKey(unb64(t, rfc8037X))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input, sig := splitCompact(t, tc.token)
			if err := verifySignature(tc.alg, tc.key, []byte(input), sig); err != nil {
				t.Fatalf("verifySignature() error = %v", err)
			}
			sig[len(sig)/2] ^= 1
			if err := verifySignature(tc.alg, tc.key, []byte(input), sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("verifySignature(flipped bit) error = %v, want %v", err, ErrBadSignature)
			}
		})
	}
}

// TestKnownAnswers_ParseRefusesNonJSONPayload: the vectors above with a text payload are
// valid JWS but not JWTs, so Parse refuses them.
func TestKnownAnswers_ParseRefusesNonJSONPayload(t *testing.T) {
	for _, token := range []string{rfc7515A4Token, rfc8037Token} {
		if _, err := Parse(token); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%.20s...) error = %v, want %v", token, err, ErrMalformed)
		}
	}
}
