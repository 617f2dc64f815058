package e2e

import (
	"strings"
	"testing"
	"time"
)

const realm = `Bearer realm="http://example.com/api/nodes"`

func TestSmoke_PublicRoute(t *testing.T) {
	h := start(t, baseConfig("local_jwks", localJWKS(t), nil).json(t))

	resp := do(t, h, get("/health"))

	if resp.Status != 200 || resp.Upstream == nil {
		t.Fatalf("status %d, upstream reached %v; want 200 from the upstream", resp.Status, resp.Upstream != nil)
	}
	if got := metric(t, h, "allowed.public"); got != 1 {
		t.Errorf("allowed.public = %d, want 1", got)
	}
}

func TestSmoke_MissingToken_Gets401WithoutError(t *testing.T) {
	h := start(t, baseConfig("local_jwks", localJWKS(t), nil).json(t))

	resp := do(t, h, get("/api/nodes"))

	if resp.Status != 401 {
		t.Fatalf("status = %d, want 401", resp.Status)
	}
	if got := resp.Header("www-authenticate"); got != realm {
		t.Errorf("www-authenticate = %q, want %q", got, realm)
	}
	wantNoUpstream(t, h, resp)
	if got := metric(t, h, "denied.token_missing"); got != 1 {
		t.Errorf("denied.token_missing = %d, want 1", got)
	}
}

func TestSmoke_ValidToken_Allowed(t *testing.T) {
	tests := []struct {
		name string
		alg  string
	}{
		{name: "RS256", alg: "RS256"},
		{name: "ES256", alg: "ES256"},
		{name: "EdDSA", alg: "EdDSA"},
	}
	h := start(t, baseConfig("local_jwks", localJWKS(t), nil).json(t))
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, h, bearer(mint(t, tc.alg, good(nil), nil)))

			if resp.Status != 200 || resp.Upstream == nil {
				t.Fatalf("status %d (%s), upstream reached %v; want 200 from the upstream", resp.Status, resp.Body, resp.Upstream != nil)
			}
			if got := metric(t, h, "provider.idp.allowed"); got != uint64(i+1) {
				t.Errorf("provider.idp.allowed = %d, want %d", got, i+1)
			}
		})
	}
}

// TestRejections: every way a token fails verification is a 401 with error="invalid_token",
// its own reason code (in the body and the metrics), and no upstream call.
func TestRejections(t *testing.T) {
	tests := []struct {
		name     string
		token    func(t *testing.T) string
		wantCode string
	}{
		{name: "expired", wantCode: "token_expired", token: func(t *testing.T) string {
			return mint(t, "RS256", good(claims{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}), nil)
		}},
		{name: "not yet valid", wantCode: "token_not_yet_valid", token: func(t *testing.T) string {
			return mint(t, "RS256", good(claims{"nbf": now.Add(time.Hour).Unix()}), nil)
		}},
		{name: "bad signature", wantCode: "signature_invalid", token: func(t *testing.T) string {
			return mint(t, "RS256-other", good(nil), nil)
		}},
		{name: "tampered payload", wantCode: "signature_invalid", token: func(t *testing.T) string {
			parts := strings.Split(mint(t, "RS256", good(nil), nil), ".")
			other := strings.Split(mint(t, "RS256", good(claims{"sub": "admin"}), nil), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		}},
		{name: "wrong issuer", wantCode: "issuer_mismatch", token: func(t *testing.T) string {
			return mint(t, "RS256", good(claims{"iss": "https://evil.example.com"}), nil)
		}},
		{name: "wrong audience", wantCode: "audience_mismatch", token: func(t *testing.T) string {
			return mint(t, "RS256", good(claims{"aud": "other-api"}), nil)
		}},
		{name: "alg not allowed", wantCode: "alg_not_allowed", token: func(t *testing.T) string {
			return mint(t, "ES256", good(nil), nil) // the provider allows RS256 only
		}},
		{name: "HS256 against an RSA provider (alg confusion)", wantCode: "alg_not_allowed", token: func(t *testing.T) string {
			return mint(t, "HS256", good(nil), nil)
		}},
		{name: "malformed", wantCode: "token_malformed", token: func(t *testing.T) string { return "not-a-jwt" }},
		{name: "unknown kid", wantCode: "kid_unknown", token: func(t *testing.T) string {
			return mint(t, "RS256", good(nil), map[string]any{"kid": "rotated-away"})
		}},
	}
	c := baseConfig("local_jwks", localJWKS(t), map[string]any{"algorithms": []string{"RS256"}})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, c.json(t))

			resp := do(t, h, bearer(tc.token(t)))

			if resp.Status != 401 {
				t.Fatalf("status = %d (%s), want 401", resp.Status, resp.Body)
			}
			if got, want := resp.Header("www-authenticate"), realm+`, error="invalid_token"`; got != want {
				t.Errorf("www-authenticate = %q, want %q", got, want)
			}
			if want := `"reason":"` + tc.wantCode + `"`; !strings.Contains(string(resp.Body), want) {
				t.Errorf("body %s does not hold %s", resp.Body, want)
			}
			wantNoUpstream(t, h, resp)
			if got := metric(t, h, "denied."+tc.wantCode); got != 1 {
				t.Errorf("denied.%s = %d, want 1", tc.wantCode, got)
			}
		})
	}
}

