package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	rules := []*Rule{
		{Name: "health", Path: "/health"},
		{Name: "nodes", Template: "/api/v1/tenants/{tenant}/nodes", Methods: []string{"GET"}},
		{Name: "node", Template: "/api/v1/tenants/{tenant}/nodes/{id}"},
		{Name: "files", Template: "/files/{path...}"},
		{Name: "admin-host", Prefix: "/admin/", Hosts: []string{"admin.example.com"}},
		{Name: "admin", Prefix: "/admin/"},
		{Name: "api-wild", Prefix: "/api/", Hosts: []string{"*.example.com"}},
		{Name: "api-port", Prefix: "/api/", Hosts: []string{"api.test:8443"}},
		{Name: "regex", Regex: `/v(?P<ver>[0-9]+)/status`},
		{Name: "public", Prefix: "/public"},
	}
	e, err := New(Options{Rules: rules, Default: &Rule{Name: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		method   string
		host     string
		path     string
		wantRule string
		wantCaps string
		wantErr  error
	}{
		{name: "exact", path: "/health", wantRule: "health"},
		{name: "exact is not a prefix", path: "/health/x", wantRule: "default"},
		{name: "template", method: "GET", path: "/api/v1/tenants/acme/nodes", wantRule: "nodes", wantCaps: "tenant=acme"},
		{name: "template method mismatch falls through", method: "POST", path: "/api/v1/tenants/acme/nodes", host: "a.example.com", wantRule: "api-wild"},
		{name: "template one segment", path: "/api/v1/tenants/acme/nodes/n1", wantRule: "node", wantCaps: "tenant=acme,id=n1"},
		{name: "template capture is decoded", method: "GET", path: "/api/v1/tenants/a%20b/nodes", wantRule: "nodes", wantCaps: "tenant=a b"},
		{name: "template capture never empty", method: "GET", path: "/api/v1/tenants//nodes", wantRule: "default"},
		{name: "template too long", path: "/api/v1/tenants/acme/nodes/n1/x", wantRule: "default"},
		{name: "rest capture", path: "/files/a/b/c.txt", wantRule: "files", wantCaps: "path=a/b/c.txt"},
		{name: "rest capture empty", path: "/files/", wantRule: "files", wantCaps: "path="},
		{name: "rest needs its slash", path: "/files", wantRule: "default"},
		{name: "host exact wins first", host: "admin.example.com", path: "/admin/x", wantRule: "admin-host"},
		{name: "host without port in rule ignores request port", host: "admin.example.com:8080", path: "/admin/x", wantRule: "admin-host"},
		{name: "other host", host: "www.example.com", path: "/admin/x", wantRule: "admin"},
		{name: "wildcard host", host: "a.b.example.com:443", path: "/api/x", wantRule: "api-wild"},
		{name: "wildcard needs a label", host: "example.com", path: "/api/x", wantRule: "default"},
		{name: "host with port in rule", host: "api.test:8443", path: "/api/x", wantRule: "api-port"},
		{name: "host with port in rule, other port", host: "api.test:8080", path: "/api/x", wantRule: "default"},
		{name: "host upper-case", host: "ADMIN.example.com", path: "/admin/x", wantRule: "admin-host"},
		{name: "regex is anchored", path: "/v2/status", wantRule: "regex", wantCaps: "ver=2"},
		{name: "regex whole path only", path: "/x/v2/status", wantRule: "default"},
		{name: "prefix is a string prefix", path: "/publicity", wantRule: "public"},
		{name: "dot-dot leaves the public prefix", path: "/public/../admin/x", wantRule: "admin"},
		{name: "encoded dot-dot", path: "/public/%2e%2E/admin/x", wantRule: "admin"},
		{name: "dot segment", path: "/./health", wantRule: "health"},
		{name: "double slash", path: "//health", wantRule: "health"},
		{name: "encoded unreserved", path: "/%68ealth", wantRule: "health"},
		{name: "dot-dot above root", path: "/../../health", wantRule: "health"},
		{name: "encoded slash refused", path: "/public%2F..%2Fadmin", wantErr: ErrPathRejected},
		{name: "encoded backslash refused", path: "/public%5c..%5cadmin", wantErr: ErrPathRejected},
		{name: "backslash refused", path: `/public\..\admin`, wantErr: ErrPathRejected},
		{name: "dot-dot with a parameter refused (Tomcat)", path: "/public/..;/admin/x", wantErr: ErrPathRejected},
		{name: "encoded dot with a parameter refused", path: "/public/%2e%2e;x/admin/x", wantErr: ErrPathRejected},
		{name: "parameter on a normal segment kept", path: "/public;v=1", wantRule: "public"},
		{name: "fragment refused", path: "/health#x", wantErr: ErrPathRejected},
		{name: "bad escape refused", path: "/health%zz", wantErr: ErrPathRejected},
		{name: "truncated escape refused", path: "/health%4", wantErr: ErrPathRejected},
		{name: "NUL refused", path: "/health%00", wantErr: ErrPathRejected},
		{name: "relative refused", path: "health", wantErr: ErrPathRejected},
		{name: "asterisk form refused", path: "*", wantErr: ErrPathRejected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			route, ok := e.Match(&Request{Method: tc.method, Host: tc.host, Path: tc.path})
			if tc.wantErr != nil {
				if ok || !errors.Is(route.Err, tc.wantErr) || route.Rule != nil {
					t.Fatalf("Match(%q) = %+v, %v; want refused with %v", tc.path, route, ok, tc.wantErr)
				}
				return
			}
			if !ok || route.Rule.Name != tc.wantRule {
				t.Fatalf("Match(%q) = %+v, %v; want rule %q", tc.path, route.Rule, ok, tc.wantRule)
			}
			if got := capString(route.Captures); got != tc.wantCaps {
				t.Errorf("captures = %q, want %q", got, tc.wantCaps)
			}
		})
	}
}

