//go:build !wasm

// proxytest runs the contexts natively (its mock host does not build for wasm).

package filter

import (
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

const iss = "https://issuer.example.com"

// localConfig: HS256 provider "local" with claim headers; /health public; /api/ needs it.
var localConfig = `{
  "providers": {"local": {
    "issuer": "` + iss + `", "audiences": ["api"], "algorithms": ["HS256"],
    "local_jwks": {"secret": "` + b64.EncodeToString(secret) + `"},
    "claim_to_headers": [{"header_name": "x-user", "claim_name": "sub"}, {"header_name": "x-roles", "claim_name": "roles"}],
    "forward_payload_header": "x-payload"
  }},
  "rules": [
    {"name": "health", "match": {"path": "/health"}},
    {"name": "admin", "match": {"prefix": "/api/admin"}, "requires": {"provider_name": "local"},
     "claims": [{"claim": "roles", "contains": "admin"}]},
    {"name": "api", "match": {"prefix": "/api/"}, "requires": {"provider_name": "local"}}
  ]
}`

func claimsFor(extra map[string]any) map[string]any {
	c := map[string]any{"iss": iss, "aud": "api", "sub": "alice", "roles": []string{"reader"}}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func TestHttpContext_OnHttpRequestHeaders(t *testing.T) {
	tests := []struct {
		name        string
		path        string
		headers     [][2]string
		wantStatus  uint32 // 0: continued upstream
		wantAuth    string // WWW-Authenticate of the local reply
		wantHeaders map[string]string
		wantGone    []string
		wantMetric  string
	}{
		{name: "public route", path: "/health", headers: [][2]string{{"x-user", "mallory"}},
			wantGone: []string{"x-user"}, wantMetric: "allowed.public"},
		{name: "missing token", path: "/api/nodes", wantStatus: 401,
			wantAuth: `Bearer realm="http://example.com/api/nodes"`, wantMetric: "denied.token_missing"},
		{name: "valid token", path: "/api/nodes",
			headers:     [][2]string{{"authorization", "Bearer " + mint(t, "HS256", claimsFor(nil))}, {"x-user", "mallory"}},
			wantHeaders: map[string]string{"x-user": "alice", "x-roles": `["reader"]`},
			wantGone:    []string{"authorization"}, wantMetric: "provider.local.allowed"},
		{name: "expired token", path: "/api/nodes", wantStatus: 401,
			headers:  [][2]string{{"authorization", "Bearer " + mint(t, "HS256", claimsFor(map[string]any{"exp": base.Add(-time.Hour).Unix()}))}},
			wantAuth: `Bearer realm="http://example.com/api/nodes", error="invalid_token"`, wantMetric: "denied.token_expired"},
		{name: "wrong issuer", path: "/api/nodes", wantStatus: 401,
			headers:  [][2]string{{"authorization", "Bearer " + mint(t, "HS256", claimsFor(map[string]any{"iss": "https://evil"}))}},
			wantAuth: `Bearer realm="http://example.com/api/nodes", error="invalid_token"`, wantMetric: "denied.issuer_mismatch"},
		{name: "garbage token", path: "/api/nodes", wantStatus: 401,
			headers:  [][2]string{{"authorization", "Bearer abc"}},
			wantAuth: `Bearer realm="http://example.com/api/nodes", error="invalid_token"`, wantMetric: "denied.token_malformed"},
		{name: "missing role", path: "/api/admin/x", wantStatus: 403,
			headers:  [][2]string{{"authorization", "Bearer " + mint(t, "HS256", claimsFor(nil))}},
			wantAuth: `Bearer realm="http://example.com/api/admin/x", error="insufficient_scope"`},
		{name: "no rule", path: "/other", wantStatus: 403, wantMetric: "denied.no_route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := newHost(t, localConfig, nil)

			id, action := request(host, tc.path, tc.headers...)

			reply := host.GetSentLocalResponse(id)
			if tc.wantStatus == 0 {
				if action != types.ActionContinue || reply != nil {
					t.Fatalf("action %v, reply %+v; want continue", action, reply)
				}
			} else {
				if action != types.ActionPause || reply == nil {
					t.Fatalf("action %v, reply %+v; want a %d reply", action, reply, tc.wantStatus)
				}
				if reply.StatusCode != tc.wantStatus {
					t.Errorf("status = %d (%s), want %d", reply.StatusCode, reply.Data, tc.wantStatus)
				}
				if got, _ := headerValue(reply.Headers, "www-authenticate"); tc.wantAuth != "" && !strings.HasPrefix(got, tc.wantAuth) {
					t.Errorf("www-authenticate = %q, want prefix %q", got, tc.wantAuth)
				}
			}
			sent := host.GetCurrentRequestHeaders(id)
			for name, want := range tc.wantHeaders {
				if got, _ := headerValue(sent, name); got != want {
					t.Errorf("upstream %s = %q, want %q", name, got, want)
				}
			}
			for _, name := range tc.wantGone {
				if got, ok := headerValue(sent, name); ok {
					t.Errorf("upstream still has %s = %q", name, got)
				}
			}
			if tc.wantMetric != "" && counterValue(t, host, tc.wantMetric) != 1 {
				t.Errorf("%s = %d, want 1", tc.wantMetric, counterValue(t, host, tc.wantMetric))
			}
		})
	}
}

// TestHttpContext_PanicIsAnswered500: a panic in the request path (here from the clock) is
// recovered, logged with its reason and answered 500; the next request works again. The
// compiled module has no honest way to panic on demand, so this is tested natively only.
func TestHttpContext_PanicIsAnswered500(t *testing.T) {
	explode := true
	host := newHost(t, localConfig, func() time.Time {
		if explode {
			panic("clock exploded")
		}
		return base
	})
	tok := mint(t, "HS256", claimsFor(nil))

	id, action := request(host, "/api/nodes", [2]string{"authorization", "Bearer " + tok})

	reply := host.GetSentLocalResponse(id)
	if action != types.ActionPause || reply == nil || reply.StatusCode != 500 {
		t.Fatalf("action %v, reply %+v; want a 500 reply", action, reply)
	}
	if logs := strings.Join(host.GetCriticalLogs(), "\n"); !strings.Contains(logs, "clock exploded") {
		t.Errorf("critical logs %q do not name the panic", logs)
	}
	if got := counterValue(t, host, "denied.internal_error"); got != 1 {
		t.Errorf("denied.internal_error = %d, want 1", got)
	}
	explode = false
	if _, action := request(host, "/api/nodes", [2]string{"authorization", "Bearer " + tok}); action != types.ActionContinue {
		t.Errorf("after the panic: action %v, want continue", action)
	}
}

// TestHttpContext_PolicyBeforeTokens: a public rule still applies source_ips, and a path
// policy refuses to match is answered without consulting any token.
func TestHttpContext_PolicyBeforeTokens(t *testing.T) {
	cfg := `{
  "providers": {"local": {"issuer": "` + iss + `", "local_jwks": {"secret": "` + b64.EncodeToString(secret) + `"}}},
  "rules": [
    {"name": "office", "match": {"prefix": "/office"}, "source_ips": ["192.168.0.0/16"]},
    {"name": "lab", "match": {"prefix": "/lab"}, "source_ips": ["10.0.0.0/8"]},
    {"name": "api", "match": {"prefix": "/api/"}, "requires": {"provider_name": "local"}}
  ]
}`
	tests := []struct {
		name       string
		path       string
		wantStatus uint32 // 0: continued
		wantCode   string
	}{
		{name: "public rule, source outside the range", path: "/office/x", wantStatus: 403, wantCode: "source_not_allowed"},
		{name: "public rule, source inside the range", path: "/lab/x"},
		{name: "encoded slash is refused", path: "/api%2Fnodes", wantStatus: 400, wantCode: "path_rejected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := newHost(t, cfg, nil) // the request comes from 10.1.2.3

			id, action := request(host, tc.path)

			if tc.wantStatus == 0 {
				if action != types.ActionContinue {
					t.Fatalf("action %v, reply %+v; want continue", action, host.GetSentLocalResponse(id))
				}
				return
			}
			wantReply(t, host, id, tc.wantStatus, tc.wantCode)
			if got := counterValue(t, host, "denied."+tc.wantCode); got != 1 {
				t.Errorf("denied.%s = %d, want 1", tc.wantCode, got)
			}
		})
	}
}

