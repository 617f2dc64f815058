package config_test

import (
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// The fetch knobs default to what the key cache itself defaults to, in both key sources.
func TestParse_FetchPolicyDefaults(t *testing.T) {
	want := config.FetchPolicy{
		GracePeriod:      jwks.Defaults.Grace,
		RefetchCooldown:  jwks.Defaults.KidCooldown,
		MinCacheDuration: jwks.Defaults.MinCache,
		MaxCacheDuration: jwks.Defaults.MaxCache,
		MaxResponseBytes: jwks.DefaultLimits.MaxBytes,
	}
	tests := []struct {
		name string
		body string
		get  func(p *config.Provider) config.FetchPolicy
	}{
		{
			name: "remote_jwks",
			body: `{"issuer": "https://idp.example.com", "remote_jwks": {"cluster": "idp", "uri": "https://idp.example.com/jwks"}}`,
			get:  func(p *config.Provider) config.FetchPolicy { return p.RemoteJWKS.FetchPolicy },
		},
		{
			name: "oidc",
			body: `{"issuer": "https://idp.example.com", "oidc": {"cluster": "idp"}}`,
			get:  func(p *config.Provider) config.FetchPolicy { return p.Discovery.FetchPolicy },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse(provider(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(cfg.ByName["p"]); got != want {
				t.Errorf("FetchPolicy = %+v, want %+v", got, want)
			}
		})
	}
}

func TestParse_FetchPolicySet(t *testing.T) {
	knobs := `"grace_period": "0s", "refetch_cooldown": "5s", "min_cache_duration": "1m",
		"max_cache_duration": "2h", "max_response_bytes": 65536`
	want := config.FetchPolicy{
		GracePeriod:      0, // "0s": no grace
		RefetchCooldown:  5 * time.Second,
		MinCacheDuration: time.Minute,
		MaxCacheDuration: 2 * time.Hour,
		MaxResponseBytes: 64 << 10,
	}
	tests := []struct {
		name string
		body string
		get  func(p *config.Provider) config.FetchPolicy
	}{
		{
			name: "remote_jwks",
			body: `{"issuer": "https://idp.example.com", "remote_jwks": {"cluster": "idp", "uri": "https://idp.example.com/jwks", ` + knobs + `}}`,
			get:  func(p *config.Provider) config.FetchPolicy { return p.RemoteJWKS.FetchPolicy },
		},
		{
			name: "envoy http_uri form",
			body: `{"issuer": "https://idp.example.com", "remote_jwks": {"http_uri": {"cluster": "idp", "uri": "https://idp.example.com/jwks"}, ` + knobs + `}}`,
			get:  func(p *config.Provider) config.FetchPolicy { return p.RemoteJWKS.FetchPolicy },
		},
		{
			name: "oidc",
			body: `{"issuer": "https://idp.example.com", "oidc": {"cluster": "idp", ` + knobs + `}}`,
			get:  func(p *config.Provider) config.FetchPolicy { return p.Discovery.FetchPolicy },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse(provider(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(cfg.ByName["p"]); got != want {
				t.Errorf("FetchPolicy = %+v, want %+v", got, want)
			}
		})
	}
}
