package e2e

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// claimHeadersConfig copies sub and tenants to headers and forwards the payload.
func claimHeadersConfig(t *testing.T, extra map[string]any) cfg {
	pv := map[string]any{
		"claim_to_headers": []any{
			map[string]any{"header_name": "x-user", "claim_name": "sub"},
			map[string]any{"header_name": "x-tenants", "claim_name": "tenants"},
			map[string]any{"header_name": "x-admin", "claim_name": "admin"},
		},
		"forward_payload_header": "x-jwt-payload",
	}
	for k, v := range extra {
		pv[k] = v
	}
	return baseConfig("local_jwks", localJWKS(t), pv)
}

func TestSmoke_ClaimHeadersReachUpstream_SpoofedOnesRemoved(t *testing.T) {
	h := start(t, claimHeadersConfig(t, nil).json(t))
	tok := mint(t, "RS256", good(claims{"tenants": []string{"a", "b"}, "admin": true}), nil)

	resp := do(t, h, get("/api/nodes", "authorization", "Bearer "+tok, "x-user", "mallory", "X-Admin", "true", "x-jwt-payload", "e30"))

	if resp.Status != 200 || resp.Upstream == nil {
		t.Fatalf("status %d (%s), want 200 from the upstream", resp.Status, resp.Body)
	}
	up := resp.Upstream
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{name: "string claim as is", header: "x-user", want: "alice"},
		{name: "array claim as JSON", header: "x-tenants", want: `["a","b"]`},
		{name: "bool claim as JSON", header: "x-admin", want: "true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := values(up.Headers, tc.header); len(got) != 1 || got[0] != tc.want {
				t.Errorf("upstream %s = %q, want exactly [%q]", tc.header, got, tc.want)
			}
		})
	}
	payload, err := base64.RawURLEncoding.DecodeString(up.Header("x-jwt-payload"))
	var m map[string]any
	if err != nil || json.Unmarshal(payload, &m) != nil || m["sub"] != "alice" {
		t.Errorf("x-jwt-payload = %q: not the base64url payload (%v)", up.Header("x-jwt-payload"), err)
	}
	if got := values(up.Headers, "x-jwt-payload"); len(got) != 1 {
		t.Errorf("x-jwt-payload sent %d times, want once", len(got))
	}
}

func TestSpoofedClaimHeaders_RemovedOnPublicRoutes(t *testing.T) {
	h := start(t, claimHeadersConfig(t, nil).json(t))

	resp := do(t, h, get("/health", "x-user", "mallory", "x-jwt-payload", "e30", "x-other", "kept"))

	if resp.Status != 200 || resp.Upstream == nil {
		t.Fatalf("status %d, want 200 from the upstream", resp.Status)
	}
	for _, name := range []string{"x-user", "x-jwt-payload"} {
		if got := values(resp.Upstream.Headers, name); len(got) != 0 {
			t.Errorf("upstream got spoofed %s = %q", name, got)
		}
	}
	if got := resp.Upstream.Header("x-other"); got != "kept" {
		t.Errorf("x-other = %q, want kept", got)
	}
}

func TestToken_StrippedOrForwarded(t *testing.T) {
	tok := mint(t, "RS256", good(nil), nil)
	tests := []struct {
		name         string
		extra        map[string]any
		req          func() (path string, headers []string)
		wantPath     string
		wantAuth     string
		wantCookie   string
		wantNoCookie bool
	}{
		{name: "header stripped by default",
			req:      func() (string, []string) { return "/api/nodes", []string{"authorization", "Bearer " + tok} },
			wantPath: "/api/nodes"},
		{name: "header forwarded", extra: map[string]any{"forward": true},
			req:      func() (string, []string) { return "/api/nodes", []string{"authorization", "Bearer " + tok} },
			wantPath: "/api/nodes", wantAuth: "Bearer " + tok},
		{name: "query parameter stripped, others kept", extra: map[string]any{"from_params": []string{"access_token"}},
			req:      func() (string, []string) { return "/api/nodes?a=1&access_token=" + tok + "&b=2", nil },
			wantPath: "/api/nodes?a=1&b=2"},
		{name: "query parameter forwarded", extra: map[string]any{"from_params": []string{"access_token"}, "forward": true},
			req:      func() (string, []string) { return "/api/nodes?access_token=" + tok, nil },
			wantPath: "/api/nodes?access_token=" + tok},
		{name: "cookie stripped, others kept", extra: map[string]any{"from_cookies": []string{"session"}},
			req: func() (string, []string) {
				return "/api/nodes", []string{"cookie", "theme=dark; session=" + tok + "; lang=en"}
			},
			wantPath: "/api/nodes", wantCookie: "theme=dark; lang=en"},
		{name: "only cookie stripped", extra: map[string]any{"from_cookies": []string{"session"}},
			req:      func() (string, []string) { return "/api/nodes", []string{"cookie", "session=" + tok} },
			wantPath: "/api/nodes", wantNoCookie: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, baseConfig("local_jwks", localJWKS(t), tc.extra).json(t))
			path, hdrs := tc.req()

			resp := do(t, h, get(path, hdrs...))

			if resp.Status != 200 || resp.Upstream == nil {
				t.Fatalf("status %d (%s), want 200 from the upstream", resp.Status, resp.Body)
			}
			up := resp.Upstream
			if up.Path != tc.wantPath {
				t.Errorf("upstream path = %q, want %q", up.Path, tc.wantPath)
			}
			if got := up.Header("authorization"); got != tc.wantAuth {
				t.Errorf("upstream authorization = %q, want %q", got, tc.wantAuth)
			}
			if tc.wantCookie != "" && up.Header("cookie") != tc.wantCookie {
				t.Errorf("upstream cookie = %q, want %q", up.Header("cookie"), tc.wantCookie)
			}
			if tc.wantNoCookie && len(values(up.Headers, "cookie")) != 0 {
				t.Errorf("upstream cookie = %q, want none", values(up.Headers, "cookie"))
			}
			if strings.Contains(up.Path+up.Header("cookie"), tok) != strings.Contains(tc.wantPath, tok) {
				t.Errorf("token presence upstream differs from want")
			}
		})
	}
}

func values(hs [][2]string, name string) []string {
	var out []string
	for _, h := range hs {
		if h[0] == name {
			out = append(out, h[1])
		}
	}
	return out
}
