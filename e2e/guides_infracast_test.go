package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

// sha256Key is what "jwtctl hash-key" prints for an API key.
func sha256Key(key string) string {
	s := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestGuide_Infracast: user tokens and ic_live_ API keys on one API, keys limited by
// permissions, tenants, source networks and expiry; per-tenant roles in user tokens; a public
// health check; and the guide's exact 401/403 bodies.
func TestGuide_Infracast(t *testing.T) {
	const iss = "https://api.infracast.io"
	keys := []any{
		map[string]any{"name": "ci-cd-integration", "sha256": sha256Key("ic_live_abc123xyz789"), "tenants": []string{"my-tenant"},
			"permissions": []string{"nodes:read", "findings:read"}, "expires_at": "2030-03-16T00:00:00Z"},
		map[string]any{"name": "restricted-key", "sha256": sha256Key("ic_live_restricted0001"), "tenants": []string{"my-tenant"},
			"permissions": []string{"nodes:read"}, "source_ips": []string{"10.0.0.0/8", "192.168.1.100", "2001:db8::/32"}},
		map[string]any{"name": "rotated-key", "sha256": sha256Key("ic_live_rotated0001"), "tenants": []string{"my-tenant"},
			"permissions": []string{"nodes:read"}, "expires_at": "2029-12-01T00:00:00Z"},
	}
	either := map[string]any{"requires_any": map[string]any{"requirements": []any{
		map[string]any{"provider_name": "infracast"}, map[string]any{"provider_name": "infracast-keys"}}}}
	tenantRole := func(perm string) map[string]any {
		return map[string]any{"claim": "tenants", "select": map[string]any{"key": "id", "equals": map[string]any{"capture": "tenant"}, "field": "role"},
			"map_roles": true, "has_permission": perm}
	}
	c := cfg{
		"providers": map[string]any{
			"infracast": map[string]any{"issuer": iss, "algorithms": []string{"HS256"},
				"local_jwks": map[string]any{"secret": testKeys(t).secretB64()}, "identity_header": "x-infracast-subject"},
			"infracast-keys": map[string]any{"api_keys": keys, "identity_header": "x-infracast-subject"},
		},
		"superuser_permission": "admin:*",
		"role_permissions": map[string]any{"admin": []string{"admin:*"}, "viewer": []string{"*:read"},
			"editor": []string{"nodes:read", "nodes:write", "findings:read", "findings:write", "jobs:read", "jobs:write"}},
		"reply": map[string]any{"realm": "api.infracast.io", "hide_details": true},
		"rules": []any{
			map[string]any{"name": "health", "match": map[string]any{"path": "/health", "methods": []string{"GET", "HEAD"}}},
			// Keys and users on one route, each with the conditions of its claim shape: a key's
			// tenants list and permissions, a user's role in the tenant of the path.
			map[string]any{"name": "list-nodes", "match": map[string]any{"template": "/api/v1/tenants/{tenant}/nodes", "methods": []string{"GET"}},
				"requires": either, "claims": []any{
					map[string]any{"providers": []string{"infracast-keys"}, "claim": "tenants", "contains": map[string]any{"capture": "tenant"}},
					map[string]any{"providers": []string{"infracast-keys"}, "claim": "permissions", "has_permission": "nodes:read"},
					withProviders(tenantRole("nodes:read"), "infracast")}},
			// User tokens: the role in the tenant of the path.
			map[string]any{"name": "read-jobs", "match": map[string]any{"template": "/api/v1/tenants/{tenant}/jobs", "methods": []string{"GET"}},
				"requires": map[string]any{"provider_name": "infracast"}, "claims": []any{tenantRole("jobs:read")}},
			map[string]any{"name": "start-job", "match": map[string]any{"template": "/api/v1/tenants/{tenant}/jobs", "methods": []string{"POST"}},
				"requires": map[string]any{"provider_name": "infracast"}, "claims": []any{tenantRole("jobs:write")}},
		},
	}
	h := start(t, c.json(t))
	user := mint(t, "HS256", claims{"iss": iss, "sub": "user-123", "tenants": []any{
		map[string]any{"id": "prod", "role": "admin"}, map[string]any{"id": "staging", "role": "viewer"}, map[string]any{"id": "dev", "role": "editor"}}}, nil)
	expired := mint(t, "HS256", claims{"iss": iss, "sub": "user-123", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}, nil)
	const (
		unauthorized = `{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired token"}}`
		forbidden    = `{"error":{"code":"FORBIDDEN","message":"Insufficient permissions"}}`
	)
	nodes := "/api/v1/tenants/my-tenant/nodes"
	runExchanges(t, h, []exchange{
		{name: "health checks need no token", req: get("/health"), status: 200},
		{name: "API key lists nodes", req: from(get(nodes, bearerHdr("ic_live_abc123xyz789")...), "203.0.113.7:41000"), status: 200,
			upstream: map[string]string{"x-infracast-subject": "ci-cd-integration", "authorization": ""}},
		{name: "a client cannot pose as a key", req: get(nodes, append(bearerHdr("ic_live_abc123xyz789"), "x-infracast-subject", "admin")...), status: 200,
			upstream: map[string]string{"x-infracast-subject": "ci-cd-integration"}},
		{name: "API key in another tenant", req: get("/api/v1/tenants/other-tenant/nodes", bearerHdr("ic_live_abc123xyz789")...), status: 403,
			code: "insufficient_permissions", body: forbidden, headers: map[string]string{"www-authenticate": `Bearer realm="api.infracast.io", error="insufficient_scope"`}},
		{name: "API key from an allowlisted network", req: from(get(nodes, bearerHdr("ic_live_restricted0001")...), "10.20.30.40:5000"), status: 200},
		{name: "API key from the allowlisted address", req: from(get(nodes, bearerHdr("ic_live_restricted0001")...), "192.168.1.100:5000"), status: 200},
		{name: "API key from an allowlisted IPv6 network", req: from(get(nodes, bearerHdr("ic_live_restricted0001")...), "[2001:db8::7]:5000"), status: 200},
		{name: "API key from elsewhere", req: from(get(nodes, bearerHdr("ic_live_restricted0001")...), "192.168.1.101:5000"), status: 403,
			code: "source_not_allowed", body: forbidden},
		{name: "forwarded-for does not count without trusted hops", req: from(get(nodes, append(bearerHdr("ic_live_restricted0001"), "x-forwarded-for", "10.0.0.1")...), "203.0.113.7:5000"),
			status: 403, code: "source_not_allowed"},
		{name: "expired API key", req: get(nodes, bearerHdr("ic_live_rotated0001")...), status: 401, code: "api_key_expired", body: unauthorized,
			headers: map[string]string{"www-authenticate": `Bearer realm="api.infracast.io", error="invalid_token"`}},
		{name: "unknown API key", req: get(nodes, bearerHdr("ic_live_abc123xyz780")...), status: 401, code: "api_key_invalid", body: unauthorized},
		{name: "expired user token", req: get(nodes, bearerHdr(expired)...), status: 401, code: "token_expired", body: unauthorized},
		{name: "no token", req: get(nodes), status: 401, code: "token_missing",
			body: `{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}`, headers: map[string]string{"www-authenticate": `Bearer realm="api.infracast.io"`}},
		{name: "viewer in staging lists nodes", req: get("/api/v1/tenants/staging/nodes", bearerHdr(user)...), status: 200,
			upstream: map[string]string{"x-infracast-subject": "user-123"}},
		{name: "user without a role in the tenant lists nodes", req: get(nodes, bearerHdr(user)...), status: 403, body: forbidden},
		{name: "admin in prod starts a job", req: req("POST", "/api/v1/tenants/prod/jobs", bearerHdr(user)...), status: 200,
			upstream: map[string]string{"x-infracast-subject": "user-123"}},
		{name: "viewer in staging reads jobs", req: get("/api/v1/tenants/staging/jobs", bearerHdr(user)...), status: 200},
		{name: "viewer in staging cannot start a job", req: req("POST", "/api/v1/tenants/staging/jobs", bearerHdr(user)...), status: 403, body: forbidden},
		{name: "editor in dev starts a job", req: req("POST", "/api/v1/tenants/dev/jobs", bearerHdr(user)...), status: 200},
		{name: "no role in this tenant", req: get("/api/v1/tenants/my-tenant/jobs", bearerHdr(user)...), status: 403, body: forbidden},
		{name: "API keys do not reach user-only routes", req: get("/api/v1/tenants/my-tenant/jobs", bearerHdr("ic_live_abc123xyz789")...), status: 401, body: unauthorized},
	})
}

func withProviders(cond map[string]any, providers ...string) map[string]any {
	cond["providers"] = providers
	return cond
}

// TestGuide_Infracast_TrustedHops: behind one trusted load balancer, the client address is
// the last x-forwarded-for entry.
func TestGuide_Infracast_TrustedHops(t *testing.T) {
	c := cfg{
		"providers": map[string]any{"infracast-keys": map[string]any{"trusted_hops": 1, "api_keys": []any{
			map[string]any{"name": "restricted-key", "sha256": sha256Key("ic_live_restricted0001"), "permissions": []string{"nodes:read"},
				"source_ips": []string{"10.0.0.0/8"}}}}},
		"rules": []any{map[string]any{"match": map[string]any{"prefix": "/"}, "requires": map[string]any{"provider_name": "infracast-keys"}}},
	}
	h := start(t, c.json(t))
	key := bearerHdr("ic_live_restricted0001")
	runExchanges(t, h, []exchange{
		{name: "client address from the trusted hop", req: from(get("/n", append(key, "x-forwarded-for", "198.51.100.1, 10.1.1.1")...), "172.16.0.1:1"), status: 200},
		{name: "spoofed left entry is ignored", req: from(get("/n", append(key, "x-forwarded-for", "10.1.1.1, 198.51.100.1")...), "172.16.0.1:1"), status: 403, code: "source_not_allowed"},
		{name: "no forwarded-for", req: from(get("/n", key...), "10.1.1.1:1"), status: 403, code: "source_not_allowed"},
		{name: "a JWT on a keys-only route is an invalid key", req: get("/n", bearerHdr("a.b.c")...), status: 401, code: "api_key_invalid"},
	})
}
