package policy

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// The scenarios of /work/shared/guides, expressed as the rules config/ compiles. Each case is
// one request: what the client sends, what verification gave, what the client gets back.

type scenarioCase struct {
	name      string
	method    string
	path      string
	query     string
	headers   map[string]string
	source    string
	outcomes  map[string]Outcome
	wantCode  int
	wantWhy   string // Decision.Code
	wantMsg   string // Decision.Message, when it matters
	wantBody  string // rendered body, when it matters
	wantAuthn string // www-authenticate, when it matters
}

func runScenario(t *testing.T, opts Options, tests []scenarioCase) {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	// One memo for the whole scenario: cases share claims (the same token on other paths,
	// tenants, headers), as a VM's memo does.
	memo := NewMemo(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Method: tc.method, Scheme: "https", Host: "api.example.com", Path: tc.path, Query: tc.query,
				Header: func(n string) (string, bool) { v, ok := tc.headers[n]; return v, ok }}
			if r.Method == "" {
				r.Method = "GET"
			}
			if tc.source != "" {
				r.Source = netip.MustParseAddr(tc.source)
			}
			route, _ := e.Match(r)
			d := decide(t, e, route, tc.outcomes, r, memo)
			if d.Status != tc.wantCode || d.Code != tc.wantWhy || d.Allow != (tc.wantCode == 200) {
				t.Fatalf("%s %s: Decide() = %d %q (%s), want %d %q", r.Method, r.Path, d.Status, d.Code, d.Message, tc.wantCode, tc.wantWhy)
			}
			if tc.wantMsg != "" && d.Message != tc.wantMsg {
				t.Errorf("Message = %q, want %q", d.Message, tc.wantMsg)
			}
			if d.Allow {
				return
			}
			format := Format{}
			if route.Rule != nil {
				format = route.Rule.Format
			}
			rep := Render(d, format, r)
			if tc.wantBody != "" && string(rep.Body) != tc.wantBody {
				t.Errorf("body = %s, want %s", rep.Body, tc.wantBody)
			}
			if tc.wantAuthn != "" && header(rep, "www-authenticate") != tc.wantAuthn {
				t.Errorf("www-authenticate = %q, want %q", header(rep, "www-authenticate"), tc.wantAuthn)
			}
		})
	}
}

func one(provider, json string) map[string]Outcome {
	return map[string]Outcome{provider: {Claims: jwt.NewClaims([]byte(json))}}
}

func bad(provider string, err error) map[string]Outcome {
	return map[string]Outcome{provider: {Err: fmt.Errorf("%w: detail", err)}}
}

func lit(vals ...string) []Value {
	out := make([]Value, len(vals))
	for i, v := range vals {
		out[i] = Value{Literal: v}
	}
	return out
}

