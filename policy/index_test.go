package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMatch_IndexAgreesWithLinearScan: whatever the trie skips, the rule chosen is the one a
// plain first-match-wins scan over all rules would choose.
func TestMatch_IndexAgreesWithLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	segs := []string{"a", "b", "ab", "c"}
	pick := func() string { return segs[rng.IntN(len(segs))] }
	randPath := func(max int) string {
		var b strings.Builder
		for range 1 + rng.IntN(max) {
			b.WriteString("/")
			if rng.IntN(8) > 0 {
				b.WriteString(pick())
			}
		}
		return b.String()
	}
	matched := 0
	for round := range 200 {
		var rules []*Rule
		for i := range 30 {
			r := &Rule{Name: fmt.Sprint(i)}
			switch rng.IntN(6) {
			case 0:
				r.Path = randPath(3)
			case 1:
				r.Prefix = randPath(3)
				if rng.IntN(2) == 0 {
					r.Prefix = strings.TrimSuffix(r.Prefix, "/") + "/"
				}
			case 2, 3:
				var b strings.Builder
				n := 1 + rng.IntN(3)
				for k := range n {
					switch {
					case k == n-1 && rng.IntN(4) == 0:
						fmt.Fprintf(&b, "/{r%d...}", k)
					case rng.IntN(2) == 0:
						fmt.Fprintf(&b, "/{c%d}", k)
					default:
						b.WriteString("/" + pick())
					}
				}
				r.Template = b.String()
			case 4:
				r.Regex = "/" + pick() + "/[a-c]+"
			}
			if rng.IntN(4) == 0 {
				r.Methods = []string{"GET"}
			}
			if n, err := normalizePath(r.Path + r.Prefix); r.Path+r.Prefix != "" && (err != nil || n != r.Path+r.Prefix) {
				continue // not normalised: New refuses it
			}
			rules = append(rules, r)
		}
		e, err := New(Options{Rules: rules})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for range 50 {
			req := &Request{Method: []string{"GET", "POST"}[rng.IntN(2)], Path: randPath(4)}
			path, err := normalizePath(req.Path)
			if err != nil {
				continue
			}
			want := -1
			for i, c := range e.rules {
				if c.matches(path, req) {
					want = i
					break
				}
			}
			if want >= 0 {
				matched++
			}
			if got := e.lookup(path, req); got != want {
				t.Fatalf("round %d, %s %s: index chose %d, linear scan %d\nrules: %s", round, req.Method, path, got, want, describe(rules))
			}
		}
	}
	if matched < 1000 {
		t.Fatalf("only %d requests matched a rule: the generator does not exercise the index", matched)
	}
}

func describe(rules []*Rule) string {
	var b strings.Builder
	for i, r := range rules {
		fmt.Fprintf(&b, "\n%d: path=%q prefix=%q template=%q regex=%q methods=%v", i, r.Path, r.Prefix, r.Template, r.Regex, r.Methods)
	}
	return b.String()
}
