package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

func TestCheckBinding(t *testing.T) {
	const thumb = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0" // SHA-256("abc")
	peer := func(s string, ok bool) func() (string, bool) { return func() (string, bool) { return s, ok } }
	tests := []struct {
		name     string
		claims   string
		required bool
		peer     func() (string, bool)
		wantErr  error
	}{
		{name: "unbound, optional", claims: `{"sub":"a"}`, peer: peer("", false)},
		{name: "unbound, required", claims: `{"sub":"a"}`, required: true, peer: peer(thumb, true), wantErr: ErrCertificateRequired},
		{name: "bound, matching certificate", claims: `{"cnf":{"x5t#S256":"` + thumb + `"}}`, peer: peer(thumb, true)},
		{name: "bound, required, matching", claims: `{"cnf":{"x5t#S256":"` + thumb + `"}}`, required: true, peer: peer(thumb, true)},
		{name: "bound, no certificate", claims: `{"cnf":{"x5t#S256":"` + thumb + `"}}`, peer: peer("", false), wantErr: ErrCertificateRequired},
		{name: "bound, other certificate", claims: `{"cnf":{"x5t#S256":"` + thumb + `"}}`, peer: peer(strings.Repeat("A", 43), true), wantErr: ErrCertificateMismatch},
		{name: "bound to a non-string", claims: `{"cnf":{"x5t#S256":1}}`, peer: peer(thumb, true), wantErr: ErrCertificateMismatch},
		{name: "cnf without x5t#S256 is unbound", claims: `{"cnf":{"jkt":"x"}}`, required: true, peer: peer(thumb, true), wantErr: ErrCertificateRequired},
		{name: "a dotted look-alike is not the member", claims: `{"cnf":{"x5t":{"S256":"` + thumb + `"}}}`, peer: peer("", false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBinding(ReadBinding(jwt.NewClaims([]byte(tc.claims))), tc.required, tc.peer)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CheckBinding() = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestCheckBinding_PeerReadOnlyForBoundTokens(t *testing.T) {
	called := false
	_ = CheckBinding(Binding{}, true, func() (string, bool) { called = true; return "", false })
	if called {
		t.Error("the peer certificate was read for an unbound token")
	}
}

func TestThumbprintFromHex(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 B.1), hex as Envoy writes it, base64url as x5t#S256.
	const h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	const want = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
	for _, in := range []string{h, strings.ToUpper(h)} {
		if got, ok := ThumbprintFromHex(in); !ok || got != want {
			t.Errorf("ThumbprintFromHex(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", h[:62], h + "00", "zz" + h[2:]} {
		if _, ok := ThumbprintFromHex(bad); ok {
			t.Errorf("ThumbprintFromHex(%q) accepted", bad)
		}
	}
}