// Inmanta: urn:inmanta:ct is a required comma list of client types (agent, compiler, api);
// each API allows some types; urn:inmanta:env, when present, scopes the token to one
// environment, sent by clients in the X-Inmanta-tid header (or in the v2 path).
func TestScenario_Inmanta(t *testing.T) {
	ct := func(types ...string) Condition {
		return Condition{Claim: "urn:inmanta:ct", Delimiter: ",", Op: OpContains, Values: lit(types...),
			Message: "client type not allowed for this API"}
	}
	envHeader := Condition{Claim: "urn:inmanta:env", Optional: true, Op: OpEquals, Values: []Value{{Header: "x-inmanta-tid"}},
		Message: "token is scoped to another environment"}
	envPath := Condition{Claim: "urn:inmanta:env", Optional: true, Op: OpEquals, Values: []Value{{Capture: "env"}},
		Message: "token is scoped to another environment"}
	auth := &Requirement{AnyOf: []*Requirement{{Provider: "inmanta"}, {Provider: "keycloak"}}}
	opts := Options{Rules: []*Rule{
		{Name: "agent API", Prefix: "/api/v1/heartbeat", Requires: auth, Conditions: []Condition{ct("agent"), envHeader}},
		{Name: "compile API", Prefix: "/api/v1/compile", Requires: auth, Conditions: []Condition{ct("compiler", "api"), envHeader}},
		{Name: "environment API", Template: "/api/v2/environment/{env}/settings", Requires: auth, Conditions: []Condition{ct("api"), envPath}},
		{Name: "API", Prefix: "/api/", Requires: auth, Conditions: []Condition{ct("api"), envHeader}},
	}}
	const env = "6c66ca44-da58-4924-ad17-151abc2f3726"
	agent := one("inmanta", `{"iss":"https://localhost:8888/","aud":"https://localhost:8888/","urn:inmanta:ct":"agent","urn:inmanta:env":"`+env+`"}`)
	compiler := one("inmanta", `{"iss":"https://localhost:8888/","urn:inmanta:ct":"compiler, agent","urn:inmanta:env":"`+env+`"}`)
	dashboard := one("keycloak", `{"iss":"http://localhost:8080/auth/realms/master","urn:inmanta:ct":"api","sub":"u1"}`)
	noCT := one("keycloak", `{"iss":"http://localhost:8080/auth/realms/master","sub":"u1"}`)
	tid := map[string]string{"x-inmanta-tid": env}
	other := map[string]string{"x-inmanta-tid": "00000000-0000-0000-0000-000000000000"}
	runScenario(t, opts, []scenarioCase{
		{name: "agent heartbeat in its environment", method: "POST", path: "/api/v1/heartbeat", headers: tid, outcomes: agent, wantCode: 200},
		{name: "agent heartbeat in another environment", method: "POST", path: "/api/v1/heartbeat", headers: other, outcomes: agent,
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "token is scoped to another environment"},
		{name: "env-scoped token without the environment header", method: "POST", path: "/api/v1/heartbeat", outcomes: agent,
			wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "agent on the api API", path: "/api/v2/resource", headers: tid, outcomes: agent,
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "client type not allowed for this API"},
		{name: "compiler token in a comma list", method: "POST", path: "/api/v1/compile", headers: tid, outcomes: compiler, wantCode: 200},
		{name: "dashboard token, no env claim, any environment", path: "/api/v2/resource", headers: other, outcomes: dashboard, wantCode: 200},
		{name: "dashboard token on compile", method: "POST", path: "/api/v1/compile", headers: tid, outcomes: dashboard, wantCode: 200},
		{name: "dashboard token on the agent API", method: "POST", path: "/api/v1/heartbeat", headers: tid, outcomes: dashboard,
			wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "token without urn:inmanta:ct", path: "/api/v2/resource", outcomes: noCT, wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "environment from the path", path: "/api/v2/environment/" + env + "/settings", outcomes: one("inmanta",
			`{"urn:inmanta:ct":"api","urn:inmanta:env":"`+env+`"}`), wantCode: 200},
		{name: "environment from the path, other env", path: "/api/v2/environment/x/settings", outcomes: one("inmanta",
			`{"urn:inmanta:ct":"api","urn:inmanta:env":"`+env+`"}`), wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "HS256 token with a bad MAC", path: "/api/v2/resource", outcomes: bad("inmanta", jwt.ErrBadSignature), wantCode: 401, wantWhy: "signature_invalid",
			wantAuthn: `Bearer realm="https://api.example.com/api/v2/resource", error="invalid_token"`},
		{name: "no token", path: "/api/v2/resource", wantCode: 401, wantWhy: "token_missing", wantAuthn: `Bearer realm="https://api.example.com/api/v2/resource"`},
	})
}

