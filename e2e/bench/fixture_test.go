package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"
)

// now is the fixed clock of every benchmark (STYLE.md); tokens are minted relative to it.
var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

const issuer = "https://idp.example.com/realms/bench"

var b64 = base64.RawURLEncoding

// signer mints tokens with one key: *rsa.PrivateKey (RS256, PS256), *ecdsa.PrivateKey
// (ES256), ed25519.PrivateKey (EdDSA) or []byte (HS256). Keys are generated per run.
type signer struct {
	alg, kid string
	key      any
}

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	otherRSA *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
	secret   []byte
)

func genKeys() {
	keysOnce.Do(func() {
		var errs [4]error
		rsaKey, errs[0] = rsa.GenerateKey(rand.Reader, 2048)
		otherRSA, errs[1] = rsa.GenerateKey(rand.Reader, 2048)
		ecKey, errs[2] = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, edKey, errs[3] = ed25519.GenerateKey(rand.Reader)
		secret = make([]byte, 32)
		rand.Read(secret)
		for _, err := range errs {
			if err != nil {
				panic(err)
			}
		}
	})
}

// signers are the five algorithms of the table, each with the provider's key.
func signers() []signer {
	genKeys()
	return []signer{
		{"RS256", "k-rsa", rsaKey}, {"PS256", "k-rsa", rsaKey}, {"ES256", "k-ec", ecKey},
		{"EdDSA", "k-ed", edKey}, {"HS256", "", secret},
	}
}

func signerFor(alg string) signer {
	for _, s := range signers() {
		if s.alg == alg {
			return s
		}
	}
	panic(alg)
}

// claims of the i-th token: distinct jti, so distinct bytes.
func claims(i int, extra map[string]any) map[string]any {
	c := map[string]any{"iss": issuer, "aud": "api", "sub": "alice", "roles": []string{"reader", "writer"},
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": fmt.Sprintf("t-%d", i)}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func (s signer) mint(tb testing.TB, c map[string]any) string {
	h := map[string]any{"alg": s.alg, "typ": "JWT"}
	if s.kid != "" {
		h["kid"] = s.kid
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		if s.alg == "PS256" {
			sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, k, sum[:]); err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(input))
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

// mintN mints n distinct valid tokens for the signer's provider (its path: s.path()).
func (s signer) mintN(tb testing.TB, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s.mint(tb, s.claims(i, nil))
	}
	return out
}

// claims are valid claims for the signer's provider (HS256: provider "hs").
func (s signer) claims(i int, extra map[string]any) map[string]any {
	c := claims(i, extra)
	if s.alg == "HS256" {
		c["iss"] = issuer + "-hs"
	}
	return c
}

// path is a path whose rule requires the signer's provider.
func (s signer) path() string {
	if s.alg == "HS256" {
		return "/hs/items"
	}
	return "/api/items"
}

// jwk is the public JWK of a key (no "alg" member, so RS256 and PS256 share the RSA key).
func jwk(kid string, key any) map[string]any {
	pad := func(b []byte, n int) []byte { return append(make([]byte, n-len(b)), b...) }
	var m map[string]any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		m = map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PrivateKey:
		m = map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(pad(k.X.Bytes(), 32)), "y": b64.EncodeToString(pad(k.Y.Bytes(), 32))}
	case ed25519.PrivateKey:
		m = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k.Public().(ed25519.PublicKey))}
	case []byte:
		m = map[string]any{"kty": "oct", "k": b64.EncodeToString(k)}
	}
	m["use"] = "sig"
	if kid != "" {
		m["kid"] = kid
	}
	return m
}

// publicJWKS is the JWKS of the asymmetric keys, plus extra keys (scale rows).
func publicJWKS(extra ...map[string]any) string {
	genKeys()
	keys := []any{jwk("k-rsa", rsaKey), jwk("k-ec", ecKey), jwk("k-ed", edKey)}
	for _, e := range extra {
		keys = append(keys, e)
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return string(b)
}

// provider is a provider block: asymmetric keys (jwks) or the HMAC secret (jwks == "").
func provider(iss, jwks string, algs ...string) map[string]any {
	p := map[string]any{"issuer": iss, "audiences": []string{"api"}, "algorithms": algs,
		"claim_to_headers": []any{map[string]any{"header_name": "x-user", "claim_name": "sub"}}}
	if jwks == "" {
		p["local_jwks"] = map[string]any{"secret": b64.EncodeToString(secret)}
	} else {
		p["local_jwks"] = map[string]any{"inline": jwks}
	}
	return p
}

// baseConfig: provider "idp" (RS256, PS256, ES256, EdDSA), provider "hs" (HS256, its own
// issuer), /health public, /api/ needs idp, /hs/ needs hs; rules first, then the routes.
func baseConfig(rules []any, providers map[string]any) []byte {
	genKeys()
	if providers == nil {
		providers = map[string]any{}
	}
	providers["idp"] = provider(issuer, publicJWKS(), "RS256", "PS256", "ES256", "EdDSA")
	providers["hs"] = provider(issuer+"-hs", "", "HS256")
	rules = append(rules,
		map[string]any{"name": "health", "match": map[string]any{"path": "/health"}},
		map[string]any{"name": "hs", "match": map[string]any{"prefix": "/hs/"}, "requires": map[string]any{"provider_name": "hs"}},
		map[string]any{"name": "api", "match": map[string]any{"prefix": "/api/"}, "requires": map[string]any{"provider_name": "idp"},
			"claims": []any{map[string]any{"claim": "roles", "contains": "reader"}}},
	)
	b, err := json.Marshal(map[string]any{"providers": providers, "rules": rules})
	if err != nil {
		panic(err)
	}
	return b
}
