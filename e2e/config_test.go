package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// TestSmoke_RefusedConfig: a configuration that does not validate fails the plugin start
// (Envoy then refuses it), and the operator reads every problem with its field path.
func TestSmoke_RefusedConfig(t *testing.T) {
	tests := []struct {
		name      string
		config    string
		wantLines []string
	}{
		{name: "remote_jwks without cluster",
			config:    `{"providers":{"kc":{"issuer":"https://kc","remote_jwks":{"uri":"https://kc/certs"}}},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"kc"}}]}`,
			wantLines: []string{"invalid plugin configuration: providers.kc.remote_jwks.cluster: required"}},
		{name: "two problems, both reported",
			config:    `{"providers":{"kc":{"issuer":"https://kc","remote_jwks":{"uri":"https://kc/certs"}}},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"okta"}}]}`,
			wantLines: []string{"providers.kc.remote_jwks.cluster", "rules[0].requires.provider_name"}},
		{name: "not JSON", config: `{"providers":`, wantLines: []string{"invalid plugin configuration: "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := harness.New(options([]byte(tc.config)))
			if err == nil {
				h.Close()
				t.Fatal("New() accepted the configuration")
			}
			if !errors.Is(err, harness.ErrPluginStart) {
				t.Fatalf("New() error = %v, want ErrPluginStart", err)
			}
			for _, want := range tc.wantLines {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not hold %q:\n%v", want, err)
				}
			}
		})
	}
}
