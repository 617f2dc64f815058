package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

func claims(json string) *jwt.Claims { return jwt.NewClaims([]byte(json)) }

func verified(json string) Outcome { return Outcome{Claims: claims(json)} }

func failed(err error) Outcome { return Outcome{Err: err} }

var expired = fmt.Errorf("%w: exp 1893455940 before now 1893456000 - skew 60s", jwt.ErrExpired)

func TestDecide_Requirements(t *testing.T) {
	prov := func(n string) *Requirement { return &Requirement{Provider: n} }
	tests := []struct {
		name         string
		req          *Requirement
		outcomes     map[string]Outcome
		wantStatus   int
		wantCode     string
		wantProvider string
	}{
		{name: "public", req: nil, wantStatus: 200},
		{name: "provider verified", req: prov("kc"), outcomes: map[string]Outcome{"kc": verified(`{"sub":"a"}`)}, wantStatus: 200, wantProvider: "kc"},
		{name: "provider absent is missing", req: prov("kc"), wantStatus: 401, wantCode: "token_missing"},
		{name: "provider missing", req: prov("kc"), outcomes: map[string]Outcome{"kc": {Missing: true}}, wantStatus: 401, wantCode: "token_missing"},
		{name: "provider failed with jwt error", req: prov("kc"), outcomes: map[string]Outcome{"kc": failed(expired)}, wantStatus: 401, wantCode: "token_expired"},
		{name: "provider failed with unknown error", req: prov("kc"), outcomes: map[string]Outcome{"kc": failed(errors.New("boom"))}, wantStatus: 401, wantCode: "token_invalid"},
		{name: "verified without claims fails closed", req: prov("kc"), outcomes: map[string]Outcome{"kc": {}}, wantStatus: 401, wantCode: "token_invalid"},
		{name: "other provider's token does not count", req: prov("kc"), outcomes: map[string]Outcome{"okta": verified(`{}`)}, wantStatus: 401, wantCode: "token_missing"},
		{name: "any_of second holds", req: &Requirement{AnyOf: []*Requirement{prov("kc"), prov("okta")}},
			outcomes: map[string]Outcome{"okta": verified(`{}`)}, wantStatus: 200, wantProvider: "okta"},
		{name: "any_of first verified is the principal", req: &Requirement{AnyOf: []*Requirement{prov("okta"), prov("kc")}},
			outcomes: map[string]Outcome{"kc": verified(`{}`), "okta": verified(`{}`)}, wantStatus: 200, wantProvider: "okta"},
		{name: "any_of failure beats missing", req: &Requirement{AnyOf: []*Requirement{prov("kc"), prov("okta")}},
			outcomes: map[string]Outcome{"okta": failed(fmt.Errorf("%w: kid x", jwt.ErrUnknownKid))}, wantStatus: 401, wantCode: "kid_unknown"},
		{name: "any_of all missing", req: &Requirement{AnyOf: []*Requirement{prov("kc"), prov("okta")}}, wantStatus: 401, wantCode: "token_missing"},
		{name: "any_of with allow_missing, no token", req: &Requirement{AnyOf: []*Requirement{prov("kc"), {AllowMissing: true}}}, wantStatus: 200},
		{name: "any_of with allow_missing, bad token", req: &Requirement{AnyOf: []*Requirement{prov("kc"), {AllowMissing: true}}},
			outcomes: map[string]Outcome{"kc": failed(expired)}, wantStatus: 401, wantCode: "token_expired"},
		{name: "all_of both", req: &Requirement{AllOf: []*Requirement{prov("kc"), prov("mtls")}},
			outcomes: map[string]Outcome{"kc": verified(`{}`), "mtls": verified(`{}`)}, wantStatus: 200, wantProvider: "kc"},
		{name: "all_of one missing", req: &Requirement{AllOf: []*Requirement{prov("kc"), prov("mtls")}},
			outcomes: map[string]Outcome{"kc": verified(`{}`)}, wantStatus: 401, wantCode: "token_missing"},
		{name: "all_of failure beats earlier missing", req: &Requirement{AllOf: []*Requirement{prov("kc"), prov("mtls")}},
			outcomes: map[string]Outcome{"mtls": failed(expired)}, wantStatus: 401, wantCode: "token_expired"},
		{name: "allow_missing no token", req: &Requirement{AllowMissing: true}, wantStatus: 200},
		{name: "allow_missing good token is the principal", req: &Requirement{AllowMissing: true},
			outcomes: map[string]Outcome{"kc": verified(`{}`)}, wantStatus: 200, wantProvider: "kc"},
		{name: "allow_missing bad token", req: &Requirement{AllowMissing: true},
			outcomes: map[string]Outcome{"kc": failed(jwt.ErrBadSignature)}, wantStatus: 401, wantCode: "signature_invalid"},
		{name: "allow_missing_or_failed bad token", req: &Requirement{AllowMissingOrFailed: true},
			outcomes: map[string]Outcome{"kc": failed(jwt.ErrBadSignature)}, wantStatus: 200},
		{name: "allow_missing_or_failed keeps verified claims", req: &Requirement{AllowMissingOrFailed: true},
			outcomes: map[string]Outcome{"a": failed(jwt.ErrBadSignature), "b": verified(`{}`)}, wantStatus: 200, wantProvider: "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(Options{Rules: []*Rule{{Requires: tc.req}}})
			if err != nil {
				t.Fatal(err)
			}
			r := &Request{Method: "GET", Path: "/x"}
			route, _ := e.Match(r)
			d := decide(t, e, route, tc.outcomes, r, nil)
			if d.Status != tc.wantStatus || d.Code != tc.wantCode || d.Provider != tc.wantProvider || d.Allow != (tc.wantStatus == 200) {
				t.Fatalf("Decide() = %+v, want status %d code %q provider %q", d, tc.wantStatus, tc.wantCode, tc.wantProvider)
			}
			if (d.Principal != nil) != (tc.wantProvider != "") {
				t.Errorf("Principal = %v, want one iff provider %q", d.Principal, tc.wantProvider)
			}
		})
	}
}

