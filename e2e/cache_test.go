package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// A repeated token is served from the verified-token cache and the rules' claims-only
// conditions from the policy memo. Neither may change an answer: the same sequence of requests
// must get the same statuses and codes with the cache on (default) and off (max_entries 0),
// including conditions that read the path, and the clock moving past exp.

// cacheConfig: /tenants/{tenant}/items needs the token's tenant to equal the path's, /api/
// needs the role reader, /admin/ the role admin.
func cacheConfig(t *testing.T, tokenCache map[string]any) []byte {
	c := baseConfig("local_jwks", localJWKS(t), nil)
	c["rules"] = []any{
		map[string]any{"name": "tenant", "match": map[string]any{"template": "/tenants/{tenant}/items"},
			"requires": map[string]any{"provider_name": "idp"},
			"claims":   []any{map[string]any{"claim": "tenant", "equals": map[string]any{"capture": "tenant"}}}},
		map[string]any{"name": "api", "match": map[string]any{"prefix": "/api/"},
			"requires": map[string]any{"provider_name": "idp"},
			"claims":   []any{map[string]any{"claim": "roles", "contains": "reader"}}},
		map[string]any{"name": "admin", "match": map[string]any{"prefix": "/admin/"},
			"requires": map[string]any{"provider_name": "idp"},
			"claims":   []any{map[string]any{"claim": "roles", "contains": "admin"}}},
	}
	if tokenCache != nil {
		c["token_cache"] = tokenCache
	}
	return c.json(t)
}

func TestCache_RepeatedTokenGetsTheSameAnswers(t *testing.T) {
	tok := mint(t, "RS256", good(claims{"tenant": "a", "roles": []string{"reader"}, "exp": now.Add(time.Minute).Unix()}), nil)
	type step struct {
		path    string
		advance time.Duration // clock moves before the request
		status  int
		code    string // the error code in the body; "" for 200
	}
	steps := []step{
		{path: "/api/items", status: 200},
		{path: "/tenants/a/items", status: 200},
		{path: "/tenants/b/items", status: 403, code: "insufficient_permissions"},
		{path: "/admin/users", status: 403, code: "insufficient_permissions"},
		{path: "/api/items", status: 200},
		{path: "/tenants/b/items", status: 403, code: "insufficient_permissions"},
		{path: "/tenants/a/items", status: 200},
		{path: "/admin/users", status: 403, code: "insufficient_permissions"},
		{path: "/api/items", advance: 59 * time.Second, status: 200}, // exp is 60 s away; the default skew is 60 s
		{path: "/api/items", advance: 61 * time.Second, status: 200}, // past exp, within the skew
		{path: "/api/items", advance: time.Second, status: 401, code: "token_expired"},
		{path: "/tenants/a/items", status: 401, code: "token_expired"},
	}
	for _, tc := range []struct {
		name  string
		cache map[string]any
	}{
		{name: "cache on (default)"},
		{name: "cache off", cache: map[string]any{"max_entries": 0}},
		{name: "two entries", cache: map[string]any{"max_entries": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := harness.NewClock(now)
			opts := options(cacheConfig(t, tc.cache))
			opts.Now = clock.Now
			h := harness.Start(t, opts)
			for i, s := range steps {
				clock.Advance(s.advance)
				resp := do(t, h, get(s.path, "authorization", "Bearer "+tok))
				if resp.Status != s.status {
					t.Fatalf("step %d %s: status %d (%s), want %d", i, s.path, resp.Status, resp.Body, s.status)
				}
				if s.code != "" && !strings.Contains(string(resp.Body), s.code) {
					t.Errorf("step %d %s: body %s, want code %s", i, s.path, resp.Body, s.code)
				}
				if (resp.Upstream != nil) != (s.status == 200) {
					t.Errorf("step %d %s: upstream reached = %v with status %d", i, s.path, resp.Upstream != nil, s.status)
				}
			}
			if got := metric(t, h, "provider.idp.allowed"); got != 6 {
				t.Errorf("provider.idp.allowed = %d, want 6", got)
			}
		})
	}
}

// TestCache_ClockStepsBack: a cached token is checked against the clock on every request, also
// when the host's clock steps back (an NTP correction) before its nbf (and iat) minus the skew.
func TestCache_ClockStepsBack(t *testing.T) {
	clock := harness.NewClock(now)
	opts := options(cacheConfig(t, nil))
	opts.Now = clock.Now
	h := harness.Start(t, opts)
	tok := mint(t, "RS256", good(claims{"roles": []string{"reader"}, "nbf": now.Unix()}), nil)
	for i, s := range []struct {
		move   time.Duration
		status int
		code   string
	}{
		{0, 200, ""},
		{0, 200, ""}, // a cache hit
		{-2 * time.Minute, 401, "token_not_yet_valid"},
		{2 * time.Minute, 200, ""},
	} {
		clock.Advance(s.move)
		resp := do(t, h, get("/api/items", "authorization", "Bearer "+tok))
		if resp.Status != s.status || !strings.Contains(string(resp.Body), s.code) {
			t.Fatalf("request %d (clock %+v): status %d (%s), want %d %s", i, s.move, resp.Status, resp.Body, s.status, s.code)
		}
	}
}

// TestCache_ForgedCopyOfACachedToken: once a token is cached, the same header and payload with
// another signature, or a payload edited under the cached signature, is not a hit.
func TestCache_ForgedCopyOfACachedToken(t *testing.T) {
	h := start(t, cacheConfig(t, nil))
	tok := mint(t, "RS256", good(claims{"roles": []string{"reader"}}), nil)
	if resp := do(t, h, get("/api/items", "authorization", "Bearer "+tok)); resp.Status != 200 {
		t.Fatalf("genuine token: status %d (%s), want 200", resp.Status, resp.Body)
	}
	header, payload, sig := split3(t, tok)
	admin := mint(t, "RS256", good(claims{"roles": []string{"reader", "admin"}}), nil)
	_, adminPayload, _ := split3(t, admin)
	for _, tc := range []struct{ name, token string }{
		{name: "another valid token's payload under the cached signature", token: header + "." + adminPayload + "." + sig},
		{name: "the cached token with one signature character changed", token: header + "." + payload + "." + flipLast(sig)},
		{name: "the cached token with a byte appended", token: tok + "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, h, get("/admin/users", "authorization", "Bearer "+tc.token))
			if resp.Status != 401 || resp.Upstream != nil {
				t.Fatalf("status %d (%s), upstream reached %v; want 401 without the upstream", resp.Status, resp.Body, resp.Upstream != nil)
			}
		})
	}
}

func split3(t *testing.T, tok string) (string, string, string) {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("token %q has %d segments, want 3", tok, len(p))
	}
	return p[0], p[1], p[2]
}

// flipLast changes the last base64url character of a 256-byte signature to another whose
// four padding bits are also zero ('A', 'Q', 'g', 'w'): still valid base64url, other bytes.
func flipLast(s string) string {
	repl := "A"
	if s[len(s)-1] == 'A' {
		repl = "Q"
	}
	return s[:len(s)-1] + repl
}
