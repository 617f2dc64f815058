package e2e

import (
	"testing"
)

// TestSmoke_TwoProviders_HS256AndRS256 follows the Inmanta guide: the server's own HS256
// tokens (shared secret) and Keycloak's RS256 tokens (JWKS) side by side on one API.
func TestSmoke_TwoProviders_HS256AndRS256(t *testing.T) {
	kc := newIdP(t, "keycloak")
	const inmantaIss = "https://localhost:8888/"
	c := cfg{
		"providers": map[string]any{
			"inmanta": map[string]any{
				"issuer": inmantaIss, "audiences": []string{inmantaIss}, "algorithms": []string{"HS256"},
				"local_jwks": map[string]any{"secret": testKeys(t).secretB64()},
			},
			"keycloak": map[string]any{
				"issuer": issuer, "audiences": []string{"inmanta"}, "algorithms": []string{"RS256"},
				"remote_jwks": kc.remoteJWKS(),
			},
		},
		"rules": []any{map[string]any{
			"name":  "api",
			"match": map[string]any{"prefix": "/api/"},
			"requires": map[string]any{"requires_any": map[string]any{"requirements": []any{
				map[string]any{"provider_name": "inmanta"}, map[string]any{"provider_name": "keycloak"}}}},
			"claims": []any{map[string]any{"claim": "urn:inmanta:ct", "contains": "api", "delimiter": ","}},
		}},
	}
	h := start(t, c.json(t), kc)
	tests := []struct {
		name       string
		token      string
		wantStatus int
	}{
		{name: "inmanta HS256 token", wantStatus: 200,
			token: mint(t, "HS256", claims{"iss": inmantaIss, "aud": inmantaIss, "sub": "x", "urn:inmanta:ct": "api,agent"}, nil)},
		{name: "keycloak RS256 token", wantStatus: 200,
			token: mint(t, "RS256", claims{"iss": issuer, "aud": "inmanta", "sub": "y", "urn:inmanta:ct": "api"}, nil)},
		{name: "keycloak token without the api client type", wantStatus: 403,
			token: mint(t, "RS256", claims{"iss": issuer, "aud": "inmanta", "sub": "y", "urn:inmanta:ct": "agent"}, nil)},
		{name: "HS256 token claiming keycloak's issuer", wantStatus: 401,
			token: mint(t, "HS256", claims{"iss": issuer, "aud": "inmanta", "sub": "y", "urn:inmanta:ct": "api"}, nil)},
		{name: "RS256 token claiming inmanta's issuer", wantStatus: 401,
			token: mint(t, "RS256", claims{"iss": inmantaIss, "aud": inmantaIss, "sub": "x", "urn:inmanta:ct": "api"}, nil)},
	}
	hits := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, h, bearer(tc.token))

			if resp.Status != tc.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.Status, resp.Body, tc.wantStatus)
			}
			if tc.wantStatus == 200 {
				hits++
			}
			if got := h.UpstreamHits(); got != hits {
				t.Errorf("upstream hits = %d, want %d", got, hits)
			}
		})
	}
	if got := metric(t, h, "provider.inmanta.allowed"); got != 1 {
		t.Errorf("provider.inmanta.allowed = %d, want 1", got)
	}
	if got := metric(t, h, "provider.keycloak.allowed"); got != 1 {
		t.Errorf("provider.keycloak.allowed = %d, want 1", got)
	}
}