func TestInsufficientScope_Gets403(t *testing.T) {
	c := baseConfig("local_jwks", localJWKS(t), nil)
	c["rules"] = []any{map[string]any{
		"name":     "nodes",
		"match":    map[string]any{"prefix": "/api/"},
		"requires": map[string]any{"provider_name": "idp"},
		"claims":   []any{map[string]any{"claim": "permissions", "has_permission": "nodes:read"}},
	}}
	h := start(t, c.json(t))

	denied := do(t, h, bearer(mint(t, "RS256", good(claims{"permissions": []string{"findings:read"}}), nil)))
	allowed := do(t, h, bearer(mint(t, "RS256", good(claims{"permissions": []string{"nodes:read"}}), nil)))

	if denied.Status != 403 {
		t.Fatalf("status = %d (%s), want 403", denied.Status, denied.Body)
	}
	if got, want := denied.Header("www-authenticate"), realm+`, error="insufficient_scope"`; !strings.HasPrefix(got, want) {
		t.Errorf("www-authenticate = %q, want prefix %q", got, want)
	}
	if denied.Upstream != nil {
		t.Error("the 403 reached the upstream")
	}
	if allowed.Status != 200 || allowed.Upstream == nil {
		t.Errorf("with nodes:read: status %d (%s), want 200 from the upstream", allowed.Status, allowed.Body)
	}
	if got := h.UpstreamHits(); got != 1 {
		t.Errorf("upstream hits = %d, want 1", got)
	}
}

func TestNoRoute_Denied(t *testing.T) {
	c := baseConfig("local_jwks", localJWKS(t), nil)
	h := start(t, c.json(t))

	resp := do(t, h, get("/elsewhere"))

	if resp.Status != 403 {
		t.Errorf("status = %d (%s), want 403 (no rule, no default)", resp.Status, resp.Body)
	}
	wantNoUpstream(t, h, resp)
}

func TestTwoDifferentTokens_Gets401(t *testing.T) {
	c := baseConfig("local_jwks", localJWKS(t), map[string]any{
		"from_headers": []any{map[string]any{"name": "authorization", "value_prefix": "Bearer "}},
		"from_params":  []string{"access_token"},
	})
	h := start(t, c.json(t))
	a, b := mint(t, "RS256", good(nil), nil), mint(t, "RS256", good(claims{"sub": "bob"}), nil)

	same := do(t, h, get("/api/nodes?access_token="+a, "authorization", "Bearer "+a))
	ambiguous := do(t, h, get("/api/nodes?access_token="+b, "authorization", "Bearer "+a))

	if same.Status != 200 {
		t.Errorf("same token twice: status = %d (%s), want 200", same.Status, same.Body)
	}
	if ambiguous.Status != 401 || !strings.Contains(ambiguous.Header("www-authenticate"), `error="invalid_token"`) {
		t.Errorf("two tokens: status = %d, www-authenticate %q; want 401 invalid_token", ambiguous.Status, ambiguous.Header("www-authenticate"))
	}
	if got := metric(t, h, "denied.token_ambiguous"); got != 1 {
		t.Errorf("denied.token_ambiguous = %d, want 1", got)
	}
	if got := h.UpstreamHits(); got != 1 {
		t.Errorf("upstream hits = %d, want 1", got)
	}
}

func TestOversizedCredentials(t *testing.T) {
	c := baseConfig("local_jwks", localJWKS(t), nil)
	c["limits"] = map[string]any{"max_header_bytes": 8192, "max_token_bytes": 4096}
	h := start(t, c.json(t))

	header := do(t, h, get("/api/nodes", "authorization", "Bearer "+strings.Repeat("a", 9000)))
	token := do(t, h, get("/api/nodes", "authorization", "Bearer "+strings.Repeat("a", 5000)))

	if header.Status != 431 {
		t.Errorf("9000-byte header: status = %d, want 431", header.Status)
	}
	if token.Status != 401 || !strings.Contains(token.Header("www-authenticate"), `error="invalid_token"`) {
		t.Errorf("5000-byte token: status = %d, www-authenticate %q; want 401 invalid_token", token.Status, token.Header("www-authenticate"))
	}
	if h.UpstreamHits() != 0 {
		t.Error("an oversized credential reached the upstream")
	}
}
