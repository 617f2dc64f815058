package e2e

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
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Keys are generated once per test binary (never checked in): one per algorithm family,
// plus a second RSA key that signs "bad signature" tokens under the first key's kid.
type keyset struct {
	rsa, rsaOther *rsa.PrivateKey
	ec            *ecdsa.PrivateKey
	ed            ed25519.PrivateKey
	secret        []byte
}

var (
	keysOnce sync.Once
	keys     keyset
)

func testKeys(t *testing.T) *keyset {
	t.Helper()
	keysOnce.Do(func() {
		var errs [4]error
		keys.rsa, errs[0] = rsa.GenerateKey(rand.Reader, 2048)
		keys.rsaOther, errs[1] = rsa.GenerateKey(rand.Reader, 2048)
		keys.ec, errs[2] = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, keys.ed, errs[3] = ed25519.GenerateKey(rand.Reader)
		keys.secret = make([]byte, 32)
		rand.Read(keys.secret)
		for _, err := range errs {
			if err != nil {
				panic(err)
			}
		}
	})
	return &keys
}

var b64 = base64.RawURLEncoding

// kid names the key of each algorithm in the JWKS.
func kid(alg string) string { return "k-" + alg }

// publicJWKS is the JWKS of the asymmetric keys (what an IdP publishes).
func (k *keyset) publicJWKS() []byte {
	pad := func(b []byte, n int) []byte { return append(make([]byte, n-len(b)), b...) }
	body, _ := json.Marshal(map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": kid("RS256"), "use": "sig", "alg": "RS256",
			"n": b64.EncodeToString(k.rsa.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.rsa.E)).Bytes())},
		{"kty": "EC", "kid": kid("ES256"), "use": "sig", "crv": "P-256",
			"x": b64.EncodeToString(pad(k.ec.X.Bytes(), 32)), "y": b64.EncodeToString(pad(k.ec.Y.Bytes(), 32))},
		{"kty": "OKP", "kid": kid("EdDSA"), "use": "sig", "crv": "Ed25519",
			"x": b64.EncodeToString(k.ed.Public().(ed25519.PublicKey))},
	}})
	return body
}

// secretB64 is the HMAC secret as local_jwks.secret takes it.
func (k *keyset) secretB64() string { return b64.EncodeToString(k.secret) }

// claims of a token; mint fills iss/iat/exp when absent.
type claims map[string]any

// mint signs a compact JWS with the key of alg (a nil claim value leaves that claim out; iat
// and exp default to now and now+1h). header entries override the defaults
// (alg, typ, kid); a nil value removes one.
func mint(t *testing.T, alg string, c claims, header map[string]any) string {
	t.Helper()
	k := testKeys(t)
	signAlg := alg
	if alg == "RS256-other" {
		alg = "RS256"
	}
	h := map[string]any{"alg": alg, "typ": "JWT", "kid": kid(alg)}
	if alg == "HS256" {
		delete(h, "kid")
	}
	for n, v := range header {
		if v == nil {
			delete(h, n)
			continue
		}
		h[n] = v
	}
	if _, ok := c["iat"]; !ok {
		c["iat"] = now.Unix()
	}
	if v, ok := c["exp"]; !ok {
		c["exp"] = now.Add(time.Hour).Unix()
	} else if v == nil { // "exp": nil mints a token without exp
		delete(c, "exp")
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch signAlg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, sum[:])
	case "RS256-other": // a valid signature by a key the IdP never published
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsaOther, crypto.SHA256, sum[:])
	case "ES256":
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k.ec, sum[:])
		if err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case "EdDSA":
		sig = ed25519.Sign(k.ed, []byte(input))
	case "HS256":
		m := hmac.New(sha256.New, k.secret)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	default:
		t.Fatalf("mint: unknown alg %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

// idp is an identity provider's JWKS endpoint on loopback, reached by the filter through the
// Envoy cluster named cluster. It counts fetches and can answer 503 or block.
type idp struct {
	cluster string
	srv     *httptest.Server
	fetches atomic.Int32
	status  atomic.Int32  // 0: 200 with the JWKS
	gate    chan struct{} // when set, each fetch waits for a value (joined-fetch tests)
}

const jwksPath = "/realms/test/protocol/openid-connect/certs"

func newIdP(t *testing.T, cluster string) *idp {
	t.Helper()
	body := testKeys(t).publicJWKS()
	i := &idp{cluster: cluster}
	i.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != jwksPath {
			http.NotFound(w, r)
			return
		}
		i.fetches.Add(1)
		if i.gate != nil {
			<-i.gate
		}
		if s := i.status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(i.srv.Close)
	return i
}

func (i *idp) url() string { return i.srv.URL }
func (i *idp) jwksURI() string {
	return "http://idp.example.com" + jwksPath
}

// remoteJWKS is the provider's remote_jwks block for this IdP.
func (i *idp) remoteJWKS() map[string]any {
	return map[string]any{"cluster": i.cluster, "uri": i.jwksURI(), "timeout": "2s"}
}

// localJWKS is a local_jwks block holding the public keys inline.
func localJWKS(t *testing.T) map[string]any {
	return map[string]any{"inline": string(testKeys(t).publicJWKS())}
}

// issuer of the main test provider.
const issuer = "https://idp.example.com/realms/test"

// cfg is a plugin configuration under construction.
type cfg map[string]any

func (c cfg) json(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// baseConfig: provider "idp" with the given key block, a public /health, /api/ requiring it.
func baseConfig(keysBlock string, keysValue map[string]any, extra map[string]any) cfg {
	pv := map[string]any{
		"issuer":    issuer,
		"audiences": []string{"api"},
		keysBlock:   keysValue,
	}
	for k, v := range extra {
		pv[k] = v
	}
	return cfg{
		"providers": map[string]any{"idp": pv},
		"rules": []any{
			map[string]any{"name": "health", "match": map[string]any{"path": "/health"}},
			map[string]any{"name": "api", "match": map[string]any{"prefix": "/api/"},
				"requires": map[string]any{"provider_name": "idp"}},
		},
	}
}

// good are valid claims for the main provider.
func good(extra claims) claims {
	c := claims{"iss": issuer, "aud": "api", "sub": "alice"}
	for k, v := range extra {
		c[k] = v
	}
	return c
}