func capString(cs []Capture) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, ",")
}

func TestMatch_NoDefaultDenies(t *testing.T) {
	e, err := New(Options{Rules: []*Rule{{Path: "/a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Match(&Request{Path: "/b"}); ok {
		t.Fatal("Match of an unmatched path without a default = ok, want not ok")
	}
}

// TestMatch_FirstMatchWins checks that the index never reorders rules: whichever bucket a
// rule lives in (exact map, trie node, root), the lowest index that matches wins.
func TestMatch_FirstMatchWins(t *testing.T) {
	rules := []*Rule{
		{Name: "any-post", Methods: []string{"POST"}},
		{Name: "regex", Regex: `/a/b/c`, Methods: []string{"PUT"}},
		{Name: "prefix-a", Prefix: "/a/", Methods: []string{"DELETE"}},
		{Name: "tmpl", Template: "/a/{x}/c", Methods: []string{"PATCH"}},
		{Name: "exact", Path: "/a/b/c"},
		{Name: "prefix-ab", Prefix: "/a/b/"},
		{Name: "root", Prefix: "/"},
	}
	e, err := New(Options{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	for method, want := range map[string]string{"POST": "any-post", "PUT": "regex", "DELETE": "prefix-a", "PATCH": "tmpl", "GET": "exact"} {
		route, _ := e.Match(&Request{Method: method, Path: "/a/b/c"})
		if route.Rule.Name != want {
			t.Errorf("%s /a/b/c matched %q, want %q", method, route.Rule.Name, want)
		}
	}
	if route, _ := e.Match(&Request{Method: "GET", Path: "/a/b/d"}); route.Rule.Name != "prefix-ab" {
		t.Errorf("GET /a/b/d matched %q, want prefix-ab", route.Rule.Name)
	}
	if route, _ := e.Match(&Request{Method: "GET", Path: "/z"}); route.Rule.Name != "root" {
		t.Errorf("GET /z matched %q, want root", route.Rule.Name)
	}
}

func TestNew_Errors(t *testing.T) {
	tests := []struct {
		name    string
		rule    Rule
		wantErr string
	}{
		{name: "two matchers", rule: Rule{Path: "/a", Prefix: "/a"}, wantErr: "rules[0]: set only one of path, prefix, template, regex"},
		{name: "bad regex", rule: Rule{Name: "r", Regex: "("}, wantErr: `r: regex "(": error parsing regexp`},
		{name: "partial capture", rule: Rule{Template: "/a/x{id}"}, wantErr: "a capture must be a whole segment"},
		{name: "rest not last", rule: Rule{Template: "/a/{p...}/b"}, wantErr: "must be the last segment"},
		{name: "duplicate capture", rule: Rule{Template: "/{a}/{a}"}, wantErr: "appears twice"},
		{name: "bad capture name", rule: Rule{Template: "/{a-b}"}, wantErr: "not an identifier"},
		{name: "unnormalised path", rule: Rule{Path: "/a/../b"}, wantErr: "not in normalised form"},
		{name: "relative prefix", rule: Rule{Prefix: "api"}, wantErr: `must start with "/"`},
		{name: "bad host", rule: Rule{Hosts: []string{"a.*.com"}}, wantErr: `use an exact name or "*.domain"`},
		{name: "lower-case method", rule: Rule{Methods: []string{"get"}}, wantErr: "must be upper-case"},
		{name: "unknown capture", rule: Rule{Template: "/t/{tenant}", Requires: &Requirement{Provider: "p"},
			Conditions: []Condition{{Claim: "tenant", Op: OpEquals, Values: []Value{{Capture: "tenat"}}}}},
			wantErr: "capture {tenat} is not in the rule's template (known: tenant)"},
		{name: "conditions without requires", rule: Rule{Conditions: []Condition{{Claim: "a", Op: OpExists}}}, wantErr: "add requires"},
		{name: "two requirement forms", rule: Rule{Requires: &Requirement{Provider: "p", AllowMissing: true}}, wantErr: "set exactly one of"},
		{name: "empty any_of", rule: Rule{Requires: &Requirement{AnyOf: []*Requirement{}}}, wantErr: "empty list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.rule
			_, err := New(Options{Rules: []*Rule{&r}})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"/api/v1/tenants/{tenant}/nodes", "/api/v1/tenants/acme/nodes"},
		{"/files/{path...}", "/files/a/b"},
		{"/", "//"},
		{"/a/{b}/", "/a/%2e%2e/"},
		{"/{x}", "/%zz"},
		{"/a", "/a/./../b//c/%41"},
	} {
		f.Add(s[0], s[1])
	}
	for _, p := range []string{"/public/../admin/x", "/public/%2e%2E/admin/x", "/public%2F..%2Fadmin", "/public/..;/admin/x",
		`/public\..\admin`, "/health#x", "/health%4", "/../../health", "/files/", "*"} {
		f.Add("/{a}/{b...}", p)
	}
	f.Fuzz(func(t *testing.T, tmpl, path string) {
		e, err := New(Options{Rules: []*Rule{{Template: tmpl}, {Prefix: "/"}}})
		if err != nil {
			return
		}
		req := &Request{Path: path}
		route, ok := e.Match(req)
		if ok == (route.Err != nil) {
			t.Fatalf("Match(%q) = %+v, %v: ok must mean no error", path, route, ok)
		}
		if ok && route.Rule.Template != "" && !strings.HasSuffix(tmpl, "...}") {
			for _, c := range route.Captures {
				if c.Value == "" || strings.Contains(c.Value, "/") {
					t.Fatalf("Match(%q) on %q: capture %+v", path, tmpl, c)
				}
			}
		}
		if n, err := normalizePath(path); err == nil {
			if got, want := e.lookup(n, req), linear(e, n, req); got != want {
				t.Fatalf("Match(%q) on %q: index chose %d, linear scan %d", path, tmpl, got, want)
			}
			if n2, err := normalizePath(n); err != nil || n2 != n {
				t.Fatalf("normalizePath not idempotent: %q -> %q -> %q, %v", path, n, n2, err)
			}
			if strings.Contains(n, "//") || strings.Contains(n, "/./") || strings.Contains(n, "/../") {
				t.Fatalf("normalizePath(%q) = %q keeps a dot segment or '//'", path, n)
			}
		}
	})
}

func linear(e *Engine, path string, r *Request) int {
	for i, c := range e.rules {
		if c.matches(path, r) {
			return i
		}
	}
	return -1
}