// TestDecide_AllJWTErrorsKeepTheirCode: every jwt class reaches the client as its own code.
func TestDecide_AllJWTErrorsKeepTheirCode(t *testing.T) {
	e, _ := New(Options{Rules: []*Rule{{Requires: &Requirement{Provider: "p"}}}})
	route, _ := e.Match(&Request{Path: "/"})
	for _, je := range jwt.AllErrors {
		d := decide(t, e, route, map[string]Outcome{"p": failed(fmt.Errorf("%w: detail", je))}, nil, nil)
		if d.Allow || d.Status != 401 || d.Code != je.Code() || d.Message != je.Description() {
			t.Errorf("%s: Decide() = %+v", je.Code(), d)
		}
	}
}

func TestDecide_NoRouteAndRejectedPath(t *testing.T) {
	e, _ := New(Options{Rules: []*Rule{{Path: "/a"}}})
	for path, want := range map[string]Decision{
		"/b":      {Status: 403, Code: "no_route"},
		"/a%2fb":  {Status: 400, Code: "path_rejected"},
		"/a#frag": {Status: 400, Code: "path_rejected"},
	} {
		r := &Request{Path: path}
		route, ok := e.Match(r)
		d := decide(t, e, route, nil, r, nil)
		if ok || d.Allow || d.Status != want.Status || d.Code != want.Code {
			t.Errorf("%s: Match ok=%v, Decide() = %+v, want %d %s", path, ok, d, want.Status, want.Code)
		}
	}
}

