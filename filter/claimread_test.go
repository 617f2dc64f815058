package filter

import (
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

func Test_readClaims(t *testing.T) {
	pv := &config.Provider{Name: "p",
		ClaimToHeaders:       []config.ClaimToHeader{{Header: "x-user", Claim: "sub"}, {Header: "x-none", Claim: "absent"}},
		ForwardPayloadHeader: "X-Payload", IdentityHeader: "x-id", IdentityClaim: "https://x/id"}
	tests := []struct {
		name      string
		json      string
		wantHdrs  [][2]string
		bound, ok bool // cnf x5t#S256 present; and a string
		thumb     string
	}{
		{name: "headers in order, absent claim skipped", json: `{"sub":"alice","https://x/id":"a1"}`,
			wantHdrs: [][2]string{{"x-user", "alice"}, {"x-payload", ""}, {"x-id", "a1"}}},
		{name: "bound token", json: `{"sub":"b","cnf":{"x5t#S256":"abc"}}`,
			wantHdrs: [][2]string{{"x-user", "b"}, {"x-payload", ""}}, bound: true, ok: true, thumb: "abc"},
		{name: "binding that is not a string", json: `{"cnf":{"x5t#S256":1}}`,
			wantHdrs: [][2]string{{"x-payload", ""}}, bound: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := readClaims(pv, jwt.NewClaims([]byte(tc.json)))
			for i := range tc.wantHdrs {
				if tc.wantHdrs[i][0] == "x-payload" {
					tc.wantHdrs[i][1] = base64.RawURLEncoding.EncodeToString([]byte(tc.json))
				}
			}
			if !slices.Equal(r.headers, tc.wantHdrs) {
				t.Errorf("headers = %q, want %q", r.headers, tc.wantHdrs)
			}
			if b := r.binding; b.Bound != tc.bound || b.String != tc.ok || b.Thumbprint != tc.thumb {
				t.Errorf("binding = %+v, want %v %v %q", r.binding, tc.bound, tc.ok, tc.thumb)
			}
		})
	}
}

// The memo keeps only what a cache hit asked it to remember, returns the same reads for the
// same claims, and stays bounded.
func TestClaimReads_Memo(t *testing.T) {
	pv := &config.Provider{Name: "p", ClaimToHeaders: []config.ClaimToHeader{{Header: "x-user", Claim: "sub"}}}
	p := newPluginContext(1)
	ctx := &httpContext{plugin: p}
	once := jwt.NewClaims([]byte(`{"sub":"once"}`))
	if r := ctx.reads(pv, once, false); r.headers[0][1] != "once" || len(p.claimReads) != 0 {
		t.Fatalf("a token seen once: reads %q, memo %d entries, want none", r.headers, len(p.claimReads))
	}
	hot := jwt.NewClaims([]byte(`{"sub":"hot"}`))
	first := ctx.reads(pv, hot, true)
	if again := (&httpContext{plugin: p}).reads(pv, hot, false); again != first {
		t.Error("a remembered token was read again")
	}
	for i := range 3 * maxClaimReads {
		(&httpContext{plugin: p}).reads(pv, jwt.NewClaims(fmt.Appendf(nil, `{"sub":"u%d"}`, i)), true)
		if len(p.claimReads) > maxClaimReads {
			t.Fatalf("memo holds %d entries, limit %d", len(p.claimReads), maxClaimReads)
		}
	}
}

func Test_headerMap(t *testing.T) {
	h := newHeaderMap([][2]string{{"Authorization", "a1"}, {"x-b", "b"}, {"authorization", "a2"}, {"COOKIE", "c"}})
	if v, ok := h.first("authorization"); !ok || v != "a1" {
		t.Errorf("first(authorization) = %q, %v", v, ok)
	}
	if got := h.values("authorization"); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Errorf("values(authorization) = %q, want both, in order", got)
	}
	if _, ok := h.first("x-absent"); ok || h.values("x-absent") != nil {
		t.Error("an absent header was found")
	}
	h = h.without("authorization")
	if !slices.Equal(h, headerMap{{"x-b", "b"}, {"cookie", "c"}}) {
		t.Errorf("without(authorization) = %q", h)
	}
}