// Infracast: permissions nodes:read ... admin:* (full access), tenant-scoped paths, public
// health checks, IP-restricted keys, and the guide's exact error bodies.
func TestScenario_Infracast(t *testing.T) {
	f := Format{HideDetails: true, Realm: "infracast"}
	perm := func(p string) Condition {
		return Condition{Claim: "permissions", Op: OpHasPermission, Values: lit(p)}
	}
	// API keys carry "tenants": ["my-tenant"]; user tokens "tenants": [{"id": "prod", ...}].
	tenantKey := Condition{Claim: "tenants", Op: OpContains, Values: []Value{{Capture: "tenant"}}, Message: "no access to this tenant"}
	tenantUser := Condition{Claim: "tenants.#.id", Op: OpContains, Values: []Value{{Capture: "tenant"}}, Message: "no access to this tenant"}
	req := &Requirement{Provider: "infracast"}
	opts := Options{Superuser: "admin:*", Rules: []*Rule{
		{Name: "health", Path: "/health", Format: f},
		{Name: "restricted key", Prefix: "/api/v1/tenants/restricted/", Requires: req, Format: f,
			SourceRanges: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.100/32")}},
		{Name: "nodes read", Template: "/api/v1/tenants/{tenant}/nodes", Methods: []string{"GET"}, Requires: req, Format: f,
			Conditions: []Condition{perm("nodes:read"), tenantKey}},
		{Name: "nodes write", Template: "/api/v1/tenants/{tenant}/nodes/{id...}", Methods: []string{"POST", "PUT", "DELETE"}, Requires: req, Format: f,
			Conditions: []Condition{perm("nodes:write"), tenantKey}},
		{Name: "findings resolve", Template: "/api/v1/tenants/{tenant}/findings/{id}/resolve", Methods: []string{"POST"}, Requires: req, Format: f,
			Conditions: []Condition{perm("findings:write"), tenantUser}},
		{Name: "admin", Prefix: "/api/v1/admin/", Requires: req, Format: f, Conditions: []Condition{perm("admin:sso")}},
	}, Default: &Rule{Requires: req, Format: f}}
	ciKey := one("infracast", `{"sub":"key-abc123","name":"ci-cd-integration","tenants":["my-tenant"],"permissions":["nodes:read","findings:read"]}`)
	admin := one("infracast", `{"sub":"user-123","tenants":["my-tenant"],"permissions":["admin:*"]}`)
	user := one("infracast", `{"sub":"user-123","tenants":[{"id":"prod","role":"admin"},{"id":"staging","role":"viewer"}],"permissions":["findings:write"]}`)
	const (
		body401 = `{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired token"}}`
		body403 = `{"error":{"code":"FORBIDDEN","message":"Insufficient permissions"}}`
	)
	runScenario(t, opts, []scenarioCase{
		{name: "health is public", path: "/health", wantCode: 200},
		{name: "list nodes with nodes:read", path: "/api/v1/tenants/my-tenant/nodes", outcomes: ciKey, wantCode: 200},
		{name: "list nodes of another tenant", path: "/api/v1/tenants/other/nodes", outcomes: ciKey, wantCode: 403, wantWhy: "insufficient_permissions",
			wantMsg: "no access to this tenant", wantBody: body403, wantAuthn: `Bearer realm="infracast", error="insufficient_scope"`},
		{name: "create node without nodes:write", method: "POST", path: "/api/v1/tenants/my-tenant/nodes/", outcomes: ciKey,
			wantCode: 403, wantWhy: "insufficient_permissions", wantBody: body403},
		{name: "admin:* writes nodes", method: "DELETE", path: "/api/v1/tenants/my-tenant/nodes/n1", outcomes: admin, wantCode: 200},
		{name: "admin:* on admin API", method: "POST", path: "/api/v1/admin/sso/okta", outcomes: admin, wantCode: 200},
		{name: "key on admin API", method: "POST", path: "/api/v1/admin/sso/okta", outcomes: ciKey, wantCode: 403, wantWhy: "insufficient_permissions", wantBody: body403},
		{name: "user resolves finding in a tenant of theirs", method: "POST", path: "/api/v1/tenants/prod/findings/f1/resolve", outcomes: user, wantCode: 200},
		{name: "user resolves finding elsewhere", method: "POST", path: "/api/v1/tenants/dev/findings/f1/resolve", outcomes: user,
			wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "expired token", path: "/api/v1/tenants/my-tenant/nodes", outcomes: bad("infracast", jwt.ErrExpired), wantCode: 401, wantWhy: "token_expired",
			wantBody: body401, wantAuthn: `Bearer realm="infracast", error="invalid_token"`},
		{name: "revoked-looking token (bad signature)", path: "/api/v1/tenants/my-tenant/nodes", outcomes: bad("infracast", jwt.ErrBadSignature),
			wantCode: 401, wantWhy: "signature_invalid", wantBody: body401},
		{name: "no token", path: "/api/v1/tenants/my-tenant/nodes", wantCode: 401, wantWhy: "token_missing",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}`, wantAuthn: `Bearer realm="infracast"`},
		{name: "restricted key from allowed IP", path: "/api/v1/tenants/restricted/nodes", source: "10.3.4.5", outcomes: ciKey, wantCode: 200},
		{name: "restricted key from elsewhere", path: "/api/v1/tenants/restricted/nodes", source: "203.0.113.9", outcomes: ciKey,
			wantCode: 403, wantWhy: "source_not_allowed", wantBody: body403},
		{name: "unlisted path needs a token", path: "/api/v1/auth/refresh", wantCode: 401, wantWhy: "token_missing"},
		{name: "dot-dot from health does not escape", path: "/health/../api/v1/admin/sso/okta", outcomes: ciKey, wantCode: 403, wantWhy: "insufficient_permissions"},
	})
}

// AIP gateway: the caller identity is azp (configurable), agents create requests, reviewers
// approve them, nobody approves their own request. The requester is part of the approval
// path here (/agent-requests/{requester}/{name}/approve) because a proxy cannot look it up.
func TestScenario_AIP(t *testing.T) {
	req := &Requirement{Provider: "keycloak"}
	isAgent := Condition{Identity: true, Op: OpEquals, Values: lit("aip-agent-1", "aip-agent-2"), Message: "agent role required"}
	isReviewer := Condition{Identity: true, Op: OpEquals, Values: lit("aip-reviewer-1", "aip-agent-2"), Message: "reviewer role required"}
	notSelf := Condition{Identity: true, Op: OpEquals, Negate: true, Values: []Value{{Capture: "requester"}}, Message: "self-approval is not allowed"}
	opts := Options{IdentityClaims: map[string]string{"keycloak": "azp", "okta": "sub"}, Rules: []*Rule{
		{Name: "create", Path: "/agent-requests", Methods: []string{"POST"}, Requires: req, Conditions: []Condition{isAgent}},
		{Name: "approve", Template: "/agent-requests/{requester}/{name}/approve", Methods: []string{"POST"}, Requires: req,
			Conditions: []Condition{isReviewer, notSelf}},
	}}
	token := func(azp string) map[string]Outcome {
		return one("keycloak", `{"iss":"http://keycloak.keycloak.svc.cluster.local:8080/realms/aip","azp":"`+azp+`","aud":["aip-gateway","account"],"sub":"service-account-`+azp+`"}`)
	}
	runScenario(t, opts, []scenarioCase{
		{name: "agent creates a request", method: "POST", path: "/agent-requests", outcomes: token("aip-agent-1"), wantCode: 200},
		{name: "reviewer cannot create", method: "POST", path: "/agent-requests", outcomes: token("aip-reviewer-1"),
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "agent role required",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"agent role required","reason":"insufficient_permissions"}}`},
		{name: "sub is not the identity", method: "POST", path: "/agent-requests", outcomes: one("keycloak", `{"azp":"x","sub":"aip-agent-1"}`),
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "agent role required"},
		{name: "token without azp", method: "POST", path: "/agent-requests", outcomes: one("keycloak", `{"sub":"aip-agent-1"}`),
			wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "reviewer approves", method: "POST", path: "/agent-requests/aip-agent-1/aip-agent-1-x7k2m/approve", outcomes: token("aip-reviewer-1"), wantCode: 200},
		{name: "agent cannot approve", method: "POST", path: "/agent-requests/aip-agent-2/aip-agent-2-a1/approve", outcomes: token("aip-agent-1"),
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "reviewer role required"},
		{name: "no self-approval even as reviewer", method: "POST", path: "/agent-requests/aip-agent-2/aip-agent-2-a1/approve", outcomes: token("aip-agent-2"),
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "self-approval is not allowed"},
		{name: "no self-approval through an escaped requester", method: "POST", path: "/agent-requests/aip%2Dagent%2D2/aip-agent-2-a1/approve", outcomes: token("aip-agent-2"),
			wantCode: 403, wantWhy: "insufficient_permissions", wantMsg: "self-approval is not allowed"},
		{name: "missing token", method: "POST", path: "/agent-requests", wantCode: 401, wantWhy: "token_missing"},
		{name: "wrong audience", method: "POST", path: "/agent-requests", outcomes: bad("keycloak", jwt.ErrAudience), wantCode: 401, wantWhy: "audience_mismatch"},
		{name: "unmatched route denied", method: "GET", path: "/agent-requests", wantCode: 403, wantWhy: "no_route"},
	})
}

