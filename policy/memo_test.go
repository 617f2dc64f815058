package policy

import (
	"fmt"
	"testing"
)

// decide is Engine.Decide checked against a Memo: the decision with memo, twice (a
// remembered result the second time where the conditions allow it), must be the one made
// without. A nil memo is a fresh one. Every decide and scenario test goes through it.
func decide(t *testing.T, e *Engine, route Route, outcomes map[string]Outcome, r *Request, memo *Memo) Decision {
	t.Helper()
	want := e.Decide(route, outcomes, r)
	if memo == nil {
		memo = NewMemo(0)
	}
	var rm Request
	if r != nil {
		rm = *r
	}
	rm.Memo = memo
	for i := range 2 {
		if got := e.Decide(route, outcomes, &rm); got != want {
			t.Fatalf("with a memo (request %d): Decide() = %+v, without: %+v", i+1, got, want)
		}
	}
	return want
}

// TestMemo_RequestValuesAreNotRemembered: conditions comparing with a request value (path
// capture, header, query, body, select by capture) are judged per request. The same claims
// are allowed for tenant "acme" and denied for "other", in either order.
func TestMemo_RequestValuesAreNotRemembered(t *testing.T) {
	claims := `{"tenant":"acme","tenants":[{"id":"acme","role":"admin"}]}`
	tests := []struct {
		name string
		cond Condition // on a request whose path, query, header and body all name one tenant
	}{
		{name: "capture", cond: Condition{Claim: "tenant", Op: OpEquals, Values: []Value{{Capture: "tenant"}}}},
		{name: "header", cond: Condition{Claim: "tenant", Op: OpEquals, Values: []Value{{Header: "x-tenant"}}}},
		{name: "query", cond: Condition{Claim: "tenant", Op: OpEquals, Values: []Value{{Query: "tenant"}}}},
		{name: "body", cond: Condition{Claim: "tenant", Op: OpEquals, Values: []Value{{Body: "tenant"}}}},
		{name: "literal and capture", cond: Condition{Claim: "tenant", Op: OpEquals, Values: []Value{{Literal: "nobody"}, {Capture: "tenant"}}}},
		{name: "select by capture", cond: Condition{Claim: "tenants", Select: &Select{Key: "id", Value: Value{Capture: "tenant"}, Field: "role"},
			Op: OpEquals, Values: lit("admin")}},
		{name: "negated capture", cond: Condition{Claim: "tenant", Op: OpEquals, Negate: true, Values: []Value{{Capture: "other"}}}},
	}
	request := func(tenant, other string) *Request {
		return &Request{Method: "POST", Path: "/t/" + tenant + "/" + other, Query: "tenant=" + tenant,
			Header: func(n string) (string, bool) { return tenant, n == "x-tenant" },
			Body:   []byte(`{"tenant":"` + tenant + `"}`)}
	}
	for _, tc := range tests {
		for _, order := range [][]string{{"acme", "other"}, {"other", "acme"}} {
			t.Run(tc.name+"/"+order[0]+" first", func(t *testing.T) {
				rule := &Rule{Template: "/t/{tenant}/{other}", Requires: &Requirement{Provider: "p"}, Conditions: []Condition{tc.cond}}
				e, err := New(Options{Rules: []*Rule{rule}})
				if err != nil {
					t.Fatal(err)
				}
				memo := NewMemo(0)
				outcomes := map[string]Outcome{"p": verified(claims)} // one token, two requests
				for _, tenant := range order {
					r := request(tenant, "other")
					if tc.cond.Negate {
						r = request("acme", tenant) // "must differ from {other}": acme/acme is refused
					}
					r.Memo = memo
					route, _ := e.Match(r)
					d := e.Decide(route, outcomes, r)
					if want := (tenant != "acme") == tc.cond.Negate; d.Allow != want {
						t.Fatalf("%s: Decide() = %+v, want allow %v", r.Path, d, want)
					}
				}
				if memo.Len() != 0 {
					t.Errorf("memo holds %d results, want none", memo.Len())
				}
			})
		}
	}
}

