package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// parseFile parses examples/scenarios/<name>.json, the configs the README points users to, and
// fails the test on any error.
func parseFile(t *testing.T, name string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "scenarios", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s):\n%v", name, err)
	}
	if cfg.Policy == nil {
		t.Fatalf("Parse(%s): no policy engine", name)
	}
	return cfg
}

// match routes a request through the config's engine and names the rule it lands on.
func match(t *testing.T, cfg *config.Config, method, path string) string {
	t.Helper()
	route, ok := cfg.Policy.Match(&policy.Request{Method: method, Host: "api.example.com", Path: path})
	if !ok || route.Rule == nil {
		return "<none>"
	}
	return route.Rule.Name
}

func TestParse_GuideScenarios(t *testing.T) {
	tests := []struct {
		name   string
		check  func(t *testing.T, c *config.Config)
		routes map[string]string // "METHOD /path" -> rule name
	}{
		{
			name: "inmanta",
			check: func(t *testing.T, c *config.Config) {
				hs, rs := c.ByName["inmanta"], c.ByName["keycloak"]
				if c.ByIssuer["https://localhost:8888/"] != hs || c.ByIssuer["http://localhost:8080/auth/realms/inmanta"] != rs {
					t.Errorf("ByIssuer = %v, want both issuers side by side", c.ByIssuer)
				}
				if !slices.Equal(hs.Algorithms, []string{"HS256"}) || hs.LocalKeys == nil || !hs.LocalKeys.HasSecret() {
					t.Errorf("inmanta provider: algorithms %v, keys %v; want HS256 with the secret", hs.Algorithms, hs.LocalKeys)
				}
				if hs.RequireExpiration {
					t.Errorf("inmanta provider requires exp; the config allows tokens without it")
				}
				if rs.RemoteJWKS == nil || rs.RemoteJWKS.Authority != "localhost:8080" ||
					rs.RemoteJWKS.Path != "/auth/realms/inmanta/protocol/openid-connect/certs" {
					t.Errorf("keycloak remote_jwks = %+v", rs.RemoteJWKS)
				}
				api := findRule(t, c, "POST", "/api/v2/agent/x")
				if got := api.Conditions[0]; got.Claim != "urn:inmanta:ct" || got.Delimiter != "," || got.Op != policy.OpContains {
					t.Errorf("client type condition = %+v", got)
				}
				if got := api.Conditions[1].Values[0].Header; got != "x-inmanta-tid" {
					t.Errorf("environment header = %q, want lower-case x-inmanta-tid", got)
				}
			},
			routes: map[string]string{
				"GET /api/v1/serverstatus": "version",
				"GET /api/v2/agent/x":      "agent-api",
				"POST /api/v2/compile":     "compiler-api",
				"GET /api/v2/compile":      "api",
				"GET /other":               "<none>",
			},
		},
		{
			name: "infracast",
			check: func(t *testing.T, c *config.Config) {
				r := findRule(t, c, "GET", "/api/v1/internal/x")
				if len(r.SourceRanges) != 2 || r.SourceRanges[1].String() != "192.168.1.100/32" {
					t.Errorf("source ranges = %v", r.SourceRanges)
				}
				if r.Format.Realm != "api.infracast.io" || r.Format.Kind != policy.FormatJSON {
					t.Errorf("format = %+v, want the top-level reply", r.Format)
				}
				if got := c.ByName["infracast"].RemoteJWKS.CacheDuration; got != 10*time.Minute {
					t.Errorf("cache_duration = %v, want 10m", got)
				}
			},
			routes: map[string]string{
				"GET /health":                          "health",
				"GET /api/v1/tenants/acme/nodes":       "list-nodes",
				"POST /api/v1/tenants/acme/findings/1": "write-findings",
				"GET /api/v1/tenants/acme/findings/1":  "default",
			},
		},
		{
			name: "aip",
			check: func(t *testing.T, c *config.Config) {
				kc := c.ByName["keycloak"]
				if kc.IdentityClaim != "azp" || kc.Discovery == nil ||
					kc.Discovery.URI != "http://keycloak.keycloak.svc.cluster.local:8080/realms/aip/.well-known/openid-configuration" ||
					kc.Discovery.Authority != "keycloak.keycloak.svc.cluster.local:8080" {
					t.Errorf("keycloak = %+v, discovery %+v", kc, kc.Discovery)
				}
				r := findRule(t, c, "POST", "/agent-requests")
				role := r.Conditions[0]
				if !role.Identity || role.Op != policy.OpEquals || role.Message != "agent role required" ||
					len(role.Values) != 2 || role.Values[0].Literal != "aip-agent-1" {
					t.Errorf("agent role condition = %+v", role)
				}
				self := findRule(t, c, "POST", "/agent-requests/aip-agent-1/x/approve").Conditions[1]
				if !self.Negate || self.Values[0].Capture != "requester" {
					t.Errorf("self-approval condition = %+v", self)
				}
			},
			routes: map[string]string{
				"GET /healthz":                     "healthz",
				"POST /agent-requests":             "create-request",
				"POST /agent-requests/a/b/approve": "approve",
				"GET /agent-requests/a/b/approve":  "<none>",
			},
		},
		{
			name: "inference-gateway",
			check: func(t *testing.T, c *config.Config) {
				if f := findRule(t, c, "POST", "/a2a").Format.Kind; f != policy.FormatJSONRPC {
					t.Errorf("a2a format = %v, want JSON-RPC", f)
				}
				kc := c.ByName["keycloak"]
				if kc.ClockSkew != 30*time.Second || kc.Discovery.Timeout != 2*time.Second {
					t.Errorf("keycloak skew %v, timeout %v", kc.ClockSkew, kc.Discovery.Timeout)
				}
			},
			routes: map[string]string{
				"GET /health":                      "health",
				"GET /.well-known/agent-card.json": "agent-card",
				"POST /a2a":                        "a2a",
				"GET /v1/models":                   "default",
			},
		},
		{
			name: "manta",
			check: func(t *testing.T, c *config.Config) {
				m := c.ByName["manta"]
				want := []config.Source{
					{Kind: config.FromHeader, Name: "authorization", ValuePrefix: "Bearer "},
					{Kind: config.FromHeader, Name: "x-manta-token"},
				}
				if !slices.Equal(m.Sources, want) {
					t.Errorf("sources = %+v, want %+v", m.Sources, want)
				}
				if r := m.RemoteJWKS; r.Cluster != "manta-auth" || r.Timeout != 1500*time.Millisecond || r.CacheDuration != 300*time.Second {
					t.Errorf("remote_jwks (Envoy http_uri form) = %+v", r)
				}
				if !m.Forward || m.ForwardPayloadHeader != "x-jwt-payload" || m.MaxLifetime != 24*time.Hour ||
					!slices.Equal(m.ClaimToHeaders, []config.ClaimToHeader{{Header: "x-manta-user", Claim: "sub"}}) {
					t.Errorf("manta provider = %+v", m)
				}
				if c.MaxTokenBytes != 8192 || c.MaxHeaderBytes != 16384 {
					t.Errorf("limits = %d, %d", c.MaxTokenBytes, c.MaxHeaderBytes)
				}
				if f := findRule(t, c, "GET", "/api/v1/clusters").Format; f.Kind != policy.FormatText || !f.HideDetails {
					t.Errorf("format = %+v", f)
				}
			},
			routes: map[string]string{
				"GET /api/v1/clusters":          "clusters-read",
				"DELETE /api/v1/clusters/c1":    "clusters-write",
				"POST /api/v1/swarms/s1/deploy": "swarm-deploy",
				"POST /api/v1/swarms/s1/stop":   "<none>",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseFile(t, tc.name)
			tc.check(t, c)
			for req, want := range tc.routes {
				method, path, _ := strings.Cut(req, " ")
				if got := match(t, c, method, path); got != want {
					t.Errorf("%s matched %q, want %q", req, got, want)
				}
			}
		})
	}
}

func findRule(t *testing.T, c *config.Config, method, path string) *policy.Rule {
	t.Helper()
	route, ok := c.Policy.Match(&policy.Request{Method: method, Host: "api.example.com", Path: path})
	if !ok || route.Rule == nil {
		t.Fatalf("%s %s matches no rule", method, path)
	}
	return route.Rule
}