// Inference gateway: OIDC from Keycloak, public health and agent card, 401 with
// WWW-Authenticate, and a JSON-RPC -32001 envelope on the A2A endpoint.
func TestScenario_InferenceGateway(t *testing.T) {
	req := &Requirement{Provider: "keycloak"}
	opts := Options{Rules: []*Rule{
		{Name: "health", Path: "/health"},
		{Name: "agent card", Path: "/.well-known/agent-card.json", Methods: []string{"GET"}},
		{Name: "REST", Prefix: "/v1/", Requires: req},
	}, Default: &Rule{Name: "a2a", Requires: req, Format: Format{Kind: FormatJSONRPC}}}
	ok := one("keycloak", `{"iss":"https://keycloak/realms/inference-gateway-realm","azp":"inference-gateway-client"}`)
	runScenario(t, opts, []scenarioCase{
		{name: "health", path: "/health", wantCode: 200},
		{name: "agent card", path: "/.well-known/agent-card.json", wantCode: 200},
		{name: "models with token", path: "/v1/models", outcomes: ok, wantCode: 200},
		{name: "models without token", path: "/v1/models", wantCode: 401, wantWhy: "token_missing",
			wantAuthn: `Bearer realm="https://api.example.com/v1/models"`,
			wantBody:  `{"error":{"code":"UNAUTHORIZED","message":"a bearer token is required","reason":"token_missing"}}`},
		{name: "a2a without token", method: "POST", path: "/", wantCode: 401, wantWhy: "token_missing",
			wantAuthn: `Bearer realm="https://api.example.com/"`,
			wantBody:  `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"a bearer token is required","data":{"reason":"token_missing"}}}`},
		{name: "a2a expired", method: "POST", path: "/a2a", outcomes: bad("keycloak", jwt.ErrExpired), wantCode: 401, wantWhy: "token_expired",
			wantBody: `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"token is expired","data":{"reason":"token_expired"}}}`},
		{name: "a2a with token", method: "POST", path: "/", outcomes: ok, wantCode: 200},
		{name: "agent card POST is not public", method: "POST", path: "/.well-known/agent-card.json", wantCode: 401, wantWhy: "token_missing"},
	})
}