func TestDecide_SourceRanges(t *testing.T) {
	rule := &Rule{SourceRanges: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.100/32")},
		Requires: &Requirement{Provider: "p"}}
	e, _ := New(Options{Rules: []*Rule{rule}})
	ok := map[string]Outcome{"p": verified(`{}`)}
	tests := []struct {
		name       string
		source     netip.Addr
		outcomes   map[string]Outcome
		wantStatus int
		wantCode   string
	}{
		{name: "inside", source: netip.MustParseAddr("10.1.2.3"), outcomes: ok, wantStatus: 200},
		{name: "single address", source: netip.MustParseAddr("192.168.1.100"), outcomes: ok, wantStatus: 200},
		{name: "v4-mapped v6", source: netip.MustParseAddr("::ffff:10.1.2.3"), outcomes: ok, wantStatus: 200},
		{name: "outside", source: netip.MustParseAddr("192.168.1.101"), outcomes: ok, wantStatus: 403, wantCode: "source_not_allowed"},
		{name: "unknown source", outcomes: ok, wantStatus: 403, wantCode: "source_not_allowed"},
		{name: "authentication first", source: netip.MustParseAddr("8.8.8.8"), wantStatus: 401, wantCode: "token_missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Path: "/", Source: tc.source}
			route, _ := e.Match(r)
			d := decide(t, e, route, tc.outcomes, r, nil)
			if d.Status != tc.wantStatus || d.Code != tc.wantCode {
				t.Fatalf("Decide() = %+v, want %d %q", d, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestDecide_Conditions(t *testing.T) {
	hdr := func(kv ...string) func(string) (string, bool) {
		return func(n string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == n {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	tests := []struct {
		name      string
		cond      Condition
		claims    string
		path      string
		query     string
		header    func(string) (string, bool)
		nameMiss  bool
		wantAllow bool
		wantMsg   string
	}{
		{name: "equals string", cond: Condition{Claim: "iss_tenant", Op: OpEquals, Values: []Value{{Literal: "a"}, {Literal: "b"}}}, claims: `{"iss_tenant":"b"}`, wantAllow: true},
		{name: "equals number as text", cond: Condition{Claim: "lvl", Op: OpEquals, Values: []Value{{Literal: "12.50"}}}, claims: `{"lvl":12.50}`, wantAllow: true},
		{name: "equals number other text", cond: Condition{Claim: "lvl", Op: OpEquals, Values: []Value{{Literal: "12.5"}}}, claims: `{"lvl":12.50}`,
			wantMsg: `claim "lvl" does not have a required value`},
		{name: "equals bool", cond: Condition{Claim: "email_verified", Op: OpEquals, Values: []Value{{Literal: "true"}}}, claims: `{"email_verified":true}`, wantAllow: true},
		{name: "equals string true is not bool", cond: Condition{Claim: "v", Op: OpEquals, Values: []Value{{Literal: "true"}}}, claims: `{"v":"true"}`, wantAllow: true},
		{name: "equals array never", cond: Condition{Claim: "v", Op: OpEquals, Values: []Value{{Literal: "a"}}}, claims: `{"v":["a"]}`},
		{name: "exists", cond: Condition{Claim: "realm_access.roles", Op: OpExists}, claims: `{"realm_access":{"roles":[]}}`, wantAllow: true},
		{name: "exists null", cond: Condition{Claim: "a", Op: OpExists}, claims: `{"a":null}`, wantMsg: `claim "a" is required`},
		{name: "negated exists: absent", cond: Condition{Claim: "act", Op: OpExists, Negate: true}, claims: `{}`, wantAllow: true},
		{name: "negated exists: present", cond: Condition{Claim: "act", Op: OpExists, Negate: true}, claims: `{"act":{}}`, wantMsg: `claim "act" must be absent`},
		{name: "prefix", cond: Condition{Claim: "email", Op: OpPrefix, Values: []Value{{Literal: "svc-"}}}, claims: `{"email":"svc-a@x"}`, wantAllow: true},
		{name: "prefix not string", cond: Condition{Claim: "n", Op: OpPrefix, Values: []Value{{Literal: "1"}}}, claims: `{"n":12}`},
		{name: "contains array", cond: Condition{Claim: "resource_access.my-client.roles", Op: OpContains, Values: []Value{{Literal: "editor"}}},
			claims: `{"resource_access":{"my-client":{"roles":["viewer","editor"]}}}`, wantAllow: true},
		{name: "contains scope string", cond: Condition{Claim: "scope", Delimiter: " ", Op: OpContains, Values: []Value{{Literal: "cluster:read"}}},
			claims: `{"scope":"openid  cluster:read swarm:deploy"}`, wantAllow: true},
		{name: "contains is not substring", cond: Condition{Claim: "scope", Delimiter: " ", Op: OpContains, Values: []Value{{Literal: "read"}}},
			claims: `{"scope":"cluster:read"}`, wantMsg: `claim "scope" lacks a required value`},
		{name: "contains without delimiter is whole string", cond: Condition{Claim: "scope", Op: OpContains, Values: []Value{{Literal: "a"}}},
			claims: `{"scope":"a b"}`},
		{name: "contains names missing", cond: Condition{Claim: "scope", Delimiter: " ", Op: OpContains, Values: []Value{{Literal: "swarm:deploy"}}},
			claims: `{"scope":"cluster:read"}`, nameMiss: true, wantMsg: `claim "scope" lacks a required value (requires "swarm:deploy")`},
		{name: "permission wildcard", cond: Condition{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "admin:write"}}},
			claims: `{"permissions":["admin:*"]}`, wantAllow: true},
		{name: "permission wildcard other resource", cond: Condition{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "nodes:write"}}},
			claims: `{"permissions":["admin:*"]}`, wantMsg: `insufficient permissions: claim "permissions" lacks the required permission`},
		{name: "permission wildcard needs the colon", cond: Condition{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "administrator:x"}}},
			claims: `{"permissions":["admin:*"]}`},
		{name: "permission action wildcard", cond: Condition{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "nodes:read"}}},
			claims: `{"permissions":["*:read"]}`, wantAllow: true},
		{name: "permission action wildcard other action", cond: Condition{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "nodes:write"}}},
			claims: `{"permissions":["*:read"]}`},
		{name: "permission named missing", cond: Condition{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "findings:write"}}, Message: "Insufficient permissions"},
			claims: `{"permissions":["findings:read"]}`, nameMiss: true, wantMsg: `Insufficient permissions (requires "findings:write")`},
		{name: "capture value", cond: Condition{Claim: "tenant", Op: OpEquals, Values: []Value{{Capture: "t"}}}, path: "/t/acme", claims: `{"tenant":"acme"}`, wantAllow: true},
		{name: "header value", cond: Condition{Claim: "env", Op: OpEquals, Values: []Value{{Header: "x-env"}}}, header: hdr("x-env", "e1"), claims: `{"env":"e1"}`, wantAllow: true},
		{name: "header absent never matches", cond: Condition{Claim: "env", Op: OpEquals, Values: []Value{{Header: "x-env"}}}, claims: `{"env":""}`},
		{name: "header empty never matches", cond: Condition{Claim: "env", Op: OpEquals, Values: []Value{{Header: "x-env"}}}, header: hdr("x-env", ""), claims: `{"env":""}`},
		{name: "query value decoded", cond: Condition{Claim: "env", Op: OpEquals, Values: []Value{{Query: "env"}}}, query: "a=1&env=e%201", claims: `{"env":"e 1"}`, wantAllow: true},
		{name: "query given twice refused", cond: Condition{Claim: "env", Op: OpEquals, Values: []Value{{Query: "env"}}}, query: "env=e1&env=e2", claims: `{"env":"e1"}`},
		{name: "negate differs", cond: Condition{Identity: true, Op: OpEquals, Negate: true, Values: []Value{{Capture: "t"}}}, path: "/t/bob", claims: `{"sub":"alice"}`, wantAllow: true},
		{name: "negate same", cond: Condition{Identity: true, Op: OpEquals, Negate: true, Values: []Value{{Capture: "t"}}}, path: "/t/alice", claims: `{"sub":"alice"}`,
			wantMsg: "caller identity must differ from the given value"},
		{name: "negate with absent request value fails closed", cond: Condition{Claim: "sub", Op: OpEquals, Negate: true, Values: []Value{{Header: "x-requester"}}}, claims: `{"sub":"alice"}`},
		{name: "negate with absent claim fails closed", cond: Condition{Claim: "azp", Op: OpEquals, Negate: true, Values: []Value{{Literal: "x"}}}, claims: `{"sub":"alice"}`},
		{name: "negate with unreadable claim fails closed", cond: Condition{Claim: "azp", Op: OpEquals, Negate: true, Values: []Value{{Literal: "x"}}}, claims: `{"azp":{"a":1}}`},
		{name: "negate contains", cond: Condition{Claim: "roles", Op: OpContains, Negate: true, Values: []Value{{Literal: "guest"}}}, claims: `{"roles":["user"]}`, wantAllow: true},
		{name: "claim with colons", cond: Condition{Claim: "urn:inmanta:ct", Delimiter: ",", Op: OpContains, Values: []Value{{Literal: "api"}}}, claims: `{"urn:inmanta:ct":"agent, api"}`, wantAllow: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rule := &Rule{Template: "/t/{t}", Requires: &Requirement{Provider: "p"}, Conditions: []Condition{tc.cond}, Format: Format{NameMissing: tc.nameMiss}}
			if tc.path == "" {
				tc.path = "/t/x"
			}
			e, err := New(Options{Rules: []*Rule{rule}})
			if err != nil {
				t.Fatal(err)
			}
			r := &Request{Path: tc.path, Query: tc.query, Header: tc.header}
			route, _ := e.Match(r)
			d := decide(t, e, route, map[string]Outcome{"p": verified(tc.claims)}, r, nil)
			if d.Allow != tc.wantAllow {
				t.Fatalf("Decide() = %+v, want allow %v", d, tc.wantAllow)
			}
			if !d.Allow && (d.Status != 403 || d.Code != "insufficient_permissions") {
				t.Fatalf("Decide() = %+v, want 403 insufficient_permissions", d)
			}
			if tc.wantMsg != "" && d.Message != tc.wantMsg {
				t.Errorf("Message = %q, want %q", d.Message, tc.wantMsg)
			}
		})
	}
}

