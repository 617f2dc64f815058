package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// Fixtures: every key is generated at test start (crypto/rand); no pre-signed token is
// checked in. Only the RFC known-answer vectors (vectors_test.go) are fixed.

var base = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

const testIssuer = "https://idp.example/realms/demo"

type testKeys struct {
	rsa, rsaOther       *rsa.PrivateKey
	p256, p384, p521    *ecdsa.PrivateKey
	ed                  ed25519.PrivateKey
	secret, secretOther []byte
	set                 *jwks.Set // public halves, kids below
	kidByAlg            map[string]string
	signerByAlg         map[string]any
	publicKeyByKid      map[string]*jwks.Key
}

var (
	keysOnce sync.Once
	keysVal  *testKeys
)

// keys returns the shared test keys (RSA generation is slow, so once per test binary).
func keys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		k := &testKeys{}
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		var err error
		k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		k.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		must(err)
		_, k.ed, err = ed25519.GenerateKey(rand.Reader)
		must(err)
		k.secret = randomBytes(64)
		k.secretOther = randomBytes(64)

		pub := []*jwks.Key{
			{ID: "rsa-1", Type: jwks.KeyRSA, RSA: &k.rsa.PublicKey},
			{ID: "ec-256", Type: jwks.KeyEC, EC: &k.p256.PublicKey},
			{ID: "ec-384", Type: jwks.KeyEC, EC: &k.p384.PublicKey},
			{ID: "ec-521", Type: jwks.KeyEC, EC: &k.p521.PublicKey},
			{ID: "ed-1", Type: jwks.KeyOKP, Ed25519: k.ed.Public().(ed25519.PublicKey)},
			{ID: "hmac-1", Type: jwks.KeyOct, Secret: k.secret},
		}
		k.set = jwks.NewSet(pub...)
		k.publicKeyByKid = map[string]*jwks.Key{}
		for _, p := range pub {
			k.publicKeyByKid[p.ID] = p
		}
		k.kidByAlg = map[string]string{}
		k.signerByAlg = map[string]any{}
		for _, alg := range SupportedAlgorithms() {
			switch alg[:2] {
			case "RS", "PS":
				k.kidByAlg[alg], k.signerByAlg[alg] = "rsa-1", k.rsa
			case "ES":
				kid, key := map[string]string{"ES256": "ec-256", "ES384": "ec-384", "ES512": "ec-521"}[alg], k.p256
				switch alg {
				case "ES384":
					key = k.p384
				case "ES512":
					key = k.p521
				}
				k.kidByAlg[alg], k.signerByAlg[alg] = kid, key
			case "Ed":
				k.kidByAlg[alg], k.signerByAlg[alg] = "ed-1", k.ed
			case "HS":
				k.kidByAlg[alg], k.signerByAlg[alg] = "hmac-1", k.secret
			}
		}
		keysVal = k
	})
	return keysVal
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// claims builds a payload; fields are JSON values (numbers as float64/int64, strings, ...).
type claims map[string]any

// header builds a JOSE header.
type header map[string]any

// validClaims is what the default Expected accepts at base.
func validClaims() claims {
	return claims{
		"iss": testIssuer,
		"aud": []string{"account", "api"},
		"sub": "f3a1c2d4-user",
		"iat": base.Add(-time.Minute).Unix(),
		"nbf": base.Add(-time.Minute).Unix(),
		"exp": base.Add(5 * time.Minute).Unix(),
	}
}

// expected is the default provider for tests: every algorithm, 60 s skew, fixed clock.
func expected() *Expected {
	return &Expected{
		Issuer:     testIssuer,
		Audiences:  []string{"api"},
		Algorithms: SupportedAlgorithms(),
		ClockSkew:  60 * time.Second,
		Now:        base,
	}
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mint signs a token with alg and key (a private key, or []byte for HS*). A header without
// "alg" gets alg; header nil means {"alg":alg,"typ":"JWT"}.
func mint(t testing.TB, alg string, key any, h header, c claims) string {
	t.Helper()
	if h == nil {
		h = header{"typ": "JWT"}
	}
	if _, ok := h["alg"]; !ok {
		h["alg"] = alg
	}
	return mintRaw(t, alg, key, mustJSON(t, h), mustJSON(t, c))
}

// mintRaw signs the exact header and payload JSON texts given.
func mintRaw(t testing.TB, alg string, key any, headerJSON, payloadJSON string) string {
	t.Helper()
	input := b64url([]byte(headerJSON)) + "." + b64url([]byte(payloadJSON))
	return input + "." + b64url(sign(t, alg, key, []byte(input)))
}

// sign produces a JWS signature (RFC 7518 section 3) over input.
func sign(t testing.TB, alg string, key any, input []byte) []byte {
	t.Helper()
	a := lookupAlg(alg)
	if a == nil {
		t.Fatalf("sign: unknown alg %q", alg)
	}
	var digest []byte
	if a.hash != 0 {
		digest = sum(a.hash, input, nil)
	}
	var (
		sig []byte
		err error
	)
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if a.pss {
			sig, err = rsa.SignPSS(rand.Reader, k, a.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, k, a.hash, digest)
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k, digest)
		if err == nil {
			size := (k.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, input)
	case []byte:
		mac := hmac.New(newHash(a.hash), k)
		mac.Write(input)
		sig = mac.Sum(nil)
	default:
		t.Fatalf("sign: key type %T", key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// mintValid mints a token the default Expected accepts, signed with the test key for alg and
// naming its kid.
func mintValid(t testing.TB, alg string) string {
	t.Helper()
	k := keys(t)
	return mint(t, alg, k.signerByAlg[alg], header{"typ": "JWT", "kid": k.kidByAlg[alg]}, validClaims())
}
