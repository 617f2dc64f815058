package dex

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func startDex(t *testing.T) *Server {
	t.Helper()
	s, err := Start(t.Context(), Options{Clients: []Client{
		{ID: "orders", Secret: "orders-secret-0123456789", Name: "Orders service", Groups: []string{"orders-writer"}},
		{ID: "reporting", Secret: "reporting-secret-0123456789"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

type jwks struct {
	Keys []struct{ Kid, Kty, Alg, Use string } `json:"keys"`
}

func (k jwks) kids() []string {
	var out []string
	for _, key := range k.Keys {
		out = append(out, key.Kid)
	}
	return out
}

// decode returns a JWT's header and claims without verifying it.
func decode(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestDiscoveryAndKeys(t *testing.T) {
	s := startDex(t)
	var disc struct {
		Issuer, JWKSURI, TokenEndpoint string
		Grants                         []string `json:"grant_types_supported"`
	}
	getJSON(t, s.Issuer+"/.well-known/openid-configuration", &disc)
	var raw map[string]any
	getJSON(t, s.Issuer+"/.well-known/openid-configuration", &raw)
	if raw["issuer"] != s.Issuer || raw["jwks_uri"] != s.KeysURL() || raw["token_endpoint"] != s.Issuer+"/token" {
		t.Errorf("discovery: issuer %v jwks_uri %v token_endpoint %v", raw["issuer"], raw["jwks_uri"], raw["token_endpoint"])
	}
	if !strings.Contains(toJSON(raw["grant_types_supported"]), "client_credentials") {
		t.Errorf("grant_types_supported = %v, want client_credentials", raw["grant_types_supported"])
	}
	var ks jwks
	getJSON(t, s.KeysURL(), &ks)
	kid, err := s.SigningKeyID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 1 || ks.Keys[0].Kid != kid || ks.Keys[0].Kty != "RSA" || ks.Keys[0].Alg != "RS256" {
		t.Errorf("keys = %+v, want one RS256 RSA key %s", ks.Keys, kid)
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestClientCredentialsToken(t *testing.T) {
	s := startDex(t)
	kid, _ := s.SigningKeyID(t.Context())
	tests := []struct {
		name, client, secret string
		scopes               []string
		want                 map[string]any // claims that must be present with these values
	}{
		{name: "plain", client: "reporting", secret: "reporting-secret-0123456789",
			want: map[string]any{"iss": s.Issuer, "aud": "reporting", "azp": nil}}, // azp only when aud differs
		{name: "groups and profile", client: "orders", secret: "orders-secret-0123456789",
			scopes: []string{"openid", "groups", "profile"},
			want:   map[string]any{"aud": "orders", "groups": []any{"orders-writer"}, "name": "Orders service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := s.Token(tt.client, tt.secret, tt.scopes...)
			if err != nil {
				t.Fatal(err)
			}
			h, c := decode(t, tok)
			t.Logf("header %s claims %s", toJSON(h), toJSON(c))
			if h["alg"] != "RS256" || h["kid"] != kid {
				t.Errorf("header = %v, want RS256 with kid %s", h, kid)
			}
			for k, v := range tt.want {
				if toJSON(c[k]) != toJSON(v) {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
			if _, ok := c["sub"].(string); !ok {
				t.Errorf("no sub claim: %v", c)
			}
		})
	}
}

func TestTokenRefused(t *testing.T) {
	s := startDex(t)
	_, err := s.Token("reporting", "wrong-secret")
	var te *TokenError
	if !errors.As(err, &te) || te.Status != http.StatusUnauthorized || te.Code != "invalid_client" {
		t.Fatalf("err = %v, want 401 invalid_client", err)
	}
}

func TestRotate(t *testing.T) {
	s := startDex(t)
	ctx := context.Background()
	old, _ := s.SigningKeyID(ctx)
	kid, err := s.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ks jwks
	getJSON(t, s.KeysURL(), &ks)
	if got := strings.Join(ks.kids(), ","); got != kid+","+old {
		t.Errorf("keys after rotation = %s, want new %s then old %s", got, kid, old)
	}
	tok, err := s.Token("reporting", "reporting-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := decode(t, tok); h["kid"] != kid {
		t.Errorf("token kid = %v, want the new key %s", h["kid"], kid)
	}
	if err := s.DropVerificationKeys(ctx); err != nil {
		t.Fatal(err)
	}
	getJSON(t, s.KeysURL(), &ks)
	if got := strings.Join(ks.kids(), ","); got != kid {
		t.Errorf("keys after drop = %s, want %s", got, kid)
	}
}