func TestDecide_SuperuserAndIdentityClaims(t *testing.T) {
	rule := &Rule{Requires: &Requirement{AnyOf: []*Requirement{{Provider: "kc"}, {Provider: "azure"}}}, Conditions: []Condition{
		{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "nodes:write"}}},
		{Identity: true, Op: OpEquals, Values: []Value{{Literal: "agent-1"}}},
	}}
	e, err := New(Options{Rules: []*Rule{rule}, Superuser: "root", IdentityClaims: map[string]string{"kc": "azp", "azure": "appid"}})
	if err != nil {
		t.Fatal(err)
	}
	route, _ := e.Match(&Request{Path: "/"})
	memo := NewMemo(0)
	for name, tc := range map[string]struct {
		outcomes  map[string]Outcome
		wantAllow bool
	}{
		"superuser, kc azp":         {outcomes: map[string]Outcome{"kc": verified(`{"permissions":["root"],"azp":"agent-1","sub":"x"}`)}, wantAllow: true},
		"kc reads azp, not sub":     {outcomes: map[string]Outcome{"kc": verified(`{"permissions":["root"],"azp":"x","sub":"agent-1"}`)}},
		"azure reads appid":         {outcomes: map[string]Outcome{"azure": verified(`{"permissions":["nodes:write"],"appid":"agent-1"}`)}, wantAllow: true},
		"no superuser permission":   {outcomes: map[string]Outcome{"kc": verified(`{"permissions":["admin:*"],"azp":"agent-1"}`)}},
		"kc principal before azure": {outcomes: map[string]Outcome{"kc": verified(`{"permissions":[],"azp":"agent-1"}`), "azure": verified(`{"permissions":["root"],"appid":"agent-1"}`)}},
	} {
		d := decide(t, e, route, tc.outcomes, nil, memo)
		if d.Allow != tc.wantAllow {
			t.Errorf("%s: Decide() = %+v, want allow %v", name, d, tc.wantAllow)
		}
	}
}

