package policy

import (
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// TestDecide_TenantRoles: Infracast's per-tenant roles. The role in the tenant named by the
// path is mapped to permissions, then has_permission applies.
func TestDecide_TenantRoles(t *testing.T) {
	tenants := `{"tenants":[{"id":"prod","role":"admin"},{"id":"staging","role":"viewer"},{"id":"dev","role":"editor"},"junk",{"id":7,"role":"admin"}]}`
	roles := map[string][]string{"admin": {"admin:*"}, "viewer": {"*:read"}, "editor": {"nodes:read", "nodes:write"}}
	sel := &Select{Key: "id", Value: Value{Capture: "tenant"}, Field: "role"}
	tests := []struct {
		name      string
		path      string
		want      string
		claims    string
		cond      *Condition
		wantAllow bool
	}{
		{name: "admin in prod writes", path: "/t/prod/nodes", want: "nodes:write", claims: tenants, wantAllow: true},
		{name: "viewer in staging reads", path: "/t/staging/nodes", want: "nodes:read", claims: tenants, wantAllow: true},
		{name: "viewer in staging cannot write", path: "/t/staging/nodes", want: "nodes:write", claims: tenants},
		{name: "editor in dev writes nodes", path: "/t/dev/nodes", want: "nodes:write", claims: tenants, wantAllow: true},
		{name: "editor in dev cannot write jobs", path: "/t/dev/nodes", want: "jobs:write", claims: tenants},
		{name: "no entry for the tenant", path: "/t/other/nodes", want: "nodes:read", claims: tenants},
		{name: "numeric id compared as text", path: "/t/7/nodes", want: "nodes:read", claims: tenants, wantAllow: true},
		{name: "unknown role grants nothing", path: "/t/prod/nodes", want: "nodes:read", claims: `{"tenants":[{"id":"prod","role":"owner"}]}`},
		{name: "role array mapped member by member", path: "/t/prod/nodes", want: "nodes:write", claims: `{"tenants":[{"id":"prod","role":["viewer","editor"]}]}`, wantAllow: true},
		{name: "claim not an array", path: "/t/prod/nodes", want: "nodes:read", claims: `{"tenants":{"id":"prod","role":"admin"}}`},
		{name: "claim absent", path: "/t/prod/nodes", want: "nodes:read", claims: `{}`},
		{name: "first matching entry wins", path: "/t/prod/nodes", want: "nodes:write", claims: `{"tenants":[{"id":"prod","role":"viewer"},{"id":"prod","role":"admin"}]}`},
		{name: "capture cannot inject a query", path: `/t/prod")%23(id==x/nodes`, want: "nodes:read", claims: tenants},
		{name: "role names are not permissions without Roles", path: "/t/prod/nodes", want: "admin", claims: tenants, wantAllow: true,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpHasPermission, Values: []Value{{Literal: "admin"}}}},
		{name: "select with equals on the role", path: "/t/staging/nodes", claims: tenants, wantAllow: true,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpEquals, Values: []Value{{Literal: "viewer"}}}},
		{name: "optional absent claim", path: "/t/prod/nodes", claims: `{}`, wantAllow: true,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpEquals, Optional: true, Values: []Value{{Literal: "viewer"}}}},
		{name: "optional present claim without the tenant fails", path: "/t/other/nodes", claims: tenants,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpEquals, Optional: true, Values: []Value{{Literal: "viewer"}}}},
		{name: "optional present claim, wrong role", path: "/t/prod/nodes", claims: tenants,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpEquals, Optional: true, Values: []Value{{Literal: "viewer"}}}},
		{name: "exists on the selected entry", path: "/t/dev/nodes", claims: tenants, wantAllow: true,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpExists}},
		{name: "exists without an entry", path: "/t/other/nodes", claims: tenants,
			cond: &Condition{Claim: "tenants", Select: sel, Op: OpExists}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Condition{Claim: "tenants", Select: sel, Roles: true, Op: OpHasPermission, Values: []Value{{Literal: tc.want}}}
			if tc.cond != nil {
				c = *tc.cond
			}
			rule := &Rule{Template: "/t/{tenant}/nodes", Requires: &Requirement{Provider: "p"}, Conditions: []Condition{c}}
			e, err := New(Options{Rules: []*Rule{rule}, RolePermissions: roles, Superuser: "admin:*"})
			if err != nil {
				t.Fatal(err)
			}
			r := &Request{Path: tc.path}
			route, ok := e.Match(r)
			if !ok || route.Rule == nil {
				t.Fatalf("Match(%s) found no rule", tc.path)
			}
			d := decide(t, e, route, map[string]Outcome{"p": verified(tc.claims)}, r, nil)
			if d.Allow != tc.wantAllow {
				t.Fatalf("Decide() = %+v, want allow %v", d, tc.wantAllow)
			}
			if !d.Allow && d.Code != CodeInsufficientPermissions {
				t.Errorf("Code = %q, want %q", d.Code, CodeInsufficientPermissions)
			}
		})
	}
}