// TestMemo_ClaimsOnlyConditionsAreRemembered: literal values, exists, identity and role
// conditions are remembered, one result per (token, condition), true and false alike.
func TestMemo_ClaimsOnlyConditionsAreRemembered(t *testing.T) {
	rule := &Rule{Prefix: "/", Requires: &Requirement{Provider: "p"}, Conditions: []Condition{
		{Claim: "sub", Op: OpExists},
		{Claim: "roles", Op: OpContains, Values: lit("reader")},
		{Identity: true, Op: OpPrefix, Values: lit("svc-")},
		{Claim: "roles", Roles: true, Op: OpHasPermission, Values: lit("nodes:read")},
	}}
	e, err := New(Options{Rules: []*Rule{rule}, RolePermissions: map[string][]string{"reader": {"*:read"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		claims    string
		wantAllow bool
		wantLen   int // results remembered after this token, cumulative
	}{
		{name: "all hold", claims: `{"sub":"svc-a","roles":["reader"]}`, wantAllow: true, wantLen: 4},
		{name: "third fails", claims: `{"sub":"user-b","roles":["reader"]}`, wantLen: 7},
		{name: "first fails", claims: `{"roles":["reader"]}`, wantLen: 8},
	}
	memo := NewMemo(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Path: "/x", Memo: memo}
			route, _ := e.Match(r)
			outcomes := map[string]Outcome{"p": verified(tc.claims)}
			for range 3 {
				if d := e.Decide(route, outcomes, r); d.Allow != tc.wantAllow {
					t.Fatalf("Decide() = %+v, want allow %v", d, tc.wantAllow)
				}
			}
			if memo.Len() != tc.wantLen {
				t.Errorf("Len() = %d, want %d", memo.Len(), tc.wantLen)
			}
		})
	}
}

