package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func digest(key string) string {
	s := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(s[:])
}

// checkCase is one run of check on a path with extra flags, and what it must print.
type checkCase struct {
	name     string
	path     string
	token    string
	args     []string
	wantCode int
	want     []string // in order
}

func runCheckCases(t *testing.T, cfg string, tests []checkCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, cfg, tc.path, tc.token, tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q\n%s", r.code, tc.wantCode, r.stderr, r.stdout)
			}
			assertInOrder(t, r.stdout, tc.want)
		})
	}
}

// The codes and statuses are the filter's for the same requests (e2e TestGuide_Infracast,
// TestGuide_Infracast_TrustedHops).
func TestCheck_APIKeys(t *testing.T) {
	priv, set := keygen(t, "ES256", "k1")
	cfg := writeFile(t, "keys.json", `{
  "providers": {
    "idp": {"issuer": "`+issuer+`", "audiences": ["api"], "local_jwks": {"inline": `+strings.TrimSpace(set)+`}},
    "keys": {"identity_header": "x-subject", "api_keys": [
      {"name": "ci", "sha256": "`+digest("ic_live_ci0001")+`", "permissions": ["nodes:read"], "expires_at": "2030-03-16T00:00:00Z"},
      {"name": "rotated", "sha256": "`+digest("ic_live_rotated0001")+`", "expires_at": "2029-12-01T00:00:00Z"},
      {"name": "office", "sha256": "`+digest("ic_live_office0001")+`", "source_ips": ["10.0.0.0/8"]}]},
    "lb-keys": {"trusted_hops": 1, "api_keys": [{"name": "behind-lb", "sha256": "`+digest("ic_live_lb0001")+`", "source_ips": ["10.0.0.0/8"]}]}
  },
  "rules": [
    {"name": "either", "match": {"prefix": "/api"}, "requires": {"requires_any": {"requirements": [{"provider_name": "idp"}, {"provider_name": "keys"}]}}},
    {"name": "keys-only", "match": {"prefix": "/keys"}, "requires": {"provider_name": "keys"}},
    {"name": "lb", "match": {"prefix": "/lb"}, "requires": {"provider_name": "lb-keys"}},
    {"name": "users", "match": {"prefix": "/users"}, "requires": {"provider_name": "idp"}}
  ]
}`)
	user := mint(t, priv, "ES256", "k1")
	runCheckCases(t, cfg, []checkCase{
		{name: "valid key", path: "/api/nodes", token: "ic_live_ci0001", wantCode: exitOK, want: []string{
			"token:    not a JWT: an API key -> provider keys\n",
			"provider: idp: no token (the credential is not a JWT, for the api_keys provider)\n",
			"provider: keys: keys: api_keys, 3 keys (by SHA-256 digest)\n",
			`provider: keys: API key "ci" accepted (client address unknown, from -source)` + "\n",
			"decision: ALLOW (principal from provider keys)\n",
			"upstream: x-subject: ci\n", "upstream: the token is removed"}},
		{name: "expired key", path: "/api/nodes", token: "ic_live_rotated0001", wantCode: exitFail, want: []string{
			"decision: DENY 401\n", "reason:   api_key_expired: API key is expired\n",
			`www-authenticate: Bearer realm="http://example.com/api/nodes", error="invalid_token"`,
			`HINT: key "rotated" expired at 2029-12-01T00:00:00Z (expires_at); now 2030-01-01T00:00:00Z`}},
		{name: "unknown key", path: "/api/nodes", token: "ic_live_ci0002", wantCode: exitFail, want: []string{
			"decision: DENY 401\n", "reason:   api_key_invalid: API key is invalid\n",
			"HINT: no key of provider keys has the digest " + digest("ic_live_ci0002") + " of this credential"}},
		{name: "key from an allowed source", path: "/api/nodes", token: "ic_live_office0001", args: []string{"-source", "10.1.2.3"}, wantCode: exitOK, want: []string{
			`provider: keys: API key "office" accepted (client address 10.1.2.3, from -source)`, "decision: ALLOW"}},
		{name: "key from another source", path: "/api/nodes", token: "ic_live_office0001", args: []string{"-source", "192.0.2.1"}, wantCode: exitFail, want: []string{
			"decision: DENY 403\n", "reason:   source_not_allowed: API key is not allowed from this source address\n",
			`HINT: key "office" allows source_ips [10.0.0.0/8]; the client address is 192.0.2.1 (from -source)`}},
		{name: "key with source_ips, source unknown", path: "/api/nodes", token: "ic_live_office0001", wantCode: exitFail, want: []string{
			"reason:   source_not_allowed", "give the client address with -source IP"}},
		{name: "x-forwarded-for does not count without trusted hops", path: "/api/nodes", token: "ic_live_office0001",
			args: []string{"-source", "203.0.113.7", "-header", "x-forwarded-for=10.0.0.1"}, wantCode: exitFail, want: []string{"reason:   source_not_allowed"}},
		{name: "trusted hop: the last x-forwarded-for entry", path: "/lb/x", token: "ic_live_lb0001",
			args: []string{"-source", "172.16.0.1", "-header", "X-Forwarded-For=198.51.100.1, 10.1.1.1"}, wantCode: exitOK, want: []string{
				"(client address 10.1.1.1, entry 1 from the right of x-forwarded-for, trusted_hops 1)", "decision: ALLOW"}},
		{name: "trusted hop across headers, spoofed left entry ignored", path: "/lb/x", token: "ic_live_lb0001",
			args: []string{"-source", "172.16.0.1", "-header", "x-forwarded-for=10.1.1.1", "-header", "x-forwarded-for=198.51.100.1"}, wantCode: exitFail, want: []string{
				"reason:   source_not_allowed", "the client address is 198.51.100.1 (entry 1 from the right of x-forwarded-for, trusted_hops 1)"}},
		{name: "trusted hop without x-forwarded-for", path: "/lb/x", token: "ic_live_lb0001", args: []string{"-source", "10.1.1.1"}, wantCode: exitFail, want: []string{
			"reason:   source_not_allowed", "give it with -header x-forwarded-for="}},
		{name: "a JWT next to keys goes to the JWT provider", path: "/api/nodes", token: user, wantCode: exitOK, want: []string{
			`token:    alg ES256, kid "k1"`, "provider: idp: verified\n",
			"provider: keys: no API key (the credential is a JWT, for the JWT providers)\n", "decision: ALLOW (principal from provider idp)\n"}},
		{name: "a JWT on a keys-only route is an invalid key", path: "/keys/x", token: "a.b.c", wantCode: exitFail, want: []string{
			"token:    JWT-shaped, judged as an API key (the rule accepts only API keys) -> provider keys\n",
			"reason:   api_key_invalid", "HINT: the credential looks like a JWT, but this rule accepts only API keys"}},
		{name: "a key on a JWT-only route is a malformed token", path: "/users/x", token: "ic_live_ci0001", wantCode: exitFail, want: []string{
			"decision: DENY 401\n", "reason:   token_malformed"}},
		{name: "no credential", path: "/api/nodes", wantCode: exitFail, want: []string{"reason:   token_missing"}},
	})
}

