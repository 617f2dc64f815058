package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/interop/dex"
)

// The clients of every test: "orders" may write orders (Dex puts its group in the token when
// the scope "groups" is asked for), "reporting" may only read reports, "intruder" is a client
// of the same Dex that the filter's provider does not accept (its aud is not listed).
var clients = []dex.Client{
	{ID: "orders", Secret: "orders-secret-0123456789", Groups: []string{"orders-writer"}},
	{ID: "reporting", Secret: "reporting-secret-0123456789"},
	{ID: "intruder", Secret: "intruder-secret-0123456789"},
}

func secret(id string) string {
	for _, c := range clients {
		if c.ID == id {
			return c.Secret
		}
	}
	return ""
}

// pluginConfig is the filter configuration for a Dex at issuer. Dex's client_credentials tokens
// carry iss, sub, aud (= the client id), exp, iat, jti, at_hash, plus groups with scope
// "groups" and name with scope "profile": the rules use aud and groups.
func pluginConfig(issuer string, extra string) []byte {
	return []byte(fmt.Sprintf(`{
  "providers": {"dex": {
    "issuer": %q,
    "audiences": ["orders", "reporting"],
    "remote_jwks": {"cluster": "dex", "uri": %q%s},
    "claim_to_headers": [{"header_name": "x-client-id", "claim_name": "aud"}]
  }},
  "rules": [
    {"name": "health", "match": {"path": "/healthz"}},
    {"name": "write-orders", "match": {"prefix": "/orders", "methods": ["POST"]},
     "requires": {"provider_name": "dex"},
     "claims": [{"claim": "groups", "contains": "orders-writer", "message": "orders-writer group required"}]},
    {"name": "reports", "match": {"prefix": "/reports"},
     "requires": {"provider_name": "dex"},
     "claims": [{"claim": "aud", "one_of": ["reporting", "orders"]}]},
    {"name": "rest", "match": {"prefix": "/"}, "requires": {"provider_name": "dex"}}
  ]
}`, issuer, issuer+"/keys", extra))
}

// env is one Dex and one host running the filter against it.
type env struct {
	dex  *dex.Server
	host *harness.Host
	clk  *harness.Clock
}

func newEnv(t *testing.T, extra string) *env {
	t.Helper()
	d, err := dex.Start(t.Context(), dex.Options{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	// Dex stamps tokens with the real time; the host clock starts there and tests move it.
	clk := harness.NewClock(time.Now())
	h := harness.Start(t, harness.Options{
		Wasm:         wasmBytes,
		PluginConfig: pluginConfig(d.Issuer, extra),
		Clusters:     map[string]string{"dex": d.BaseURL()},
		Now:          clk.Now,
	})
	return &env{dex: d, host: h, clk: clk}
}

func (e *env) token(t *testing.T, client string, scopes ...string) string {
	t.Helper()
	tok, err := e.dex.Token(client, secret(client), scopes...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) do(t *testing.T, method, path, token string) *harness.Response {
	t.Helper()
	req := harness.Request{Method: method, Path: path, Authority: "api.example.com", Worker: -1}
	if token != "" {
		req.Headers = [][2]string{{"authorization", "Bearer " + token}}
	}
	resp, err := e.host.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDex_Decisions(t *testing.T) {
	e := newEnv(t, "")
	other, err := dex.Start(t.Context(), dex.Options{Clients: clients}) // another IdP: other issuer, other keys
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	foreign, err := other.Token("orders", secret("orders"), "groups")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		token              string
		status             int
		wwwAuth            string // prefix of WWW-Authenticate; "" = must be absent
		clientID           string // x-client-id the upstream must see
	}{
		{name: "public route", method: "GET", path: "/healthz", status: 200},
		{name: "reporting reads reports", method: "GET", path: "/reports/q3", token: e.token(t, "reporting"),
			status: 200, clientID: "reporting"},
		{name: "orders writes orders", method: "POST", path: "/orders", token: e.token(t, "orders", "groups"),
			status: 200, clientID: "orders"},
		{name: "no token", method: "GET", path: "/reports/q3",
			status: 401, wwwAuth: `Bearer realm="`},
		{name: "reporting lacks the orders-writer group", method: "POST", path: "/orders", token: e.token(t, "reporting", "groups"),
			status: 403, wwwAuth: `Bearer realm="`},
		{name: "groups claim not asked for", method: "POST", path: "/orders", token: e.token(t, "orders"),
			status: 403, wwwAuth: `Bearer realm="`},
		{name: "client not in audiences", method: "GET", path: "/reports/q3", token: e.token(t, "intruder"),
			status: 401, wwwAuth: `Bearer realm="`},
		{name: "token of another issuer", method: "GET", path: "/reports/q3", token: foreign,
			status: 401, wwwAuth: `Bearer realm="`},
		{name: "tampered token", method: "GET", path: "/reports/q3", token: tamper(e.token(t, "reporting")),
			status: 401, wwwAuth: `Bearer realm="`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(t, tt.method, tt.path, tt.token)
			if resp.Status != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.Status, resp.Body, tt.status)
			}
			got := resp.Header("www-authenticate")
			if !strings.HasPrefix(got, tt.wwwAuth) || (tt.wwwAuth == "") != (got == "") {
				t.Errorf("www-authenticate = %q, want prefix %q", got, tt.wwwAuth)
			}
			switch {
			case tt.status == 401 && tt.token == "" && strings.Contains(got, "error="):
				t.Errorf("www-authenticate = %q: no error code when the token is missing (RFC 6750 3.1)", got)
			case tt.status == 401 && tt.token != "" && !strings.Contains(got, `error="invalid_token"`):
				t.Errorf("www-authenticate = %q, want error=\"invalid_token\"", got)
			case tt.status == 403 && !strings.Contains(got, `error="insufficient_scope"`):
				t.Errorf("www-authenticate = %q, want error=\"insufficient_scope\"", got)
			}
			if tt.status != 200 {
				if resp.Upstream != nil {
					t.Errorf("a refused request reached the upstream")
				}
				return
			}
			if resp.Upstream == nil {
				t.Fatal("an allowed request did not reach the upstream")
			}
			if got := resp.Upstream.Header("x-client-id"); got != tt.clientID {
				t.Errorf("upstream x-client-id = %q, want %q", got, tt.clientID)
			}
			if got := resp.Upstream.Header("authorization"); got != "" {
				t.Errorf("upstream authorization = %q, want the token removed (forward: false)", got)
			}
		})
	}
	// The keys came from Dex through the "dex" cluster, once.
	var fetches int
	for _, c := range e.host.Callouts() {
		if c.Cluster == "dex" && c.Status == 200 {
			fetches++
		}
	}
	if fetches != 1 {
		t.Errorf("JWKS fetches from Dex = %d (%+v), want 1", fetches, e.host.Callouts())
	}
}

