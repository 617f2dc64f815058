package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
)

// TestParse_ErrorsGolden pins the exact messages an operator sees for each broken config in
// testdata/errors/<case>.json, one line per problem in document order. A diff in review is
// a change of what users read. Rewrite with UPDATE_GOLDEN=1 go test ./config/.
func TestParse_ErrorsGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/errors/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 15 {
		t.Fatalf("found %d error cases, want at least 15", len(cases))
	}
	for _, in := range cases {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse(data)
			if err == nil {
				t.Fatalf("Parse() = %+v, nil; want errors", cfg)
			}
			if cfg != nil {
				t.Errorf("Parse() returned a config with errors")
			}
			for _, e := range unjoin(err) {
				var fe *config.FieldError
				if !errors.As(e, &fe) {
					t.Errorf("error %q is %T, want *config.FieldError", e, e)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (create it with UPDATE_GOLDEN=1)", err)
			}
			if got != string(want) {
				t.Errorf("Parse(%s) errors:\n%s\nwant:\n%s", in, got, want)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestFieldError_Format(t *testing.T) {
	tests := []struct {
		name string
		err  *config.FieldError
		want string
	}{
		{
			name: "with fix",
			err:  &config.FieldError{Path: "providers.keycloak.remote_jwks.cluster", Problem: "required", Fix: "name the Envoy cluster that reaches the JWKS host"},
			want: "providers.keycloak.remote_jwks.cluster: required (name the Envoy cluster that reaches the JWKS host)",
		},
		{
			name: "without fix",
			err:  &config.FieldError{Path: "rules", Problem: "boom"},
			want: "rules: boom",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}