// Manta: permission scopes on the gRPC User API, admin:* as full access, and expired vs
// invalid tokens told apart by the reason.
func TestScenario_Manta(t *testing.T) {
	perm := func(p string) []Condition {
		return []Condition{{Claim: "permissions", Op: OpHasPermission, Values: lit(p)}}
	}
	req := &Requirement{Provider: "manta"}
	f := Format{NameMissing: true, Realm: "manta"}
	opts := Options{Superuser: "admin:*", Rules: []*Rule{
		{Name: "get cluster", Path: "/manta.UserAPI/GetCluster", Methods: []string{"POST"}, Requires: req, Conditions: perm("cluster:read"), Format: f},
		{Name: "deploy swarm", Path: "/manta.UserAPI/DeploySwarm", Methods: []string{"POST"}, Requires: req, Conditions: perm("swarm:deploy"), Format: f},
		{Name: "stop swarm", Path: "/manta.UserAPI/StopSwarm", Methods: []string{"POST"}, Requires: req, Conditions: perm("swarm:stop"), Format: f},
	}, Default: &Rule{Requires: req, Format: f}}
	reader := one("manta", `{"sub":"alice","permissions":["cluster:read","results:read"]}`)
	deployer := one("manta", `{"sub":"bob","permissions":["cluster:read","swarm:deploy"]}`)
	admin := one("manta", `{"sub":"root","permissions":["admin:*"]}`)
	runScenario(t, opts, []scenarioCase{
		{name: "read cluster", method: "POST", path: "/manta.UserAPI/GetCluster", outcomes: reader, wantCode: 200},
		{name: "deploy without swarm:deploy names it", method: "POST", path: "/manta.UserAPI/DeploySwarm", outcomes: reader,
			wantCode: 403, wantWhy: "insufficient_permissions",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"insufficient permissions: claim \"permissions\" lacks the required permission (requires \"swarm:deploy\")","reason":"insufficient_permissions"}}`},
		{name: "deploy", method: "POST", path: "/manta.UserAPI/DeploySwarm", outcomes: deployer, wantCode: 200},
		{name: "stop needs swarm:stop", method: "POST", path: "/manta.UserAPI/StopSwarm", outcomes: deployer, wantCode: 403, wantWhy: "insufficient_permissions"},
		{name: "admin:* stops", method: "POST", path: "/manta.UserAPI/StopSwarm", outcomes: admin, wantCode: 200},
		{name: "expired", method: "POST", path: "/manta.UserAPI/GetCluster", outcomes: bad("manta", jwt.ErrExpired), wantCode: 401, wantWhy: "token_expired",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"token is expired","reason":"token_expired"}}`},
		{name: "invalid", method: "POST", path: "/manta.UserAPI/GetCluster", outcomes: bad("manta", jwt.ErrMalformed), wantCode: 401, wantWhy: "token_malformed",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"token is malformed","reason":"token_malformed"}}`},
		{name: "other method, any valid token", method: "POST", path: "/manta.UserAPI/GetUser", outcomes: reader, wantCode: 200},
	})
}