// TestHttpContext_ProviderWithoutIssuer: a provider without `issuer` accepts any iss (its
// keys decide); a provider with one refuses other issuers before looking at keys.
func TestHttpContext_ProviderWithoutIssuer(t *testing.T) {
	cfg := `{
  "providers": {
    "any": {"local_jwks": {"secret": "` + b64.EncodeToString(secret) + `"}, "claim_to_headers": [{"header_name": "x-iss", "claim_name": "iss"}]},
    "fixed": {"issuer": "` + iss + `", "local_jwks": {"secret": "` + b64.EncodeToString(secret) + `"}}
  },
  "rules": [
    {"name": "any", "match": {"prefix": "/any"}, "requires": {"provider_name": "any"}},
    {"name": "fixed", "match": {"prefix": "/fixed"}, "requires": {"provider_name": "fixed"}}
  ]
}`
	tok := mint(t, "HS256", map[string]any{"iss": "https://somewhere-else", "sub": "s"})
	tests := []struct {
		name       string
		path       string
		wantStatus uint32
	}{
		{name: "any issuer accepted", path: "/any"},
		{name: "fixed issuer refuses another", path: "/fixed", wantStatus: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := newHost(t, cfg, nil)

			id, action := request(host, tc.path, [2]string{"authorization", "Bearer " + tok})

			if tc.wantStatus == 0 {
				if action != types.ActionContinue {
					t.Fatalf("action %v, reply %+v; want continue", action, host.GetSentLocalResponse(id))
				}
				if got, _ := headerValue(host.GetCurrentRequestHeaders(id), "x-iss"); got != "https://somewhere-else" {
					t.Errorf("x-iss = %q", got)
				}
				return
			}
			wantReply(t, host, id, tc.wantStatus, "issuer_mismatch")
		})
	}
}