// TestDecide_ConditionsNeedAPrincipal: allow_missing lets tokenless requests through only
// when the rule has no conditions; with conditions, a token is asked for.
func TestDecide_ConditionsNeedAPrincipal(t *testing.T) {
	cond := []Condition{{Claim: "scope", Delimiter: " ", Op: OpContains, Values: []Value{{Literal: "a"}}}}
	for _, req := range []*Requirement{{AllowMissing: true}, {AllowMissingOrFailed: true}} {
		e, _ := New(Options{Rules: []*Rule{{Requires: req, Conditions: cond}}})
		route, _ := e.Match(&Request{Path: "/"})
		if d := decide(t, e, route, nil, nil, nil); d.Allow || d.Code != "token_missing" {
			t.Errorf("%+v without token: Decide() = %+v, want token_missing", req, d)
		}
		if d := decide(t, e, route, map[string]Outcome{"p": failed(expired)}, nil, nil); d.Allow || d.Code != "token_expired" {
			t.Errorf("%+v with expired token: Decide() = %+v, want token_expired", req, d)
		}
	}
}

func TestReplyFormat(t *testing.T) {
	rpc := Format{Kind: FormatJSONRPC}
	e, _ := New(Options{Rules: []*Rule{{Path: "/text", Format: Format{Kind: FormatText}}}, Default: &Rule{Format: rpc}})
	for path, want := range map[string]FormatKind{"/text": FormatText, "/other": FormatJSONRPC, "/a%2Fb": FormatJSONRPC} {
		route, _ := e.Match(&Request{Path: path})
		if got := e.ReplyFormat(route).Kind; got != want {
			t.Errorf("%s: ReplyFormat = %d, want %d", path, got, want)
		}
	}
	bare, _ := New(Options{})
	route, ok := bare.Match(&Request{Path: "/x"})
	if ok || bare.ReplyFormat(route).Kind != FormatJSON {
		t.Errorf("no rules: Match ok=%v, ReplyFormat = %+v, want JSON", ok, bare.ReplyFormat(route))
	}
}
