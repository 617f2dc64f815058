package config_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func keysConfig(keys string, hops string) []byte {
	extra := ""
	if hops != "" {
		extra = `, "trusted_hops": ` + hops
	}
	return []byte(`{"providers": {"infracast-keys": {"api_keys": ` + keys + extra + `}},
	  "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "infracast-keys"}}]}`)
}

func TestAPIKeys_Authenticate(t *testing.T) {
	keys := `[
	  {"name": "ci-cd-integration", "sha256": "` + digest("ic_live_abc123xyz789") + `", "tenants": ["my-tenant"],
	   "permissions": ["nodes:read", "findings:read"], "expires_at": "2030-03-16T00:00:00Z"},
	  {"name": "restricted-key", "sha256": "` + digest("ic_live_restricted") + `", "source_ips": ["10.0.0.0/8", "192.168.1.100", "2001:db8::/32"]},
	  {"name": "old", "sha256": "` + digest("ic_live_old") + `", "expires_at": "2025-03-16T00:00:00Z"}]`
	cfg, err := config.Parse(keysConfig(keys, ""))
	if err != nil {
		t.Fatal(err)
	}
	pv := cfg.ByName["infracast-keys"]
	if pv.APIKeys == nil || len(pv.APIKeys.Keys) != 3 || pv.APIKeys.TrustedHops != 0 {
		t.Fatalf("APIKeys = %+v", pv.APIKeys)
	}
	if len(cfg.AnyIssuer) != 0 {
		t.Errorf("an api_keys provider is not a token issuer, AnyIssuer = %v", cfg.AnyIssuer)
	}
	addr := netip.MustParseAddr
	tests := []struct {
		name     string
		key      string
		src      netip.Addr
		at       time.Time
		wantName string
		wantErr  error
		wantCode string
	}{
		{name: "known key", key: "ic_live_abc123xyz789", src: addr("203.0.113.9"), wantName: "ci-cd-integration"},
		{name: "unknown key", key: "ic_live_abc123xyz788", wantErr: config.ErrAPIKeyInvalid, wantCode: "api_key_invalid"},
		{name: "empty key", key: "", wantErr: config.ErrAPIKeyInvalid},
		{name: "digest itself is not the key", key: digest("ic_live_abc123xyz789"), wantErr: config.ErrAPIKeyInvalid},
		{name: "expired at the instant", key: "ic_live_abc123xyz789", at: time.Date(2030, 3, 16, 0, 0, 0, 0, time.UTC),
			wantErr: config.ErrAPIKeyExpired, wantCode: "api_key_expired"},
		{name: "expired long ago", key: "ic_live_old", wantErr: config.ErrAPIKeyExpired},
		{name: "allowlisted v4 network", key: "ic_live_restricted", src: addr("10.1.2.3"), wantName: "restricted-key"},
		{name: "allowlisted single address", key: "ic_live_restricted", src: addr("192.168.1.100"), wantName: "restricted-key"},
		{name: "v4-mapped v6 address", key: "ic_live_restricted", src: addr("::ffff:10.9.9.9"), wantName: "restricted-key"},
		{name: "allowlisted v6", key: "ic_live_restricted", src: addr("2001:db8::1"), wantName: "restricted-key"},
		{name: "neighbour address refused", key: "ic_live_restricted", src: addr("192.168.1.101"), wantErr: config.ErrKeySource, wantCode: "source_not_allowed"},
		{name: "unknown source refused", key: "ic_live_restricted", wantErr: config.ErrKeySource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = now
			}
			k, err := pv.APIKeys.Authenticate(tc.key, tc.src, at)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Authenticate() error = %v, want %v", err, tc.wantErr)
			}
			var d *policy.Denial
			if tc.wantCode != "" && (!errors.As(err, &d) || d.Code != tc.wantCode) {
				t.Errorf("code = %+v, want %s", d, tc.wantCode)
			}
			if err != nil {
				return
			}
			if k.Name != tc.wantName {
				t.Errorf("key = %s, want %s", k.Name, tc.wantName)
			}
		})
	}
	k, _ := pv.APIKeys.Authenticate("ic_live_abc123xyz789", netip.Addr{}, now)
	c := k.Claims()
	if c.Get("sub").Str != "ci-cd-integration" || c.Get("permissions.1").Str != "findings:read" || c.Get("tenants.0").Str != "my-tenant" {
		t.Errorf("claims = %s", c.JSON())
	}
}

func TestAPIKeys_ClaimsEscaped(t *testing.T) {
	cfg, err := config.Parse(keysConfig(`[{"name": "a\"b\\c\u0001", "sha256": "`+digest("k")+`", "permissions": ["x\"y"]}]`, "2"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := cfg.ByName["infracast-keys"].APIKeys.Authenticate("k", netip.Addr{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Claims().Get("sub").Str; got != "a\"b\\c\x01" {
		t.Errorf("sub = %q from %s", got, k.Claims().JSON())
	}
	if cfg.ByName["infracast-keys"].APIKeys.TrustedHops != 2 {
		t.Error("trusted_hops not read")
	}
}

func TestLooksLikeJWT(t *testing.T) {
	for in, want := range map[string]bool{"a.b.c": true, "ic_live_abc123xyz789": false, "a.b": false, "a.b.c.d.e": false, "..": true} {
		if got := config.LooksLikeJWT(in); got != want {
			t.Errorf("LooksLikeJWT(%q) = %v", in, got)
		}
	}
}

// FuzzAPIKeyEntry: any source_ips / expires_at / sha256 strings either fail with field errors
// or give a key whose networks are masked (never silently widened).
func FuzzAPIKeyEntry(f *testing.F) {
	f.Add("10.0.0.0/8", "2030-03-16T00:00:00Z", digest("k"))
	f.Add("10.0.0.1/8", "2025-03-16", "sha256:zz")
	f.Add("2001:db8::/129", "", "ic_live_x")
	f.Add("fe80::1%eth0", "2030-13-01T00:00:00Z", "sha256:")
	f.Add("::ffff:10.0.0.1", "2030-03-16T00:00:00+02:00", digest(""))
	f.Fuzz(func(t *testing.T, cidr, expires, sha string) {
		entry := `[{"name": "k", "sha256": ` + strconv.Quote(sha) + `, "source_ips": [` + strconv.Quote(cidr) + `], "expires_at": ` + strconv.Quote(expires) + `}]`
		cfg, err := config.Parse(keysConfig(entry, ""))
		if err != nil {
			return
		}
		for _, p := range cfg.ByName["infracast-keys"].APIKeys.Keys[0].SourceIPs {
			if p.Masked() != p {
				t.Fatalf("%q accepted as unmasked %v", cidr, p)
			}
		}
	})
}