// TestMemo_IdentityPerProvider: one token verified for two providers reads a different
// identity claim for each (kc: azp, azure: appid); the results are not shared.
func TestMemo_IdentityPerProvider(t *testing.T) {
	rule := &Rule{Requires: &Requirement{AnyOf: []*Requirement{{Provider: "kc"}, {Provider: "azure"}}},
		Conditions: []Condition{{Identity: true, Op: OpEquals, Values: lit("agent-1")}}}
	e, err := New(Options{Rules: []*Rule{rule}, IdentityClaims: map[string]string{"kc": "azp", "azure": "appid"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := verified(`{"azp":"agent-1","appid":"someone-else"}`)
	for _, order := range [][]string{{"kc", "azure"}, {"azure", "kc"}} {
		memo := NewMemo(0)
		for _, provider := range order {
			r := &Request{Path: "/", Memo: memo}
			route, _ := e.Match(r)
			if d := e.Decide(route, map[string]Outcome{provider: tok}, r); d.Allow != (provider == "kc") || d.Provider != provider {
				t.Errorf("%v, %s: Decide() = %+v, want allow %v", order, provider, d, provider == "kc")
			}
		}
	}
}

// TestMemo_Bounded: a memo full of results is cleared, not grown, and keeps deciding right.
func TestMemo_Bounded(t *testing.T) {
	rule := &Rule{Prefix: "/", Requires: &Requirement{Provider: "p"}, Conditions: []Condition{{Claim: "roles", Op: OpContains, Values: lit("reader")}}}
	e, _ := New(Options{Rules: []*Rule{rule}})
	for _, memo := range []*Memo{NewMemo(5), {}} {
		bound := 5
		if memo.max == 0 {
			bound = DefaultMemoEntries // the zero value
		}
		for i := range 3 * bound {
			role := "reader"
			if i%3 == 0 {
				role = "writer"
			}
			r := &Request{Path: "/", Memo: memo}
			route, _ := e.Match(r)
			outcomes := map[string]Outcome{"p": verified(`{"roles":["` + role + `"]}`)}
			if d := e.Decide(route, outcomes, r); d.Allow != (role == "reader") {
				t.Fatalf("token %d: Decide() = %+v, want allow %v", i, d, role == "reader")
			}
			if memo.Len() > bound {
				t.Fatalf("token %d: Len() = %d, over the bound %d", i, memo.Len(), bound)
			}
		}
		if memo.Clears() != 2 {
			t.Errorf("bound %d: Clears() = %d after 3x as many tokens, want 2", bound, memo.Clears())
		}
	}
}

// TestMemo_BelongsToOneEngine: a memo used with a new Engine (a new configuration, same
// rules, another superuser) forgets the old Engine's results.
func TestMemo_BelongsToOneEngine(t *testing.T) {
	rule := &Rule{Prefix: "/", Requires: &Requirement{Provider: "p"}, Conditions: []Condition{{Claim: "permissions", Op: OpHasPermission, Values: lit("nodes:write")}}}
	withRoot, _ := New(Options{Rules: []*Rule{rule}, Superuser: "root"})
	without, _ := New(Options{Rules: []*Rule{rule}})
	memo := NewMemo(0)
	outcomes := map[string]Outcome{"p": verified(`{"permissions":["root"]}`)}
	for i, tc := range []struct {
		e         *Engine
		wantAllow bool
	}{{withRoot, true}, {without, false}, {withRoot, true}, {withRoot, true}, {without, false}} {
		r := &Request{Path: "/", Memo: memo}
		route, _ := tc.e.Match(r)
		if d := tc.e.Decide(route, outcomes, r); d.Allow != tc.wantAllow {
			t.Errorf("request %d: Decide() = %+v, want allow %v", i, d, tc.wantAllow)
		}
	}
}

// TestMemo_DenialMessage: a remembered failure gives the same 403 as the first, with the
// missing permission named.
func TestMemo_DenialMessage(t *testing.T) {
	rule := &Rule{Path: "/deploy", Requires: &Requirement{Provider: "p"}, Format: Format{NameMissing: true},
		Conditions: []Condition{{Claim: "permissions", Op: OpHasPermission, Values: lit("swarm:deploy")}}}
	e, _ := New(Options{Rules: []*Rule{rule}})
	r := &Request{Path: "/deploy", Memo: NewMemo(0)}
	route, _ := e.Match(r)
	outcomes := map[string]Outcome{"p": verified(`{"permissions":["cluster:read"]}`)}
	const want = `insufficient permissions: claim "permissions" lacks the required permission (requires "swarm:deploy")`
	for i := range 2 {
		if d := e.Decide(route, outcomes, r); d.Status != 403 || d.Message != want {
			t.Errorf("request %d: Decide() = %+v, want 403 %q", i+1, d, want)
		}
	}
	if r.Memo.Len() != 1 {
		t.Errorf("Len() = %d, want 1", r.Memo.Len())
	}
}

// Test_memoizable: only literal values make a condition claims-only; any request value, and
// any select (even one with a literal key: selects are rare, simpler to keep out) make it per request.
func Test_memoizable(t *testing.T) {
	tests := []struct {
		cond Condition
		want bool
	}{
		{cond: Condition{Claim: "a", Op: OpExists}, want: true},
		{cond: Condition{Claim: "a", Op: OpEquals, Values: lit("x", "y")}, want: true},
		{cond: Condition{Identity: true, Op: OpEquals, Negate: true, Values: lit("x")}, want: true},
		{cond: Condition{Claim: "a", Op: OpEquals, Values: []Value{{Literal: "x"}, {Header: "h"}}}},
		{cond: Condition{Claim: "a", Op: OpEquals, Values: []Value{{Query: "q"}}}},
		{cond: Condition{Claim: "a", Op: OpEquals, Values: []Value{{Body: "b"}}}},
		{cond: Condition{Claim: "a", Op: OpEquals, Values: []Value{{Capture: "c"}}}},
		{cond: Condition{Claim: "a", Op: OpEquals, Values: lit("x"), Select: &Select{Key: "id", Value: Value{Literal: "prod"}, Field: "role"}}},
		{cond: Condition{Claim: "a", Op: OpExists, Select: &Select{Key: "id", Value: Value{Body: "t"}, Field: "role"}}},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := memoizable(&tc.cond); got != tc.want {
				t.Errorf("memoizable(%+v) = %v, want %v", tc.cond, got, tc.want)
			}
		})
	}
}

// FuzzMemo: on any claims, a memo never changes a decision, also when one token goes to
// two paths (the capture condition differs, the literal one is remembered).
func FuzzMemo(f *testing.F) {
	f.Add(`{"roles":["reader"],"tenant":"acme"}`, "reader", uint8(OpContains), false, "acme", "other")
	f.Add(`{"roles":"a b","tenant":"x"}`, "b", uint8(OpContains), true, "x", "x")
	f.Add(`{"roles":["admin:*"],"sub":"admin:write"}`, "admin:write", uint8(OpHasPermission), false, "a", "b")
	f.Add(`{"roles":12.50,"sub":"12.50"}`, "12.50", uint8(OpEquals), false, "a", "a")
	f.Add(`{"roles":"svc-a"}`, "svc-", uint8(OpPrefix), true, "", "b")
	f.Add(`not json`, "", uint8(OpExists), false, "a", "b")
	f.Fuzz(func(t *testing.T, claimsJSON, literal string, op uint8, negate bool, tenant1, tenant2 string) {
		cond := Condition{Claim: "roles", Op: Op(op%5 + 1), Negate: negate, Delimiter: " "}
		if cond.Op != OpExists {
			cond.Values = lit(literal)
		}
		rule := &Rule{Template: "/t/{tenant}", Requires: &Requirement{Provider: "p"}, Format: Format{NameMissing: true}, Conditions: []Condition{
			cond,
			{Identity: true, Op: OpEquals, Values: lit(literal)},
			{Claim: "tenant", Op: OpEquals, Values: []Value{{Capture: "tenant"}}},
		}}
		e, err := New(Options{Rules: []*Rule{rule}, Superuser: "admin:*"})
		if err != nil {
			return
		}
		memo := NewMemo(2)
		outcomes := map[string]Outcome{"p": verified(claimsJSON)}
		for _, tenant := range []string{tenant1, tenant2, tenant1} {
			r := &Request{Path: "/t/" + tenant}
			route, ok := e.Match(r)
			if !ok {
				continue
			}
			decide(t, e, route, outcomes, r, memo)
		}
	})
}
