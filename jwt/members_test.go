package jwt

import (
	"math"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// keycloakPayloads are realistic payloads for the member index: Keycloak access tokens
// (realm and client roles, scope), a custom URN claim, a certificate-bound token (cnf), and
// shapes that exercise the edges (escaped names, names with path characters, scalars where
// paths descend).
func keycloakPayloads(t testing.TB) []string {
	kc := keycloakClaims()
	kc["urn:inmanta:ct"] = "env-1"
	kc["cnf"] = map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}
	kc["tenants"] = []map[string]any{{"id": "prod", "role": "admin"}, {"id": "dev", "role": "viewer"}}
	return []string{
		mustJSON(t, kc),
		mustJSON(t, validClaims()),
		`{}`,
		` { "sub" : "a" , "n" : -0 , "f" : 1.5e3 , "big" : 12345678901234567890 , "neg" : -42 } `,
		`{"a.b":1,"a":{"b":2,"c":[1,2,{"d":"x"}]},"@this":"lit","*":5,"":6,"s":"str","t":true,"nul":null}`,
		`{"esc\u0061ped":4,"sub":"x"}`,
		`{"s":"{\"x\":1}","arr":"[1,2]","obj":{"k":"{\"y\":2}"}}`,
		`{"e":"caf\u00e9 \"q\"","u":"Zoë 山田"}`,
		`{"a":[],"b":{},"c":[[1],[2]],"d":{"#":7,"0":8}}`,
		`{"dup":1,"dup":2}`,
		`not json`,
		`[{"sub":"x"}]`,
	}
}

// getPaths covers plain paths (indexed) and every kind of gjson syntax (answered by gjson).
var getPaths = []string{
	"sub", "iss", "exp", "scope", "realm_access", "realm_access.roles", "realm_access.roles.0",
	"realm_access.roles.#", "realm_access.roles.#(==operator)", "resource_access.api.roles",
	"resource_access.my-client.roles", "cnf.x5t#S256", "cnf", "urn:inmanta:ct", `urn:inmanta:ct`,
	`urn\:inmanta\:ct`, "tenants.#(id==prod).role", "tenants.#.id", "tenants.1.role", "missing",
	"missing.x", "missing.@this", "missing.@keys", "sub.x", "sub.@this", "a.b", `a\.b`, "a*", "a?",
	"a|b", "a.b|c", "a.#", "a.c.#", "a.c.2.d", "#", "@this", "@keys", "..", "..0", "", ".", ".a",
	"a.", "a..b", "a...b", "a.!true", "a.@reverse", "a.[b,c]", "a.{b}", "a.@this.b", "[sub,iss]",
	"{sub}", "!true", "n", "f", "big", "neg", "s.x", "arr.0", "obj.k.y", "e", "u", "escaped",
	"esc\\u0061ped", "d.#", "d.0", "c.#.0", "b.x", "dup", "0", "0.sub", "nul", "nul.x", "t.x",
}

func sameResult(a, b gjson.Result) bool {
	return a.Type == b.Type && a.Raw == b.Raw && a.Str == b.Str &&
		math.Float64bits(a.Num) == math.Float64bits(b.Num) && a.Exists() == b.Exists()
}

// TestClaims_Get: for every payload and path, Get answers what gjson gives on the whole
// payload, for claims from NewClaims and from a parsed token alike.
func TestClaims_Get(t *testing.T) {
	for _, payload := range keycloakPayloads(t) {
		all := []*Claims{NewClaims([]byte(payload))}
		if tok, err := Parse(mintRaw(t, "HS256", keys(t).secret, `{"alg":"HS256"}`, payload)); err == nil {
			all = append(all, tok.UnverifiedClaims())
		}
		for _, c := range all {
			for _, path := range getPaths {
				got, want := c.Get(path), gjson.GetBytes([]byte(payload), path)
				if !sameResult(got, want) {
					t.Errorf("payload %.40s: Get(%q) = %#v, gjson gives %#v", payload, path, got, want)
				}
				if got, want := c.Claim(path), c.claimScan(path); !sameResult(got, want) {
					t.Errorf("payload %.40s: Claim(%q) = %#v, scan gives %#v", payload, path, got, want)
				}
			}
		}
	}
}