// TestDecide_AnyOfReportsTheIssuersVerdict: with requires_any, an expired token of the
// second provider reads token_expired, not the first provider's issuer_mismatch.
func TestDecide_AnyOfReportsTheIssuersVerdict(t *testing.T) {
	rule := &Rule{Prefix: "/", Requires: &Requirement{AnyOf: []*Requirement{{Provider: "a"}, {Provider: "b"}}}}
	e, _ := New(Options{Rules: []*Rule{rule}})
	r := &Request{Path: "/x"}
	route, _ := e.Match(r)
	for name, outcomes := range map[string]map[string]Outcome{
		"mismatch first":  {"a": {Err: jwt.ErrIssuer}, "b": {Err: jwt.ErrExpired}},
		"mismatch second": {"a": {Err: jwt.ErrExpired}, "b": {Err: jwt.ErrIssuer}},
	} {
		if d := decide(t, e, route, outcomes, r, nil); d.Code != "token_expired" {
			t.Errorf("%s: Code = %q, want token_expired", name, d.Code)
		}
	}
}

// TestDecide_ConditionProviders: keys and user tokens on one route, each with the conditions
// of its claim shape.
func TestDecide_ConditionProviders(t *testing.T) {
	rule := &Rule{Template: "/t/{tenant}/nodes", Requires: &Requirement{AnyOf: []*Requirement{{Provider: "users"}, {Provider: "keys"}}},
		Conditions: []Condition{
			{Providers: []string{"keys"}, Claim: "tenants", Op: OpContains, Values: []Value{{Capture: "tenant"}}},
			{Providers: []string{"keys"}, Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: "nodes:read"}}},
			{Providers: []string{"users"}, Claim: "tenants", Select: &Select{Key: "id", Value: Value{Capture: "tenant"}, Field: "role"},
				Roles: true, Op: OpHasPermission, Values: []Value{{Literal: "nodes:read"}}},
		}}
	e, err := New(Options{Rules: []*Rule{rule}, RolePermissions: map[string][]string{"viewer": {"*:read"}}})
	if err != nil {
		t.Fatal(err)
	}
	key := verified(`{"sub":"ci","tenants":["my-tenant"],"permissions":["nodes:read"]}`)
	user := verified(`{"sub":"u","tenants":[{"id":"my-tenant","role":"viewer"}]}`)
	tests := []struct {
		name     string
		path     string
		outcomes map[string]Outcome
		want     bool
	}{
		{"key in its tenant", "/t/my-tenant/nodes", map[string]Outcome{"keys": key, "users": {Missing: true}}, true},
		{"key elsewhere", "/t/other/nodes", map[string]Outcome{"keys": key, "users": {Missing: true}}, false},
		{"user viewer", "/t/my-tenant/nodes", map[string]Outcome{"users": user, "keys": {Missing: true}}, true},
		{"user elsewhere", "/t/other/nodes", map[string]Outcome{"users": user, "keys": {Missing: true}}, false},
		{"user claims shaped like a key", "/t/my-tenant/nodes", map[string]Outcome{"users": key, "keys": {Missing: true}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Path: tc.path}
			route, _ := e.Match(r)
			if d := decide(t, e, route, tc.outcomes, r, nil); d.Allow != tc.want {
				t.Errorf("Decide() = %+v, want allow %v", d, tc.want)
			}
		})
	}
}
