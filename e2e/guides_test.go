package e2e

// One scenario per user guide (../shared/guides), over the compiled module, with each guide's
// own names and values. The configurations here are the ones docs/guides.md shows.

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// exchange is one request of a scenario and what the client (and upstream) must see.
type exchange struct {
	name     string
	req      harness.Request
	status   int
	body     string            // exact response body, when set
	contains string            // a substring of the response body, when set
	headers  map[string]string // exact response headers
	code     string            // the denial code: its metric jwt_proxy_wasm.denied.<code> goes up by one
	upstream map[string]string // headers the upstream must see ("" = absent); nil: not checked
}

// run sends the exchanges in order. Requests with a 2xx status must reach the upstream,
// others must not.
func runExchanges(t *testing.T, h *harness.Host, xs []exchange) {
	t.Helper()
	for _, x := range xs {
		t.Run(x.name, func(t *testing.T) {
			var before uint64
			if x.code != "" {
				before = metric(t, h, "denied."+x.code)
			}
			hits := h.UpstreamHits()
			resp := do(t, h, x.req)
			if resp.Status != x.status {
				t.Fatalf("status = %d (%s), want %d", resp.Status, resp.Body, x.status)
			}
			if x.body != "" && string(resp.Body) != x.body {
				t.Errorf("body = %s\nwant   %s", resp.Body, x.body)
			}
			if x.contains != "" && !strings.Contains(string(resp.Body), x.contains) {
				t.Errorf("body = %s, want it to contain %s", resp.Body, x.contains)
			}
			for name, want := range x.headers {
				if got := resp.Header(name); got != want {
					t.Errorf("response header %s = %q, want %q", name, got, want)
				}
			}
			if x.code != "" {
				if got := metric(t, h, "denied."+x.code); got != before+1 {
					t.Errorf("denied.%s = %d, want %d", x.code, got, before+1)
				}
			}
			reached := resp.Upstream != nil && h.UpstreamHits() == hits+1
			if ok := x.status < 300; ok != reached {
				t.Fatalf("reached upstream = %v (local %v), want %v", reached, resp.Local, ok)
			}
			for name, want := range x.upstream {
				if got := resp.Upstream.Header(name); got != want {
					t.Errorf("upstream header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// req builds a request: method, path, then header name/value pairs.
func req(method, path string, headers ...string) harness.Request {
	r := get(path, headers...)
	r.Method = method
	return r
}

func withBody(r harness.Request, body string) harness.Request {
	r.Body = []byte(body)
	r.Headers = append(r.Headers, [2]string{"content-type", "application/json"})
	return r
}

func from(r harness.Request, source string) harness.Request {
	r.Source = source
	return r
}

func bearerHdr(tok string) []string { return []string{"authorization", "Bearer " + tok} }

// upstreamStatus answers every allowed request with status (AIP's API answers 201 Created).
func upstreamStatus(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) })
}

// TestGuide_Manta: permission scopes, expired vs invalid tokens told apart by a stable code
// in every reply (Manta's TokenExpiredError vs AuthenticationError), and certificate-bound
// tokens (RFC 8705) next to mTLS.
func TestGuide_Manta(t *testing.T) {
	const iss = "https://platform.manta.io"
	c := cfg{
		"providers": map[string]any{
			"manta": map[string]any{"issuer": iss, "algorithms": []string{"RS256"}, "local_jwks": localJWKS(t)},
		},
		"superuser_permission": "admin:*",
		"reply":                map[string]any{"format": "text", "realm": "platform.manta.io"},
		"rules": []any{
			map[string]any{"name": "clusters-read", "match": map[string]any{"prefix": "/api/v1/clusters", "methods": []string{"GET"}},
				"requires": map[string]any{"provider_name": "manta"}, "claims": []any{map[string]any{"claim": "permissions", "has_permission": "cluster:read"}}},
			map[string]any{"name": "swarm-deploy", "match": map[string]any{"template": "/api/v1/swarms/{swarm}/deploy", "methods": []string{"POST"}},
				"requires": map[string]any{"provider_name": "manta"}, "claims": []any{map[string]any{"claim": "permissions", "has_permission": "swarm:deploy"}},
				"reply": map[string]any{"format": "json"}},
		},
	}
	h := start(t, c.json(t))
	tok := func(perms []string, extra claims) string {
		cl := claims{"iss": iss, "sub": "user-42", "permissions": perms}
		for k, v := range extra {
			cl[k] = v
		}
		return mint(t, "RS256", cl, nil)
	}
	reader := tok([]string{"cluster:read", "results:read"}, nil)
	expired := tok([]string{"cluster:read"}, claims{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})
	forged := mint(t, "RS256-other", claims{"iss": iss, "sub": "user-42", "permissions": []string{"cluster:read"}}, nil)
	runExchanges(t, h, []exchange{
		{name: "cluster:read lists clusters", req: get("/api/v1/clusters", bearerHdr(reader)...), status: 200},
		{name: "admin:* grants everything", req: get("/api/v1/clusters", bearerHdr(tok([]string{"admin:*"}, nil))...), status: 200},
		{name: "missing token", req: get("/api/v1/clusters"), status: 401, code: "token_missing",
			body:    "a bearer token is required\nreason: token_missing\n",
			headers: map[string]string{"www-authenticate": `Bearer realm="platform.manta.io"`}},
		{name: "expired token: refresh (TokenExpiredError)", req: get("/api/v1/clusters", bearerHdr(expired)...), status: 401, code: "token_expired",
			body:    "token is expired\nreason: token_expired\n",
			headers: map[string]string{"www-authenticate": `Bearer realm="platform.manta.io", error="invalid_token"`}},
		{name: "invalid token: re-authenticate (AuthenticationError)", req: get("/api/v1/clusters", bearerHdr(forged)...), status: 401, code: "signature_invalid",
			body: "token signature is invalid\nreason: signature_invalid\n"},
		{name: "malformed token", req: get("/api/v1/clusters", bearerHdr("not-a-jwt")...), status: 401, code: "token_malformed",
			contains: "reason: token_malformed\n"},
		{name: "expired token in JSON", req: req("POST", "/api/v1/swarms/s1/deploy", bearerHdr(expired)...), status: 401,
			body: `{"error":{"code":"UNAUTHORIZED","message":"token is expired","reason":"token_expired"}}`},
		{name: "missing scope", req: req("POST", "/api/v1/swarms/s1/deploy", bearerHdr(reader)...), status: 403, code: "insufficient_permissions",
			body:    `{"error":{"code":"FORBIDDEN","message":"insufficient permissions: claim \"permissions\" lacks the required permission","reason":"insufficient_permissions"}}`,
			headers: map[string]string{"www-authenticate": `Bearer realm="platform.manta.io", error="insufficient_scope"`}},
		{name: "no rule: the global text reply", req: get("/api/v2/other", bearerHdr(reader)...), status: 403, code: "no_route",
			body: "no rule matches the request\nreason: no_route\n"},
	})
}

// TestGuide_Manta_CertificateBound: a token with cnf x5t#S256 works only over mTLS with that
// client certificate; a provider can require the binding.
func TestGuide_Manta_CertificateBound(t *testing.T) {
	const iss = "https://platform.manta.io"
	c := cfg{
		"providers": map[string]any{
			"manta": map[string]any{"issuer": iss, "local_jwks": localJWKS(t)},
			"manta-mtls": map[string]any{"issuer": "https://secure.manta.io", "local_jwks": localJWKS(t),
				"require_certificate_binding": true},
		},
		"rules": []any{
			map[string]any{"name": "platform", "match": map[string]any{"prefix": "/api/"}, "requires": map[string]any{"provider_name": "manta"}},
			map[string]any{"name": "secure", "match": map[string]any{"prefix": "/secure/"}, "requires": map[string]any{"provider_name": "manta-mtls"}},
		},
	}
	h := start(t, c.json(t))
	clientCert := []byte("DER bytes of client.crt") // only its SHA-256 matters to the filter
	otherCert := []byte("DER bytes of another client's certificate")
	thumb := func(der []byte) string { s := sha256.Sum256(der); return b64.EncodeToString(s[:]) }
	mtls := func(r harness.Request, der []byte) harness.Request {
		s := sha256.Sum256(der)
		r.Properties = map[string][]byte{
			"connection.sha256_peer_certificate_digest": []byte(hex.EncodeToString(s[:])),
			"connection.mtls": {1},
		}
		return r
	}
	bound := mint(t, "RS256", claims{"iss": iss, "sub": "user-42", "cnf": map[string]any{"x5t#S256": thumb(clientCert)}}, nil)
	plain := mint(t, "RS256", claims{"iss": iss, "sub": "user-42"}, nil)
	secureBound := mint(t, "RS256", claims{"iss": "https://secure.manta.io", "sub": "user-42", "cnf": map[string]any{"x5t#S256": thumb(clientCert)}}, nil)
	securePlain := mint(t, "RS256", claims{"iss": "https://secure.manta.io", "sub": "user-42"}, nil)
	runExchanges(t, h, []exchange{
		{name: "bound token with its certificate", req: mtls(get("/api/v1/clusters", bearerHdr(bound)...), clientCert), status: 200},
		{name: "bound token without a client certificate", req: get("/api/v1/clusters", bearerHdr(bound)...), status: 401, code: "certificate_required",
			contains: `"reason":"certificate_required"`},
		{name: "bound token with another certificate", req: mtls(get("/api/v1/clusters", bearerHdr(bound)...), otherCert), status: 401, code: "certificate_mismatch",
			contains: `"reason":"certificate_mismatch"`},
		{name: "unbound token where binding is optional", req: get("/api/v1/clusters", bearerHdr(plain)...), status: 200},
		{name: "required binding, bound token", req: mtls(get("/secure/x", bearerHdr(secureBound)...), clientCert), status: 200},
		{name: "required binding, unbound token over mTLS", req: mtls(get("/secure/x", bearerHdr(securePlain)...), clientCert), status: 401, code: "certificate_required"},
	})
}

// TestGuide_Inmanta: the server's HS256 tokens and Keycloak's RS256 tokens side by side,
// urn:inmanta:ct client types per route, urn:inmanta:env scoping when the token carries it,
// and tokens without exp only from the issuer configured to allow them.
func TestGuide_Inmanta(t *testing.T) {
	const inmantaIss = "https://localhost:8888/"
	const kcIss = "http://localhost:8080/auth/realms/inmanta"
	c := cfg{
		"providers": map[string]any{
			"inmanta": map[string]any{"issuer": inmantaIss, "audiences": []string{inmantaIss}, "algorithms": []string{"HS256"},
				"local_jwks": map[string]any{"secret": testKeys(t).secretB64()}, "require_expiration": false},
			"keycloak": map[string]any{"issuer": kcIss, "audiences": []string{"inmanta"}, "algorithms": []string{"RS256"},
				"local_jwks": localJWKS(t)},
		},
		"rules": []any{
			map[string]any{"name": "version", "match": map[string]any{"path": "/api/v1/serverstatus"}},
			map[string]any{"name": "agent-api", "match": map[string]any{"prefix": "/api/v2/agent/"},
				"requires": map[string]any{"provider_name": "inmanta"},
				"claims": []any{
					map[string]any{"claim": "urn:inmanta:ct", "contains": "agent", "delimiter": ",", "message": "agent client type required"},
					map[string]any{"claim": "urn:inmanta:env", "optional": true, "equals": map[string]any{"header": "x-inmanta-tid"},
						"message": "token is scoped to another environment"},
				}},
			map[string]any{"name": "api", "match": map[string]any{"prefix": "/api/"},
				"requires": map[string]any{"requires_any": map[string]any{"requirements": []any{
					map[string]any{"provider_name": "inmanta"}, map[string]any{"provider_name": "keycloak"}}}},
				"claims": []any{
					map[string]any{"claim": "urn:inmanta:ct", "contains": "api", "delimiter": ","},
					map[string]any{"claim": "urn:inmanta:env", "optional": true, "equals": map[string]any{"header": "x-inmanta-tid"},
						"message": "token is scoped to another environment"},
				}},
		},
	}
	h := start(t, c.json(t))
	hs := func(extra claims) string {
		cl := claims{"iss": inmantaIss, "aud": inmantaIss, "sub": "agent-1"}
		for k, v := range extra {
			cl[k] = v
		}
		return mint(t, "HS256", cl, nil)
	}
	const env = "0ab2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b"
	agent := hs(claims{"urn:inmanta:ct": "agent", "urn:inmanta:env": env})
	noExp := hs(claims{"urn:inmanta:ct": "api", "exp": nil})
	kcNoExp := mint(t, "RS256", claims{"iss": kcIss, "aud": "inmanta", "sub": "u", "urn:inmanta:ct": "api", "exp": nil}, nil)
	runExchanges(t, h, []exchange{
		{name: "server status is public", req: get("/api/v1/serverstatus"), status: 200},
		{name: "agent token in its environment", req: get("/api/v2/agent/heartbeat", append(bearerHdr(agent), "x-inmanta-tid", env)...), status: 200},
		{name: "agent token in another environment", req: get("/api/v2/agent/heartbeat", append(bearerHdr(agent), "x-inmanta-tid", "other-env")...), status: 403,
			code: "insufficient_permissions", contains: "token is scoped to another environment"},
		{name: "env-scoped token without the environment header", req: get("/api/v2/agent/heartbeat", bearerHdr(agent)...), status: 403},
		{name: "agent token on the api", req: get("/api/v2/project", bearerHdr(agent)...), status: 403, contains: `lacks a required value`},
		{name: "api token without env is not scoped", req: get("/api/v2/project", append(bearerHdr(noExp), "x-inmanta-tid", env)...), status: 200},
		{name: "api token is not an agent", req: get("/api/v2/agent/heartbeat", bearerHdr(noExp)...), status: 403, contains: "agent client type required"},
		{name: "HS256 without exp is allowed for the inmanta issuer", req: get("/api/v2/project", bearerHdr(noExp)...), status: 200},
		{name: "RS256 from keycloak", req: get("/api/v2/project", bearerHdr(mint(t, "RS256", claims{"iss": kcIss, "aud": "inmanta", "sub": "u", "urn:inmanta:ct": "api"}, nil))...), status: 200},
		{name: "keycloak token without exp is refused", req: get("/api/v2/project", bearerHdr(kcNoExp)...), status: 401, code: "claim_missing"},
		{name: "HS256 token claiming keycloak's issuer", req: get("/api/v2/project", bearerHdr(mint(t, "HS256", claims{"iss": kcIss, "aud": "inmanta", "sub": "u", "urn:inmanta:ct": "api"}, nil))...), status: 401},
	})
}

// TestGuide_InferenceGateway: public health and agent card, 401 with WWW-Authenticate:
// Bearer, and the A2A endpoint's JSON-RPC -32001 envelope.
func TestGuide_InferenceGateway(t *testing.T) {
	const iss = "https://keycloak.inference-gateway.local/realms/inference-gateway-realm"
	c := cfg{
		"providers": map[string]any{
			"keycloak": map[string]any{"issuer": iss, "audiences": []string{"inference-gateway-client"}, "local_jwks": localJWKS(t), "clock_skew_seconds": 30},
		},
		"rules": []any{
			map[string]any{"name": "health", "match": map[string]any{"path": "/health"}},
			map[string]any{"name": "agent-card", "match": map[string]any{"path": "/.well-known/agent-card.json", "methods": []string{"GET"}}},
			map[string]any{"name": "a2a", "match": map[string]any{"path": "/a2a", "methods": []string{"POST"}},
				"requires": map[string]any{"provider_name": "keycloak"}, "reply": map[string]any{"format": "jsonrpc"}},
		},
		"default": map[string]any{"requires": map[string]any{"provider_name": "keycloak"}},
	}
	h := start(t, c.json(t))
	good := mint(t, "RS256", claims{"iss": iss, "aud": "inference-gateway-client", "sub": "user"}, nil)
	expired := mint(t, "RS256", claims{"iss": iss, "aud": "inference-gateway-client", "sub": "user", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}, nil)
	a2a := func(hdr ...string) harness.Request {
		return withBody(req("POST", "/a2a", hdr...), `{"jsonrpc":"2.0","id":7,"method":"message/send","params":{}}`)
	}
	runExchanges(t, h, []exchange{
		{name: "health is public", req: get("/health"), status: 200},
		{name: "agent card is public", req: get("/.well-known/agent-card.json"), status: 200},
		{name: "models need a token", req: get("/v1/models"), status: 401, code: "token_missing",
			body:    `{"error":{"code":"UNAUTHORIZED","message":"a bearer token is required","reason":"token_missing"}}`,
			headers: map[string]string{"www-authenticate": `Bearer realm="http://example.com/v1/models"`}},
		{name: "models with a token", req: get("/v1/models", bearerHdr(good)...), status: 200},
		{name: "a2a without a token: JSON-RPC -32001", req: a2a(), status: 401,
			body:    `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"a bearer token is required","data":{"reason":"token_missing"}}}`,
			headers: map[string]string{"www-authenticate": `Bearer realm="http://example.com/a2a"`, "content-type": "application/json"}},
		{name: "a2a with an expired token", req: a2a(bearerHdr(expired)...), status: 401,
			body:    `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"token is expired","data":{"reason":"token_expired"}}}`,
			headers: map[string]string{"www-authenticate": `Bearer realm="http://example.com/a2a", error="invalid_token"`}},
		{name: "a2a with a token", req: a2a(bearerHdr(good)...), status: 200},
	})
}
