package policy

import (
	"fmt"
	"testing"
	"time"
)

// benchRules builds n rules in the shapes operators write: tenant-scoped templates with a
// permission each, per-service prefixes, exact paths and a couple of regexes, then a default.
func benchRules(n int) Options {
	rules := make([]*Rule, 0, n)
	req := &Requirement{Provider: "p"}
	for i := 0; len(rules) < n; i++ {
		switch i % 4 {
		case 0:
			rules = append(rules, &Rule{Template: fmt.Sprintf("/api/v1/tenants/{tenant}/svc%d/{id}", i), Methods: []string{"GET"}, Requires: req,
				Conditions: []Condition{
					{Claim: "permissions", Op: OpHasPermission, Values: []Value{{Literal: fmt.Sprintf("svc%d:read", i)}}},
					{Claim: "tenants", Op: OpContains, Values: []Value{{Capture: "tenant"}}},
				}})
		case 1:
			rules = append(rules, &Rule{Prefix: fmt.Sprintf("/files%d/", i), Requires: req})
		case 2:
			rules = append(rules, &Rule{Path: fmt.Sprintf("/status/%d", i), Hosts: []string{"*.example.com"}})
		case 3:
			rules = append(rules, &Rule{Template: fmt.Sprintf("/api/v2/svc%d/{name...}", i), Requires: req,
				Conditions: []Condition{{Claim: "scope", Delimiter: " ", Op: OpContains, Values: []Value{{Literal: "read"}}}}})
		}
	}
	rules[n/2] = &Rule{Regex: `/legacy/[a-z]+/v[0-9]+`, Requires: req}
	return Options{Rules: rules, Default: &Rule{Requires: req}, Superuser: "admin:*"}
}

// BenchmarkMatch decides requests (match + decide) against 10, 100 and 1,000 rules; the
// index must keep 1,000 within 3x of 10 (issue 3).
func BenchmarkMatch(b *testing.B) {
	outcomes := one("p", `{"sub":"u","tenants":["acme","other"],"permissions":["svc0:read","admin:*"],"scope":"openid read"}`)
	for _, n := range []int{10, 100, 1000} {
		e, err := New(benchRules(n))
		if err != nil {
			b.Fatal(err)
		}
		// The last rule of each shape, so a linear scan would pay for every rule.
		last := func(shape int) int {
			i := n - 1
			for i%4 != shape {
				i--
			}
			return i
		}
		reqs := []*Request{
			{Method: "GET", Host: "api.example.com", Path: fmt.Sprintf("/api/v1/tenants/acme/svc%d/n1", last(0))},
			{Method: "PUT", Host: "api.example.com", Path: fmt.Sprintf("/files%d/a/b", last(1))},
			{Method: "GET", Host: "a.example.com:443", Path: fmt.Sprintf("/status/%d", last(2))},
			{Method: "GET", Host: "api.example.com", Path: fmt.Sprintf("/api/v2/svc%d/x/y", last(3))},
			{Method: "GET", Host: "api.example.com", Path: "/unmatched/path"},
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := reqs[i%len(reqs)]
				route, _ := e.Match(r)
				if d := e.Decide(route, outcomes, r); !d.Allow {
					b.Fatalf("%s: %+v", r.Path, d)
				}
			}
		})
	}
}

// TestMatch_ScalesWithRules is the benchmark's bound as a quick test: deciding against 1,000
// rules costs at most 3x deciding against 10. Timing is noisy (2 shared cores), so each size
// takes the best of several interleaved rounds.
func TestMatch_ScalesWithRules(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	outcomes := one("p", `{"tenants":["acme"],"permissions":["admin:*"],"scope":"read"}`)
	round := func(e *Engine, req *Request) time.Duration {
		const iterations = 2000
		start := time.Now()
		for range iterations {
			route, _ := e.Match(req)
			e.Decide(route, outcomes, req)
		}
		return time.Since(start) / iterations
	}
	var engines [2]*Engine
	var reqs [2]*Request
	for k, n := range []int{10, 1000} {
		engines[k], _ = New(benchRules(n))
		reqs[k] = &Request{Method: "GET", Host: "h", Path: fmt.Sprintf("/api/v1/tenants/acme/svc%d/n1", (n-1)/4*4)}
	}
	best := [2]time.Duration{1 << 62, 1 << 62}
	for range 15 {
		for k := range engines {
			best[k] = min(best[k], round(engines[k], reqs[k]))
		}
	}
	if best[1] > 3*best[0] {
		t.Fatalf("1,000 rules cost %v, 10 rules %v: more than 3x", best[1], best[0])
	}
	t.Logf("10 rules %v, 1,000 rules %v (%.2fx)", best[0], best[1], float64(best[1])/float64(best[0]))
}

// cachedRequest is a cached-token request as the filter decides it: three prefix rules, the
// last one taken, with one `roles contains "reader"` condition on the same claims each time.
func cachedRequest(b *testing.B) (*Engine, *Request, map[string]Outcome) {
	req := &Requirement{Provider: "p"}
	e, err := New(Options{Rules: []*Rule{
		{Prefix: "/admin/", Requires: req},
		{Prefix: "/static/"},
		{Prefix: "/api/", Requires: req, Conditions: []Condition{{Claim: "roles", Op: OpContains, Values: lit("reader")}}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	outcomes := one("p", `{"iss":"https://idp.example.com","sub":"user-1","aud":"api","exp":1893459600,"roles":["viewer","reader","editor"],"scope":"openid profile"}`)
	return e, &Request{Method: "GET", Host: "api.example.com", Path: "/api/items"}, outcomes
}

// BenchmarkCachedRequest splits a cached-token request's policy work: Match, Decide, and
// Decide with a Memo (the condition's result remembered for these claims).
func BenchmarkCachedRequest(b *testing.B) {
	e, r, outcomes := cachedRequest(b)
	route, _ := e.Match(r)
	b.Run("match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if route, _ := e.Match(r); route.Rule == nil {
				b.Fatal("no rule")
			}
		}
	})
	for _, memo := range []*Memo{nil, NewMemo(0)} {
		name := "decide"
		if memo != nil {
			name = "decide_memo"
		}
		b.Run(name, func(b *testing.B) {
			r := *r
			r.Memo = memo
			b.ReportAllocs()
			for b.Loop() {
				if d := e.Decide(route, outcomes, &r); !d.Allow {
					b.Fatalf("%+v", d)
				}
			}
		})
	}
}