// The codes and statuses are the filter's for the same requests (e2e
// TestGuide_Manta_CertificateBound).
func TestCheck_CertificateBinding(t *testing.T) {
	priv, set := keygen(t, "ES256", "k1")
	const secureIss = "https://secure.example.com"
	cfg := writeFile(t, "mtls.json", `{
  "providers": {
    "idp": {"issuer": "`+issuer+`", "local_jwks": {"inline": `+strings.TrimSpace(set)+`}},
    "mtls": {"issuer": "`+secureIss+`", "local_jwks": {"inline": `+strings.TrimSpace(set)+`}, "require_certificate_binding": true},
    "remote": {"issuer": "https://remote.example.com", "remote_jwks": {"cluster": "idp", "uri": "https://remote.example.com/certs"}}
  },
  "rules": [
    {"name": "api", "match": {"prefix": "/api"}, "requires": {"provider_name": "idp"}},
    {"name": "secure", "match": {"prefix": "/secure"}, "requires": {"provider_name": "mtls"}},
    {"name": "remote", "match": {"prefix": "/remote"}, "requires": {"provider_name": "remote"}}
  ]
}`)
	certSum := sha256.Sum256([]byte("DER bytes of client.crt")) // only its SHA-256 matters
	otherSum := sha256.Sum256([]byte("DER bytes of another certificate"))
	certHex, otherHex := hex.EncodeToString(certSum[:]), hex.EncodeToString(otherSum[:])
	thumb := base64.RawURLEncoding.EncodeToString(certSum[:])
	cnf := `cnf={"x5t#S256":"` + thumb + `"}`
	bound := mint(t, priv, "ES256", "k1", "-claim", cnf)
	plain := mint(t, priv, "ES256", "k1")
	secureBound := mint(t, priv, "ES256", "k1", "-iss", secureIss, "-claim", cnf)
	securePlain := mint(t, priv, "ES256", "k1", "-iss", secureIss)
	remoteBound := mint(t, priv, "ES256", "k1", "-iss", "https://remote.example.com", "-claim", cnf)
	var colons []string // openssl's form: AB:CD:...
	for i := 0; i < len(certHex); i += 2 {
		colons = append(colons, strings.ToUpper(certHex[i:i+2]))
	}
	runCheckCases(t, cfg, []checkCase{
		{name: "bound token with its certificate", path: "/api/x", token: bound, args: []string{"-client-cert-sha256", certHex}, wantCode: exitOK, want: []string{
			"provider: idp: verified\n", "provider: idp: bound to the client certificate (cnf x5t#S256): it matches\n", "decision: ALLOW"}},
		{name: "openssl's colon form, upper case", path: "/api/x", token: bound, args: []string{"-client-cert-sha256", strings.Join(colons, ":")}, wantCode: exitOK,
			want: []string{"decision: ALLOW"}},
		{name: "bound token without a client certificate", path: "/api/x", token: bound, wantCode: exitFail, want: []string{
			"provider: idp: REJECTED: token must be bound to a client certificate, presented over mutual TLS\n",
			"decision: DENY 401\n", "reason:   certificate_required",
			`www-authenticate: Bearer realm="http://example.com/api/x", error="invalid_token"`, `"reason":"certificate_required"`,
			`HINT: the token is bound to a client certificate (cnf x5t#S256 "` + thumb + `"); give the connection's verified certificate with -client-cert-sha256 HEX`}},
		{name: "bound token with another certificate", path: "/api/x", token: bound, args: []string{"-client-cert-sha256", otherHex}, wantCode: exitFail, want: []string{
			"decision: DENY 401\n", "reason:   certificate_mismatch: token is bound to another client certificate\n", `"reason":"certificate_mismatch"`,
			`HINT: the token's cnf x5t#S256 is "` + thumb + `", the client certificate's thumbprint is "` + base64.RawURLEncoding.EncodeToString(otherSum[:]) + `"`}},
		{name: "bound to a non-string", path: "/api/x", token: mint(t, priv, "ES256", "k1", "-claim", `cnf={"x5t#S256":1}`), args: []string{"-client-cert-sha256", certHex},
			wantCode: exitFail, want: []string{"reason:   certificate_mismatch", "HINT: the token's cnf x5t#S256 is not a string"}},
		{name: "unbound token where binding is optional", path: "/api/x", token: plain, wantCode: exitOK, want: []string{"decision: ALLOW"}},
		{name: "required binding, bound token", path: "/secure/x", token: secureBound, args: []string{"-client-cert-sha256", certHex}, wantCode: exitOK,
			want: []string{"decision: ALLOW"}},
		{name: "required binding, unbound token over mTLS", path: "/secure/x", token: securePlain, args: []string{"-client-cert-sha256", certHex}, wantCode: exitFail, want: []string{
			"decision: DENY 401\n", "reason:   certificate_required", "HINT: provider mtls has require_certificate_binding: the token needs cnf x5t#S256"}},
		{name: "remote keys not given: the binding still decides", path: "/remote/x", token: remoteBound, wantCode: exitFail, want: []string{
			"reason:   certificate_required", "note:     the signature was not checked"}},
		{name: "remote keys not given, binding holds: undecided", path: "/remote/x", token: remoteBound, args: []string{"-client-cert-sha256", certHex},
			wantCode: exitUndecided, want: []string{"decision: UNDECIDED: ALLOW only if the signature verifies"}},
	})
}
