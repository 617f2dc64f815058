package main

import (
	"strings"
	"testing"
)

// The codes and statuses are the filter's for the same requests (e2e TestGuide_AIP,
// filter TestBody).
func TestCheck_Body(t *testing.T) {
	priv, set := keygen(t, "ES256", "k1")
	cfg := writeFile(t, "body.json", `{
  "providers": {"idp": {"issuer": "`+issuer+`", "local_jwks": {"inline": `+strings.TrimSpace(set)+`}}},
  "limits": {"max_body_bytes": 64},
  "rules": [
    {"name": "create-request", "match": {"path": "/agent-requests", "methods": ["POST"]}, "requires": {"provider_name": "idp"},
     "claims": [{"identity": true, "equals": {"body": "agentIdentity"}, "message": "agents file requests as themselves"}]},
    {"name": "api", "match": {"prefix": "/api"}, "requires": {"provider_name": "idp"}}
  ]
}`)
	tok := mint(t, priv, "ES256", "k1") // sub alice
	body := func(s string) string { return writeFile(t, "req.json", s) }
	post := func(args ...string) []string { return append([]string{"-method", "POST"}, args...) }
	runCheckCases(t, cfg, []checkCase{
		{name: "body names the caller", path: "/agent-requests", token: tok, args: post("-body", body(`{"agentIdentity":"alice","action":"restart"}`)),
			wantCode: exitOK, want: []string{"decision: ALLOW (principal from provider idp)\n"}},
		{name: "body names another agent", path: "/agent-requests", token: tok, args: post("-body", body(`{"agentIdentity":"bob"}`)), wantCode: exitFail,
			want: []string{"decision: DENY 403\n", "reason:   insufficient_permissions: agents file requests as themselves\n",
				`{"error":{"code":"FORBIDDEN","message":"agents file requests as themselves","reason":"insufficient_permissions"}}`}},
		{name: "no -body: undecided", path: "/agent-requests", token: tok, args: post(), wantCode: exitUndecided,
			want: []string{"decision: UNDECIDED: the headers allow, but rule create-request reads the request body; pass -body FILE (the JSON body) to decide\n"}},
		{name: "no -body, no token: the headers deny", path: "/agent-requests", args: post(), wantCode: exitFail,
			want: []string{"decision: DENY 401\n", "reason:   token_missing"}},
		{name: "no token wins over a bad body", path: "/agent-requests", args: post("-body", body("not json")), wantCode: exitFail,
			want: []string{"reason:   token_missing"}},
		{name: "body over the limit", path: "/agent-requests", token: tok, args: post("-body", body(`{"agentIdentity":"alice","pad":"`+strings.Repeat("x", 64)+`"}`)),
			wantCode: exitFail, want: []string{"decision: DENY 413\n", "reason:   body_too_large: request body is larger than 64 bytes\n",
				`{"error":{"code":"PAYLOAD_TOO_LARGE","message":"request body is larger than 64 bytes","reason":"body_too_large"}}`,
				"HINT: limits.max_body_bytes is 64"}},
		{name: "body exactly at the limit", path: "/agent-requests", token: tok, args: post("-body", body(`{"agentIdentity":"alice","pad":"`+strings.Repeat("x", 64-34)+`"}`)),
			wantCode: exitOK, want: []string{"decision: ALLOW"}},
		{name: "declared content-length over the limit", path: "/agent-requests", token: tok, args: post("-header", "content-length=65"), wantCode: exitFail,
			want: []string{"reason:   body_too_large"}},
		{name: "empty body: a request without one", path: "/agent-requests", token: tok, args: post("-body", body("")), wantCode: exitFail,
			want: []string{"decision: DENY 400\n", "reason:   body_invalid: request body must be a JSON object\n", "HINT: rule create-request has conditions on body fields"}},
		{name: "form body", path: "/agent-requests", token: tok, args: post("-body", body("agentIdentity=alice")), wantCode: exitFail,
			want: []string{"reason:   body_invalid"}},
		{name: "a rule without body conditions ignores -body", path: "/api/x", token: tok, args: []string{"-body", body("not json")}, wantCode: exitOK,
			want: []string{"decision: ALLOW"}},
	})
}
