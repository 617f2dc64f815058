package config_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

func TestParse_Defaults(t *testing.T) {
	cfg, err := config.Parse([]byte(`{
		"providers": {"idp": {"issuer": "https://idp.example.com", "remote_jwks": {"cluster": "idp", "uri": "https://idp.example.com"}}},
		"rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "idp"}}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.ByName["idp"]
	checks := []struct {
		name      string
		got, want any
	}{
		{name: "token source", got: p.Sources, want: []config.Source{{Kind: config.FromHeader, Name: "authorization", ValuePrefix: "Bearer "}}},
		{name: "clock skew", got: p.ClockSkew, want: 60 * time.Second},
		{name: "require expiration", got: p.RequireExpiration, want: true},
		{name: "identity claim", got: p.IdentityClaim, want: "sub"},
		{name: "max lifetime", got: p.MaxLifetime, want: time.Duration(0)},
		{name: "forward", got: p.Forward, want: false},
		{name: "timeout", got: p.RemoteJWKS.Timeout, want: 5 * time.Second},
		{name: "cache duration", got: p.RemoteJWKS.CacheDuration, want: 600 * time.Second},
		{name: "path of a bare host", got: p.RemoteJWKS.Path, want: "/"},
		{name: "algorithms", got: p.Algorithms, want: asymmetric},
		{name: "max token bytes", got: cfg.MaxTokenBytes, want: jwt.MaxTokenBytes},
		{name: "max header bytes", got: cfg.MaxHeaderBytes, want: 64 << 10},
		{name: "providers without issuer", got: len(cfg.AnyIssuer), want: 0},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !equal(c.got, c.want) {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		})
	}
	exp := p.Expected(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if exp.Issuer != "https://idp.example.com" || exp.ClockSkew != time.Minute || !exp.RequireExpiration {
		t.Errorf("Expected() = %+v", exp)
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []config.Source:
		return slices.Equal(a, b.([]config.Source))
	case []string:
		return slices.Equal(a, b.([]string))
	}
	return a == b
}

// provider wraps one provider body into a config with a rule that uses it.
func provider(body string) []byte {
	return []byte(`{"providers": {"p": ` + body + `}, "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "p"}}]}`)
}

func TestParse_LocalKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	ecKey := &jwks.Key{ID: "ec1", Type: jwks.KeyEC, EC: &ec.PublicKey}
	edKey := &jwks.Key{ID: "ed1", Type: jwks.KeyOKP, Ed25519: ed}
	set := string(jwks.EncodeJWKS(ecKey, edKey))
	der, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	secret := strings.Repeat("A", 43) // 32 zero bytes, base64url

	tests := []struct {
		name     string
		body     string
		wantKeys int
		wantAlgs []string
	}{
		{name: "inline object", body: `{"local_jwks": {"inline": ` + set + `}}`, wantKeys: 2, wantAlgs: asymmetric},
		{name: "inline string", body: `{"local_jwks": {"inline": ` + strconv.Quote(set) + `}}`, wantKeys: 2, wantAlgs: asymmetric},
		{name: "envoy inline_string", body: `{"local_jwks": {"inline_string": ` + strconv.Quote(set) + `}}`, wantKeys: 2, wantAlgs: asymmetric},
		{name: "pem", body: `{"local_jwks": {"pem": ` + strconv.Quote(pemText) + `}, "algorithms": ["ES256"]}`, wantKeys: 1, wantAlgs: []string{"ES256"}},
		{name: "secret adds HMAC", body: `{"local_jwks": {"secret": "` + secret + `"}}`, wantKeys: 1, wantAlgs: append(slices.Clone(asymmetric), "HS256", "HS384", "HS512")},
		{name: "secret with padding", body: `{"local_jwks": {"secret": "` + secret + `="}, "algorithms": ["HS256"]}`, wantKeys: 1, wantAlgs: []string{"HS256"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse(provider(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			p := cfg.ByName["p"]
			if p.LocalKeys.Len() != tc.wantKeys {
				t.Errorf("keys = %d, want %d", p.LocalKeys.Len(), tc.wantKeys)
			}
			if !slices.Equal(p.Algorithms, tc.wantAlgs) {
				t.Errorf("algorithms = %v, want %v", p.Algorithms, tc.wantAlgs)
			}
			if len(cfg.AnyIssuer) != 1 || cfg.AnyIssuer[0] != p {
				t.Errorf("a provider without issuer belongs in AnyIssuer")
			}
		})
	}
}

// A key the set would skip is an error in a local set: the operator controls it.
func TestParse_LocalKeysSkippedAreErrors(t *testing.T) {
	body := `{"local_jwks": {"inline": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}}}`
	_, err := config.Parse(provider(body))
	if err == nil || !strings.HasPrefix(err.Error(), "providers.p.local_jwks.inline: keys[0]") {
		t.Fatalf("Parse() error = %v, want the skipped key named", err)
	}
	var fe *config.FieldError
	if !errors.As(err, &fe) || fe.Fix != "fix or remove that key" {
		t.Errorf("error = %#v", fe)
	}
}
