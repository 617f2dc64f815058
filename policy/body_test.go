package policy

import (
	"encoding/json"
	"testing"
)

// TestDecide_BodyConditions: AIP's "an agent files requests only as itself", judged in two
// steps as the filter does: at the headers (body pending) and at the end of the body.
func TestDecide_BodyConditions(t *testing.T) {
	asItself := Condition{Identity: true, Op: OpEquals, Values: []Value{{Body: "agentIdentity"}}, Message: "agents file requests as themselves"}
	tests := []struct {
		name       string
		cond       Condition
		claims     string
		body       string
		noBody     bool
		pending    bool
		wantStatus int
		wantCode   string
	}{
		{name: "pending body is not judged", cond: asItself, claims: `{"azp":"aip-agent-1"}`, pending: true, wantStatus: 200},
		{name: "pending body still needs the token's other conditions", claims: `{"azp":"aip-agent-1"}`, pending: true, wantStatus: 403, wantCode: CodeInsufficientPermissions,
			cond: Condition{Claim: "scope", Op: OpContains, Values: []Value{{Literal: "x"}}}},
		{name: "agent as itself", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: `{"agentIdentity":"aip-agent-1","action":"restart"}`, wantStatus: 200},
		{name: "agent as another agent", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: `{"agentIdentity":"aip-agent-2"}`, wantStatus: 403, wantCode: CodeInsufficientPermissions},
		{name: "identity field absent", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: `{"action":"restart"}`, wantStatus: 403, wantCode: CodeInsufficientPermissions},
		{name: "identity field an object", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: `{"agentIdentity":{"id":"aip-agent-1"}}`, wantStatus: 403, wantCode: CodeInsufficientPermissions},
		{name: "no body at all", cond: asItself, claims: `{"azp":"aip-agent-1"}`, noBody: true, wantStatus: 400, wantCode: CodeBodyInvalid},
		{name: "empty body", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: "", wantStatus: 400, wantCode: CodeBodyInvalid},
		{name: "form body", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: "agentIdentity=aip-agent-1", wantStatus: 400, wantCode: CodeBodyInvalid},
		{name: "JSON array body", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: `[{"agentIdentity":"aip-agent-1"}]`, wantStatus: 400, wantCode: CodeBodyInvalid},
		{name: "truncated JSON", cond: asItself, claims: `{"azp":"aip-agent-1"}`, body: `{"agentIdentity":"aip-agent-1"`, wantStatus: 400, wantCode: CodeBodyInvalid},
		{name: "duplicate keys: gjson reads the first, so does not the upstream", cond: asItself, claims: `{"azp":"aip-agent-1"}`,
			body: `{"agentIdentity":"aip-agent-1","agentIdentity":"aip-agent-2"}`, wantStatus: 200},
		{name: "negated body value that differs", claims: `{"azp":"aip-agent-1"}`, body: `{"approver":"aip-reviewer-1"}`, wantStatus: 200,
			cond: Condition{Claim: "azp", Op: OpEquals, Negate: true, Values: []Value{{Body: "approver"}}}},
		{name: "negated with absent body value fails closed", claims: `{"azp":"aip-agent-1"}`, body: `{"kind":"restart"}`, wantStatus: 403, wantCode: CodeInsufficientPermissions,
			cond: Condition{Claim: "azp", Op: OpEquals, Negate: true, Values: []Value{{Body: "approver"}}}},
		{name: "nested body path", claims: `{"email":"sa@p.iam.gserviceaccount.com"}`, body: `{"agent":{"email":"sa@p.iam.gserviceaccount.com"}}`, wantStatus: 200,
			cond: Condition{Claim: "email", Op: OpEquals, Values: []Value{{Body: "agent.email"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rule := &Rule{Path: "/agent-requests", Methods: []string{"POST"}, Requires: &Requirement{Provider: "keycloak"}, Conditions: []Condition{tc.cond}}
			e, err := New(Options{Rules: []*Rule{rule}, IdentityClaims: map[string]string{"keycloak": "azp"}})
			if err != nil {
				t.Fatal(err)
			}
			r := &Request{Method: "POST", Path: "/agent-requests", BodyPending: tc.pending}
			if !tc.noBody && !tc.pending {
				r.Body = []byte(tc.body)
			}
			route, _ := e.Match(r)
			if !route.Rule.NeedsBody() && tc.cond.Values[0].Body != "" {
				t.Fatal("NeedsBody() = false")
			}
			d := decide(t, e, route, map[string]Outcome{"keycloak": verified(tc.claims)}, r, nil)
			if d.Status != tc.wantStatus || d.Code != tc.wantCode {
				t.Fatalf("Decide() = %d %q (%s), want %d %q", d.Status, d.Code, d.Message, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

// TestDecide_BodyAfterToken: a missing token is a 401 even when the body is not JSON.
func TestDecide_BodyAfterToken(t *testing.T) {
	rule := &Rule{Path: "/agent-requests", Requires: &Requirement{Provider: "p"},
		Conditions: []Condition{{Claim: "azp", Op: OpEquals, Values: []Value{{Body: "agentIdentity"}}}}}
	e, _ := New(Options{Rules: []*Rule{rule}})
	r := &Request{Path: "/agent-requests", Body: []byte("not json")}
	route, _ := e.Match(r)
	if d := decide(t, e, route, nil, r, nil); d.Status != 401 || d.Code != CodeTokenMissing {
		t.Fatalf("Decide() = %+v, want 401 token_missing", d)
	}
}

func FuzzBodyValue(f *testing.F) {
	f.Add([]byte(`{"agentIdentity":"aip-agent-1"}`), "agentIdentity")
	f.Add([]byte(`{"a":{"b":[1,2]}}`), "a.b.1")
	f.Add([]byte(`{"a":"\u0000"}`), "a")
	f.Add([]byte(`[1,2`), "#")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		r := &Request{Body: body}
		s, ok := bodyValue(r, path)
		if ok && s == "" {
			t.Fatal("an empty value counts as absent")
		}
		if isJSONObject(body) && !json.Valid(body) {
			t.Fatalf("isJSONObject accepted invalid JSON %q", body)
		}
	})
}
