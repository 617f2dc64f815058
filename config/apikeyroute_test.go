package config

import (
	"strings"
	"testing"
)

func TestForwardedAddress(t *testing.T) {
	tests := []struct {
		name string
		hops int
		xff  []string
		want string // "" = invalid
	}{
		{name: "no trusted hops", hops: 0, xff: []string{"10.0.0.1"}},
		{name: "one hop: last entry", hops: 1, xff: []string{"198.51.100.1, 10.0.0.1"}, want: "10.0.0.1"},
		{name: "two hops across headers", hops: 2, xff: []string{"198.51.100.1", "10.0.0.1, 172.16.0.1"}, want: "10.0.0.1"},
		{name: "too few entries", hops: 3, xff: []string{"10.0.0.1, 172.16.0.1"}},
		{name: "no header", hops: 1},
		{name: "not an address", hops: 1, xff: []string{"unknown"}},
		{name: "with port", hops: 1, xff: []string{"[2001:db8::1]:443"}, want: "2001:db8::1"},
		{name: "IPv4-mapped is unmapped", hops: 1, xff: []string{"::ffff:10.0.0.1"}, want: "10.0.0.1"},
		{name: "only the right end is kept", hops: 1, xff: []string{strings.Repeat("192.0.2.1, ", 200) + "10.0.0.9"}, want: "10.0.0.9"},
		{name: "beyond the kept entries", hops: MaxForwardedEntries + 1, xff: []string{strings.Repeat("192.0.2.1, ", 200) + "10.0.0.9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ForwardedAddress(tc.xff, tc.hops)
			if tc.want == "" {
				if got.IsValid() {
					t.Fatalf("ForwardedAddress() = %v, want invalid", got)
				}
				return
			}
			if got.String() != tc.want {
				t.Fatalf("ForwardedAddress() = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestCredentialRouting(t *testing.T) {
	keys := &Provider{Name: "keys", APIKeys: &APIKeys{}}
	jwtp := &Provider{Name: "idp"}
	tests := []struct {
		name          string
		cred          string
		providers     []*Provider
		wantKeyShaped bool
		wantLeftToJWT bool
	}{
		{name: "key on a mixed rule", cred: "ic_live_abc", providers: []*Provider{jwtp, keys}, wantKeyShaped: true},
		{name: "JWT on a mixed rule", cred: "a.b.c", providers: []*Provider{keys, jwtp}, wantLeftToJWT: true},
		{name: "JWT on a keys-only rule is judged as a key", cred: "a.b.c", providers: []*Provider{keys}},
		{name: "key on a keys-only rule", cred: "ic_live_abc", providers: []*Provider{keys}, wantKeyShaped: true},
		{name: "non-JWT on a JWT-only rule is a malformed token", cred: "ic_live_abc", providers: []*Provider{jwtp}},
		{name: "one dot is not JWT-shaped", cred: "a.b", providers: []*Provider{jwtp, keys}, wantKeyShaped: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KeyShaped(tc.cred, tc.providers); got != tc.wantKeyShaped {
				t.Errorf("KeyShaped() = %v, want %v", got, tc.wantKeyShaped)
			}
			if got := LeftToJWTProviders(tc.cred, tc.providers); got != tc.wantLeftToJWT {
				t.Errorf("LeftToJWTProviders() = %v, want %v", got, tc.wantLeftToJWT)
			}
		})
	}
}

// FuzzForwardedAddress: any header value and hop count, no panic; a valid address is the
// hops-th entry from the right.
func FuzzForwardedAddress(f *testing.F) {
	for _, s := range []string{"198.51.100.1, 10.0.0.1", "[2001:db8::1]:443", "unknown", ",,,", "::ffff:10.0.0.1"} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, xff string, hops int) {
		hops %= MaxForwardedEntries + 2
		got := ForwardedAddress([]string{xff}, hops)
		if !got.IsValid() {
			return
		}
		entries := strings.Split(xff, ",")
		if hops <= 0 || hops > len(entries) {
			t.Fatalf("ForwardedAddress(%q, %d) = %v, want invalid", xff, hops, got)
		}
		// It depends on that entry alone.
		if e := entries[len(entries)-hops]; ForwardedAddress([]string{e}, 1) != got {
			t.Fatalf("ForwardedAddress(%q, %d) = %v, not what entry %q alone gives", xff, hops, got, e)
		}
	})
}
