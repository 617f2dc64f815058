package config

import (
	"testing"

	"github.com/tidwall/gjson"
)

var claimPathCases = []struct {
	path    string
	problem string // "" = valid
}{
	{"sub", ""},
	{"realm_access.roles", ""},
	{"urn:inmanta:ct", ""},
	{`https://infracast\.io/tenant`, ""},
	{"groups.0", ""},
	{"tenants.#", ""},
	{`tenants.#(id=="prod").role`, ""},
	{`tenants.#(id!="prod")#.role`, ""},
	{`tenants.#(level==3).role`, ""},
	{`tenants.#(meta.id=="a.b").role`, ""},
	{`a\*b`, ""},
	{"", "must not be empty"},
	{"a..b", "has an empty segment (a leading, trailing or doubled '.')"},
	{".a", "has an empty segment (a leading, trailing or doubled '.')"},
	{"a.", "has an empty segment (a leading, trailing or doubled '.')"},
	{"@this", "uses a modifier ('@'); modifiers are not supported"},
	{"a.@reverse", "uses a modifier ('@'); modifiers are not supported"},
	{"a|b", "uses a pipe ('|'); write the path with '.'"},
	{"a*", `uses a wildcard ('*'); escape it as '\*' if it is part of the name`},
	{"a?c", `uses a wildcard ('?'); escape it as '\?' if it is part of the name`},
	{"[a,b]", "uses a multipath; name one claim"},
	{"{a}", "uses a multipath; name one claim"},
	{"!true", "uses a literal ('!'); compare with a value instead"},
	{`a\`, `ends with a lone '\'`},
	{"a#b", "has '#' outside a query; write #(key==value) or escape it"},
	{"tenants.#(id==\"prod\"", "has an unclosed query; write #(key==value)"},
	{"tenants.#(id>\"a\")", "has a query without == or !=; write #(key==value)"},
	{"tenants.#(==\"a\")", "has a query without a simple key; write #(key==value)"},
	{"tenants.#(id==prod)", `has a query value that is not a quoted string, number, true, false or null; write #(key=="value")`},
	{"tenants.#(id==\"a\"\")", `has a query value that is not a quoted string, number, true, false or null; write #(key=="value")`},
	{"tenants.#(@x==1)", "query key uses a modifier ('@'); modifiers are not supported"},
	{"a\x01", "has a control character"},
}

func TestCheckClaimPath(t *testing.T) {
	for _, tc := range claimPathCases {
		t.Run(tc.path, func(t *testing.T) {
			if got := checkClaimPath(tc.path); got != tc.problem {
				t.Errorf("checkClaimPath(%q) = %q, want %q", tc.path, got, tc.problem)
			}
		})
	}
}

// FuzzCheckClaimPath: the checker never panics, and a path it accepts never reaches gjson's
// modifiers, pipes or multipaths (which would read more than one claim).
func FuzzCheckClaimPath(f *testing.F) {
	for _, tc := range claimPathCases {
		f.Add(tc.path)
	}
	doc := `{"a":{"b":[1,{"id":"x","role":"r"}]},"@this":1,"tenants":[{"id":"prod","role":"admin"}]}`
	f.Fuzz(func(t *testing.T, path string) {
		if checkClaimPath(path) != "" {
			return
		}
		res := gjson.Get(doc, path)
		if res.Exists() && res.Raw == doc {
			t.Fatalf("accepted path %q reads the whole document", path)
		}
	})
}
