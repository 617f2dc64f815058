package config_test

import (
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
)

// withTokenCache is a valid config whose top level also holds `"token_cache": body`
// (no member at all when body is "").
func withTokenCache(body string) []byte {
	tc := ""
	if body != "" {
		tc = `"token_cache": ` + body + `, `
	}
	return []byte(`{` + tc + `"providers": {"idp": {"issuer": "https://idp.example.com", "remote_jwks": {"cluster": "idp", "uri": "https://idp.example.com/jwks"}}},
		"rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "idp"}}]}`)
}

func TestParse_TokenCache(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		wantEntries  int
		wantBytes    int
		wantDisabled bool
		wantErr      string // the whole error; "" = parses
	}{
		{name: "absent takes the defaults", wantEntries: 10_000, wantBytes: 8 << 20},
		{name: "empty object takes the defaults", body: `{}`, wantEntries: 10_000, wantBytes: 8 << 20},
		{name: "both set", body: `{"max_entries": 50000, "max_bytes": 33554432}`, wantEntries: 50_000, wantBytes: 32 << 20},
		{name: "entries only keeps the byte default", body: `{"max_entries": 100}`, wantEntries: 100, wantBytes: 8 << 20},
		{name: "bytes only keeps the entry default", body: `{"max_bytes": 65536}`, wantEntries: 10_000, wantBytes: 64 << 10},
		{name: "0 entries disables it", body: `{"max_entries": 0}`, wantEntries: 0, wantBytes: 8 << 20, wantDisabled: true},
		{name: "largest values", body: `{"max_entries": 1000000, "max_bytes": 268435456}`, wantEntries: 1_000_000, wantBytes: 256 << 20},
		{name: "negative entries", body: `{"max_entries": -1}`,
			wantErr: "token_cache.max_entries: -1 is out of range (use 0 to 1000000)"},
		{name: "too many entries", body: `{"max_entries": 1000001}`,
			wantErr: "token_cache.max_entries: 1000001 is out of range (use 0 to 1000000)"},
		{name: "too few bytes", body: `{"max_bytes": 65535}`,
			wantErr: "token_cache.max_bytes: 65535 is out of range (use 65536 to 268435456)"},
		{name: "0 bytes does not disable", body: `{"max_bytes": 0}`,
			wantErr: "token_cache.max_bytes: 0 is out of range (use 65536 to 268435456)"},
		{name: "too many bytes", body: `{"max_bytes": 268435457}`,
			wantErr: "token_cache.max_bytes: 268435457 is out of range (use 65536 to 268435456)"},
		{name: "quoted number", body: `{"max_entries": "100"}`,
			wantErr: "token_cache.max_entries: must be an integer, not a string (write the number without quotes)"},
		{name: "fraction", body: `{"max_entries": 1.5}`,
			wantErr: "token_cache.max_entries: must be an integer, not 1.5 (write a whole number)"},
		{name: "boolean to disable", body: `{"max_entries": false}`,
			wantErr: "token_cache.max_entries: must be an integer, not a boolean"},
		{name: "null bytes", body: `{"max_bytes": null}`,
			wantErr: "token_cache.max_bytes: must be an integer, not null"},
		{name: "not an object", body: `false`,
			wantErr: "token_cache: must be an object, not a boolean"},
		{name: "misspelt member", body: `{"max_entry": 5}`,
			wantErr: `token_cache.max_entry: unknown field (did you mean "max_entries"?)`},
		{name: "unknown member", body: `{"ttl": "5m"}`,
			wantErr: "token_cache.ttl: unknown field (known: max_bytes, max_entries)"},
		{name: "duplicate member", body: `{"max_entries": 5, "max_entries": 6}`,
			wantErr: "token_cache.max_entries: duplicate member (keep one)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse(withTokenCache(tc.body))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Parse() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if cfg.TokenCacheEntries != tc.wantEntries || cfg.TokenCacheBytes != tc.wantBytes {
				t.Errorf("token cache = %d entries, %d bytes; want %d, %d", cfg.TokenCacheEntries, cfg.TokenCacheBytes, tc.wantEntries, tc.wantBytes)
			}
			if got := cfg.TokenCacheDisabled(); got != tc.wantDisabled {
				t.Errorf("TokenCacheDisabled() = %v, want %v", got, tc.wantDisabled)
			}
		})
	}
}