// tamper flips one character of the signature.
func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestDex_KeyRotation: Dex rotates its signing key; it keeps the old public key in its JWKS as a
// verification key until the tokens it signed expire, so old and new tokens must both pass.
func TestDex_KeyRotation(t *testing.T) {
	e := newEnv(t, `, "cache_duration": "5s"`)
	before := e.token(t, "reporting")
	if resp := e.do(t, "GET", "/reports", before); resp.Status != 200 {
		t.Fatalf("before rotation: status %d (%s), want 200", resp.Status, resp.Body)
	}
	if _, err := e.dex.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := e.token(t, "reporting")

	t.Run("token signed before the rotation", func(t *testing.T) {
		if resp := e.do(t, "GET", "/reports", before); resp.Status != 200 {
			t.Errorf("status %d (%s), want 200", resp.Status, resp.Body)
		}
	})
	t.Run("token signed by the new key", func(t *testing.T) {
		// Its kid is unknown to the cached set: the filter refetches once and accepts it.
		for _, tok := range []string{after, before} {
			if resp := e.do(t, "GET", "/reports", tok); resp.Status != 200 {
				t.Errorf("status %d (%s), want 200", resp.Status, resp.Body)
			}
		}
	})
}

// TestDex_Discovery: the provider names only Dex's issuer; the filter fetches the discovery
// document through the cluster, checks its issuer, then fetches its jwks_uri.
func TestDex_Discovery(t *testing.T) {
	d, err := dex.Start(t.Context(), dex.Options{Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cfg := fmt.Sprintf(`{"providers": {"dex": {"issuer": %q, "oidc": {"cluster": "dex"}}},
  "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "dex"}}]}`, d.Issuer)
	h, err := harness.New(harness.Options{Wasm: wasmBytes, PluginConfig: []byte(cfg), Clusters: map[string]string{"dex": d.BaseURL()}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	tok, err := d.Token("reporting", secret("reporting"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.Do(harness.Request{Path: "/reports", Headers: [][2]string{{"authorization", "Bearer " + tok}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 {
		t.Fatalf("status %d (%s), want 200", resp.Status, resp.Body)
	}
	var paths []string
	for _, c := range h.Callouts() {
		for _, hd := range c.Headers {
			if hd[0] == ":path" {
				paths = append(paths, hd[1])
			}
		}
	}
	if want := "/dex/.well-known/openid-configuration,/dex/keys"; strings.Join(paths, ",") != want {
		t.Errorf("callout paths %v, want %s", paths, want)
	}
}
