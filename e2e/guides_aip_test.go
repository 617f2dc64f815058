package e2e

import (
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// TestGuide_AIP: agents file requests only as themselves (body.agentIdentity == the caller's
// identity), reviewers approve but never their own requests, and the identity claim follows
// the provider table: azp (Keycloak), sub (Okta, Auth0), appid (Azure AD), email (Google).
func TestGuide_AIP(t *testing.T) {
	type idpRow struct{ name, iss, claim, agent, reviewer string }
	table := []idpRow{
		{"keycloak", "http://keycloak.keycloak.svc.cluster.local:8080/realms/aip", "azp", "aip-agent-1", "aip-reviewer-1"},
		{"okta", "https://example.okta.com/oauth2/default", "sub", "0oa1b2c3d4e5f6g7h8i9", "0oa9i8h7g6f5e4d3c2b1"},
		{"auth0", "https://example.auth0.com/", "sub", "AGENTCLIENTID@clients", "REVIEWERCLIENTID@clients"},
		{"azure", "https://sts.windows.net/00000000-0000-0000-0000-000000000001/", "appid", "11111111-2222-3333-4444-555555555555", "66666666-7777-8888-9999-000000000000"},
		{"google", "https://accounts.google.com", "email", "agent@aip-proj.iam.gserviceaccount.com", "reviewer@aip-proj.iam.gserviceaccount.com"},
	}
	providers := map[string]any{}
	var alternatives []any
	var agents, reviewers []string
	for _, r := range table {
		providers[r.name] = map[string]any{"issuer": r.iss, "audiences": []string{"aip-gateway"}, "local_jwks": localJWKS(t),
			"identity_claim": r.claim, "identity_header": "x-aip-identity"}
		alternatives = append(alternatives, map[string]any{"provider_name": r.name})
		agents, reviewers = append(agents, r.agent), append(reviewers, r.reviewer)
	}
	reviewers = append(reviewers, "aip-agent-2") // an agent that also reviews
	agents = append(agents, "aip-agent-2")
	requires := map[string]any{"requires_any": map[string]any{"requirements": alternatives}}
	c := cfg{
		"providers": providers,
		"roles":     map[string]any{"agent": map[string]any{"subjects": agents}, "reviewer": map[string]any{"subjects": reviewers}},
		"limits":    map[string]any{"max_body_bytes": 1024},
		"rules": []any{
			map[string]any{"name": "healthz", "match": map[string]any{"path": "/healthz"}},
			map[string]any{"name": "create-request", "match": map[string]any{"path": "/agent-requests", "methods": []string{"POST"}},
				"requires": requires, "claims": []any{
					map[string]any{"role": "agent", "message": "agent role required"},
					map[string]any{"identity": true, "equals": map[string]any{"body": "agentIdentity"}, "message": "agents file requests as themselves"}}},
			map[string]any{"name": "approve", "match": map[string]any{"template": "/agent-requests/{requester}/{name}/approve", "methods": []string{"POST"}},
				"requires": requires, "claims": []any{
					map[string]any{"role": "reviewer", "message": "reviewer role required"},
					map[string]any{"identity": true, "not": true, "equals": map[string]any{"capture": "requester"}, "message": "reviewers cannot approve their own requests"}}},
		},
	}
	o := options(c.json(t))
	o.Upstream = upstreamStatus(201)
	h := harness.Start(t, o)

	token := func(r idpRow, who string) string {
		cl := claims{"iss": r.iss, "aud": "aip-gateway", "azp": "some-client", "sub": "some-subject"}
		cl[r.claim] = who
		return mint(t, "RS256", cl, nil)
	}
	file := func(tok, as string) harness.Request {
		return withBody(req("POST", "/agent-requests", bearerHdr(tok)...), `{"agentIdentity":"`+as+`","action":"restart","target":"deployment/web"}`)
	}
	kc := table[0]
	agent1 := token(kc, "aip-agent-1")
	xs := []exchange{
		{name: "healthz is public", req: get("/healthz"), status: 201},
		{name: "agent files a request as itself", req: file(agent1, "aip-agent-1"), status: 201,
			upstream: map[string]string{"x-aip-identity": "aip-agent-1", "authorization": ""}},
		{name: "agent files a request as another agent", req: file(agent1, "aip-agent-2"), status: 403, code: "insufficient_permissions",
			body: `{"error":{"code":"FORBIDDEN","message":"agents file requests as themselves","reason":"insufficient_permissions"}}`},
		{name: "reviewer is not an agent", req: file(token(kc, "aip-reviewer-1"), "aip-reviewer-1"), status: 403, contains: "agent role required"},
		{name: "identity header cannot be spoofed", req: withBody(req("POST", "/agent-requests", append(bearerHdr(agent1), "x-aip-identity", "aip-agent-2")...),
			`{"agentIdentity":"aip-agent-1"}`), status: 201, upstream: map[string]string{"x-aip-identity": "aip-agent-1"}},
		{name: "no body", req: req("POST", "/agent-requests", bearerHdr(agent1)...), status: 400, code: "body_invalid",
			body: `{"error":{"code":"BAD_REQUEST","message":"request body must be a JSON object","reason":"body_invalid"}}`},
		{name: "form body", req: withBody(req("POST", "/agent-requests", bearerHdr(agent1)...), "agentIdentity=aip-agent-1"), status: 400, code: "body_invalid"},
		{name: "body over the limit", req: file(agent1, "aip-agent-1"+strings.Repeat("x", 1100)), status: 413, code: "body_too_large",
			body: `{"error":{"code":"PAYLOAD_TOO_LARGE","message":"request body is larger than 1024 bytes","reason":"body_too_large"}}`},
		{name: "missing token wins over a bad body", req: withBody(req("POST", "/agent-requests"), "not json"), status: 401, code: "token_missing"},
		{name: "reviewer approves an agent's request", req: withBody(req("POST", "/agent-requests/aip-agent-1/req-1/approve", bearerHdr(token(kc, "aip-reviewer-1"))...),
			`{"reason":"approved for maintenance window"}`), status: 201},
		{name: "reviewer approves its own request", req: req("POST", "/agent-requests/aip-agent-2/req-2/approve", bearerHdr(token(kc, "aip-agent-2"))...),
			status: 403, body: `{"error":{"code":"FORBIDDEN","message":"reviewers cannot approve their own requests","reason":"insufficient_permissions"}}`},
		{name: "agent cannot approve", req: req("POST", "/agent-requests/aip-agent-2/req-2/approve", bearerHdr(agent1)...), status: 403, contains: "reviewer role required"},
	}
	for _, r := range table[1:] {
		tok := token(r, r.agent)
		xs = append(xs,
			exchange{name: r.name + " agent by " + r.claim, req: file(tok, r.agent), status: 201, upstream: map[string]string{"x-aip-identity": r.agent}},
			exchange{name: r.name + " agent as another", req: file(tok, "aip-agent-1"), status: 403},
			exchange{name: r.name + " reviewer own request", req: req("POST", "/agent-requests/"+r.reviewer+"/r/approve", bearerHdr(token(r, r.reviewer))...), status: 403},
			exchange{name: r.name + " reviewer approves", req: req("POST", "/agent-requests/"+r.agent+"/r/approve", bearerHdr(token(r, r.reviewer))...), status: 201},
		)
	}
	runExchanges(t, h, xs)
	if resp := do(t, h, file(agent1, "aip-agent-1")); resp.Upstream == nil || !strings.Contains(string(resp.Upstream.Body), `"agentIdentity":"aip-agent-1"`) {
		t.Errorf("the upstream did not receive the whole body: %+v", resp.Upstream)
	}
}