// TestClaims_Index pins which claims are read from the index: those whose payload Parse would
// accept and whose member names are not escaped.
func TestClaims_Index(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		wantIndexed bool
		wantMembers int
	}{
		{name: "keycloak", payload: keycloakPayloads(t)[0], wantIndexed: true, wantMembers: 24},
		{name: "empty object", payload: `{}`, wantIndexed: true},
		{name: "many members", payload: manyMembers(100), wantIndexed: true, wantMembers: 100},
		{name: "escaped name", payload: `{"sub":"x","esc\u0061ped":1}`},
		{name: "beyond 64 KiB", payload: `{"sub":"` + strings.Repeat("x", 1<<16) + `"}`},
		{name: "escaped value only", payload: `{"sub":"\u0078"}`, wantIndexed: true, wantMembers: 1},
		{name: "duplicate member", payload: `{"a":1,"a":2}`},
		{name: "not an object", payload: `[]`},
		{name: "not JSON", payload: `{"a":`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClaims([]byte(tc.payload))
			if c.index.ok != tc.wantIndexed || len(c.index.members) != tc.wantMembers {
				t.Errorf("index ok = %v with %d members, want %v with %d", c.index.ok, len(c.index.members), tc.wantIndexed, tc.wantMembers)
			}
		})
	}
	if got := NewClaims([]byte(manyMembers(100))).Get("m99").Raw; got != "99" {
		t.Errorf("Get(m99) = %q beyond the stack buffer, want 99", got)
	}
}

func manyMembers(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"m` + itoa(i) + `":` + itoa(i))
	}
	b.WriteString("}")
	return b.String()
}

func itoa(i int) string { return fmtDate(float64(i)) }

// TestClaims_GetAllocs: reads from the index allocate nothing, and Parse pays one allocation
// for the index (TestParse_Allocs).
func TestClaims_GetAllocs(t *testing.T) {
	c := NewClaims([]byte(keycloakPayloads(t)[0]))
	for _, path := range []string{"sub", "scope", "realm_access.roles", "resource_access.api.roles", "cnf.x5t#S256", "missing"} {
		if n := testing.AllocsPerRun(100, func() { _ = c.Get(path) }); n != 0 {
			t.Errorf("Get(%q) allocs = %.0f, want 0", path, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = c.Claim("urn:inmanta:ct") }); n != 0 {
		t.Errorf("Claim(urn:inmanta:ct) allocs = %.0f, want 0", n)
	}
}

// FuzzClaimsGet: on any payload and path, Get equals gjson on the whole payload, and Claim
// equals the scan over the members.
func FuzzClaimsGet(f *testing.F) {
	for _, p := range keycloakPayloads(f) {
		for _, path := range getPaths {
			f.Add(p, path)
		}
	}
	f.Fuzz(func(t *testing.T, payload, path string) {
		// The payload as given, and nested as a value (most mutations of a valid payload's
		// values stay valid there, so the index is used with more shapes).
		for _, js := range [][]byte{[]byte(payload), []byte(`{"a":` + payload + `,"b":{"c":[` + payload + `]}}`)} {
			c := NewClaims(js)
			if got, want := c.Get(path), gjson.GetBytes(js, path); !sameResult(got, want) {
				t.Fatalf("%s: Get(%q) = %#v, gjson gives %#v", js, path, got, want)
			}
			if got, want := c.Claim(path), c.claimScan(path); !sameResult(got, want) {
				t.Fatalf("%s: Claim(%q) = %#v, scan gives %#v", js, path, got, want)
			}
		}
	})
}

// BenchmarkClaimsGet compares reads from the member index with gjson on the whole payload
// (what Get did before the index), on a Keycloak-like payload.
func BenchmarkClaimsGet(b *testing.B) {
	c := NewClaims([]byte(keycloakPayloads(b)[0]))
	for _, path := range []string{"sub", "scope", "realm_access.roles", "resource_access.api.roles", "cnf.x5t#S256", "missing"} {
		b.Run(path+"/index", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.Get(path)
			}
		})
		b.Run(path+"/gjson", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = gjson.GetBytes(c.json, path)
			}
		})
	}
	b.Run("Claim(urn:inmanta:ct)/index", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Claim("urn:inmanta:ct")
		}
	})
	b.Run("Claim(urn:inmanta:ct)/scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.claimScan("urn:inmanta:ct")
		}
	})
}
