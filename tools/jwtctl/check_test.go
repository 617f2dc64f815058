package main

import (
	"strings"
	"testing"
)

// checkFixture is one ES256 signing key "k1" trusted by provider idp (localConfig), plus
// keys the provider does not trust.
type checkFixture struct {
	priv, set string // trusted key k1 and its JWKS
	cfg       string // localConfig over set
	stranger  string // another ES256 key, also called k1
	p384      string // an ES384 key "k2"
}

func newCheckFixture(t *testing.T) checkFixture {
	t.Helper()
	var f checkFixture
	f.priv, f.set = keygen(t, "ES256", "k1")
	f.cfg = localConfig(t, f.set, "")
	f.stranger, _ = keygen(t, "ES256", "k1")
	f.p384, _ = keygen(t, "ES384", "k2")
	return f
}

// check runs `jwtctl check` at the fixed clock.
func check(t *testing.T, cfg, path, token string, args ...string) result {
	t.Helper()
	a := append([]string{"check", "-config", cfg, "-path", path, "-now", nowFlag}, args...)
	if token != "" {
		a = append(a, token)
	}
	return jwtctl(t, "", a...)
}

func TestCheck_Denials(t *testing.T) {
	f := newCheckFixture(t)
	// Provider idp trusts k1 (ES256) and k2 (ES384) but only allows ES384.
	_, set384 := keygen(t, "ES384", "k2")
	twoKeys := strings.Replace(f.set, "]}", ","+strings.TrimSpace(set384)[len(`{"keys":[`):], 1)
	es384Only := localConfig(t, twoKeys, `"algorithms": ["ES384"],`)

	tests := []struct {
		name       string
		cfg        string
		path       string
		token      string
		want       []string // lines (or line parts) the output must hold, in order
		wantNoHint bool
	}{
		{
			name:  "expired, with the skew",
			token: mint(t, f.priv, "ES256", "k1", "-exp", "-2h"),
			want: []string{
				"decision: DENY 401\n",
				"reason:   token_expired: token is expired\n",
				`www-authenticate: Bearer realm="http://example.com/api/nodes", error="invalid_token"`,
				`{"error":{"code":"UNAUTHORIZED","message":"token is expired","reason":"token_expired"}}`,
				"HINT: token exp 1893448800 = 2029-12-31T22:00:00Z (2h0m0s ago); now 2030-01-01T00:00:00Z; clock skew allowed 1m0s, so it was accepted until 2029-12-31T22:01:00Z\n",
			},
		},
		{
			name:  "expired within the skew is allowed",
			token: mint(t, f.priv, "ES256", "k1", "-exp", "-60s"),
			want:  []string{"decision: ALLOW"},
		},
		{
			name:  "expired one second past the skew",
			token: mint(t, f.priv, "ES256", "k1", "-exp", "-61s"),
			want:  []string{"reason:   token_expired", "clock skew allowed 1m0s, so it was accepted until 2029-12-31T23:59:59Z"},
		},
		{
			name:  "not yet valid",
			token: mint(t, f.priv, "ES256", "k1", "-nbf", "10m"),
			want:  []string{"reason:   token_not_yet_valid", "HINT: token nbf 1893456600 = 2030-01-01T00:10:00Z (in 10m0s); now 2030-01-01T00:00:00Z; clock skew allowed 1m0s"},
		},
		{
			name:  "wrong issuer",
			token: mint(t, f.priv, "ES256", "k1", "-iss", "https://idp.example.com/"),
			want: []string{
				"reason:   issuer_mismatch: token issuer is not accepted\n",
				`HINT: token iss "https://idp.example.com/", but provider idp expects issuer "https://idp.example.com"` + "\n",
				`HINT: no provider has this issuer (configured: "https://idp.example.com"); check for a trailing slash`,
			},
		},
		{
			name:  "wrong audience",
			token: mint(t, f.priv, "ES256", "k1", "-aud", "web,mobile"),
			want: []string{
				"reason:   audience_mismatch: token audience is not accepted\n",
				`HINT: token aud ["web","mobile"], but provider idp accepts audiences ["api"]`,
			},
		},
		{
			name:  "unknown kid lists the provider's kids",
			token: mint(t, f.priv, "ES256", "k9"),
			want:  []string{"reason:   kid_unknown: token key id is unknown\n", `HINT: token kid "k9"; provider idp has kids "k1"` + "\n"},
		},
		{
			name:  "alg not allowed lists the allowed ones",
			cfg:   es384Only,
			token: mint(t, f.priv, "ES256", "k1"),
			want:  []string{"reason:   alg_not_allowed: token algorithm is not allowed\n", "HINT: token alg ES256; provider idp allows ES384 (set `algorithms` to change it)\n"},
		},
		{
			name:  "signed by another key with the same kid",
			token: mint(t, f.stranger, "ES256", "k1"),
			want:  []string{"reason:   signature_invalid: token signature is invalid\n", `HINT: provider idp's key(s) for kid "k1" do not verify the signature`},
		},
		{
			name:  "key of another curve under a trusted kid",
			token: mint(t, f.p384, "ES384", "k1"),
			want:  []string{"reason:   alg_key_mismatch", `HINT: no key of provider idp fits alg ES384 with kid "k1"; it has 1 key: kid "k1" EC P-256 alg ES256`},
		},
		{
			name:  "missing scope is a 403 with the body",
			path:  "/admin/users",
			token: mint(t, f.priv, "ES256", "k1", "-claim", "scope=read write"),
			want: []string{
				"decision: DENY 403\n",
				"reason:   insufficient_permissions: admin scope required\n",
				"reply:\n  HTTP 403\n" +
					`  www-authenticate: Bearer realm="http://example.com/admin/users", error="insufficient_scope"` + "\n" +
					"  content-type: application/json\n\n" +
					`  {"error":{"code":"FORBIDDEN","message":"admin scope required","reason":"insufficient_permissions"}}` + "\n",
				`HINT: condition on claim "scope": the token has "read write"` + "\n",
			},
		},
		{
			name: "no token: 401 without an error code",
			want: []string{
				"token:    none given\n",
				"reason:   token_missing: a bearer token is required\n",
				`  www-authenticate: Bearer realm="http://example.com/api/nodes"` + "\n",
				`HINT: this route needs a token; the filter looks in: header authorization (prefix "Bearer ")`,
			},
		},
		{
			name:  "no exp",
			token: mint(t, f.priv, "ES256", "k1", "-exp", "none"),
			want:  []string{"reason:   claim_missing", "HINT: provider idp requires exp (require_expiration defaults to true)"},
		},
		{
			name:  "no aud",
			token: mint(t, f.priv, "ES256", "k1", "-aud", ""),
			want:  []string{"reason:   claim_missing", `HINT: provider idp accepts audiences ["api"] but the token has no aud`},
		},
		{
			name:  "malformed token",
			token: "abc.def",
			want:  []string{"token:    does not parse: token is malformed", "reason:   token_malformed", "HINT: the filter cannot parse the token"},
		},
		{
			name:  "no rule matches",
			path:  "/other",
			token: mint(t, f.priv, "ES256", "k1"),
			want:  []string{"route:    no rule matches\n", "decision: DENY 403\n", "reason:   no_route", "HINT: no rule matches GET example.com/other"},
		},
		{
			name:       "public route",
			path:       "/healthz",
			want:       []string{"route:    health, public (no token needed)\n", "decision: ALLOW\n"},
			wantNoHint: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, path := tc.cfg, tc.path
			if cfg == "" {
				cfg = f.cfg
			}
			if path == "" {
				path = "/api/nodes"
			}
			r := check(t, cfg, path, tc.token)
			wantCode := exitFail
			if strings.HasPrefix(tc.want[len(tc.want)-1], "decision: ALLOW") || tc.want[0] == "decision: ALLOW" {
				wantCode = exitOK
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d; stderr %q", r.code, wantCode, r.stderr)
			}
			assertInOrder(t, r.stdout, tc.want)
			if tc.wantNoHint && strings.Contains(r.stdout, "HINT") {
				t.Errorf("unexpected hint:\n%s", r.stdout)
			}
		})
	}
}

// assertInOrder checks that out holds each of want, one after the other.
func assertInOrder(t *testing.T, out string, want []string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks (after the previous expectations) %q:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}

func TestCheck_RemoteProvider(t *testing.T) {
	priv, set := keygen(t, "RS256", "rk1")
	cfg := writeFile(t, "remote.json", `{
  "providers": {"kc": {"issuer": "`+issuer+`", "audiences": ["api"],
    "remote_jwks": {"cluster": "keycloak", "uri": "https://kc.example.com/certs"}}},
  "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "kc"}}]
}`)
	jwksFile := writeFile(t, "jwks.json", set)
	good := mint(t, priv, "RS256", "rk1")
	expired := mint(t, priv, "RS256", "rk1", "-exp", "-1h")

	tests := []struct {
		name     string
		token    string
		args     []string
		wantCode int
		want     []string
	}{
		{
			name: "keys not given: undecided, unverified checks shown", token: good, wantCode: exitUndecided,
			want: []string{
				"provider: kc: keys: remote (https://kc.example.com/certs via cluster keycloak), not given: only the unverified checks are shown; pass -jwks kc=FILE\n",
				"provider: kc: claims ok, signature NOT CHECKED (remote keys)\n",
				"decision: UNDECIDED: ALLOW only if the signature verifies with the remote keys of kc\n",
			},
		},
		{
			name: "keys not given, expired: denied anyway", token: expired, wantCode: exitFail,
			want: []string{"decision: DENY 401\n", "reason:   token_expired", "note:     the signature was not checked"},
		},
		{
			name: "keys given", token: good, args: []string{"-jwks", "kc=" + jwksFile}, wantCode: exitOK,
			want: []string{`provider: kc: keys: remote, from -jwks: 1 key: kid "rk1" RSA-2048 alg RS256`, "provider: kc: verified\n", "decision: ALLOW"},
		},
		{
			name: "kid unknown in the given keys", token: mint(t, priv, "RS256", "rotated"), args: []string{"-jwks", "kc=" + jwksFile}, wantCode: exitFail,
			want: []string{"reason:   kid_unknown", `HINT: token kid "rotated"; provider kc has kids "rk1"`, "HINT: the filter refetches remote keys once on an unknown kid"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, cfg, "/x", tc.token, tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tc.wantCode, r.stderr)
			}
			assertInOrder(t, r.stdout, tc.want)
		})
	}
}

func TestCheck_BadConfigExits2WithFieldPaths(t *testing.T) {
	cfg := writeFile(t, "bad.json", `{
  "providers": {"kc": {"isuer": "https://kc", "remote_jwks": {"uri": "https://kc/certs"}}},
  "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "okta"}}]
}`)
	r := check(t, cfg, "/", "")
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d", r.code, exitUsage)
	}
	for _, want := range []string{
		"the plugin refuses " + cfg + " (it would not start):\n",
		`  providers.kc.isuer: unknown field (did you mean "issuer"?)`,
		"  providers.kc.remote_jwks.cluster: required",
		`  rules[0].requires.provider_name: "okta" is not a provider`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout should be empty, got %q", r.stdout)
	}
}

func TestCheck_UsageErrors(t *testing.T) {
	f := newCheckFixture(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no config", args: []string{"check"}, wantErr: "-config FILE.json is required"},
		{name: "jwks for an unknown provider", args: []string{"check", "-config", f.cfg, "-jwks", "okta=x.json"}, wantErr: `no provider "okta" in the config (known: idp)`},
		{name: "jwks for a local provider", args: []string{"check", "-config", f.cfg, "-jwks", "idp=x.json"}, wantErr: "provider idp has local keys"},
		{name: "relative path", args: []string{"check", "-config", f.cfg, "-path", "api"}, wantErr: `-path "api" must start with /`},
		{name: "two tokens", args: []string{"check", "-config", f.cfg, "a.b.c", "d.e.f"}, wantErr: "want at most one TOKEN"},
		{name: "client certificate digest not hex", args: []string{"check", "-config", f.cfg, "-client-cert-sha256", "abc"}, wantErr: `-client-cert-sha256 "abc": want the 64 hex digits`},
		{name: "body file missing", args: []string{"check", "-config", f.cfg, "-body", "/nonexistent/body.json"}, wantErr: "-body: open /nonexistent/body.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jwtctl(t, "", tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %q", r.code, r.stderr, tc.wantErr)
			}
		})
	}
}

func TestCheck_TokenFromStdinWithBearerPrefix(t *testing.T) {
	f := newCheckFixture(t)
	tok := mint(t, f.priv, "ES256", "k1")
	r := jwtctl(t, "Authorization: Bearer "+tok+"\n", "check", "-config", f.cfg, "-path", "/api/x", "-now", nowFlag, "-")
	if r.code != exitOK || !strings.Contains(r.stdout, "decision: ALLOW") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestCheck_TwoProviders(t *testing.T) {
	privA, setA := keygen(t, "ES256", "a1")
	privB, setB := keygen(t, "EdDSA", "b1")
	cfg := writeFile(t, "two.json", `{
  "providers": {
    "staff": {"issuer": "https://staff.example.com", "local_jwks": {"inline": `+strings.TrimSpace(setA)+`},
              "claim_to_headers": [{"header_name": "x-user", "claim_name": "sub"}, {"header_name": "x-team", "claim_name": "team"}]},
    "partners": {"issuer": "https://partners.example.com", "local_jwks": {"inline": `+strings.TrimSpace(setB)+`}, "forward": true}
  },
  "rules": [
    {"name": "internal", "match": {"prefix": "/internal"}, "requires": {"provider_name": "staff"}},
    {"name": "shared", "match": {"prefix": "/shared"}, "requires": {"requires_any": {"requirements": [{"provider_name": "staff"}, {"provider_name": "partners"}]}}}
  ]
}`)
	staff := strings.TrimSpace(mustRun(t, "mint", "-key", privA, "-kid", "a1", "-iss", "https://staff.example.com", "-sub", "alice", "-now", nowFlag))
	partner := strings.TrimSpace(mustRun(t, "mint", "-key", privB, "-kid", "b1", "-iss", "https://partners.example.com", "-sub", "bob", "-now", nowFlag))

	tests := []struct {
		name     string
		path     string
		token    string
		wantCode int
		want     []string
	}{
		{
			name: "staff token on a staff route: claim headers", path: "/internal/x", token: staff, wantCode: exitOK,
			want: []string{"decision: ALLOW (principal from provider staff)\n", "upstream: x-user: alice\n", "upstream: x-team: not set (claim team absent)\n",
				"upstream: the token is removed from the request"},
		},
		{
			name: "partner token on a staff route: the issuer belongs to another provider", path: "/internal/x", token: partner, wantCode: exitFail,
			want: []string{`-> provider partners (by its issuer)`, "reason:   issuer_mismatch",
				`HINT: iss "https://partners.example.com" belongs to provider partners, which this route does not accept (it requires provider staff)`},
		},
		{
			name: "partner token on a shared route", path: "/shared/x", token: partner, wantCode: exitOK,
			want: []string{"route:    shared, requires any_of(provider staff, provider partners)\n", "provider: staff: REJECTED: token issuer is not accepted",
				"provider: partners: verified\n", "decision: ALLOW (principal from provider partners)\n", "upstream: the token is forwarded (forward: true)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, cfg, tc.path, tc.token)
			if r.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tc.wantCode, r.stderr)
			}
			assertInOrder(t, r.stdout, tc.want)
		})
	}
}

func TestCheck_RequestValues(t *testing.T) {
	priv, set := keygen(t, "ES256", "k1")
	cfg := writeFile(t, "tenant.json", `{
  "providers": {"idp": {"issuer": "`+issuer+`", "local_jwks": {"inline": `+strings.TrimSpace(set)+`}}},
  "rules": [
    {"name": "tenant", "match": {"prefix": "/t"}, "requires": {"provider_name": "idp"},
     "claims": [{"claim": "tenant", "equals": {"header": "x-tenant"}, "message": "wrong tenant"}]},
    {"name": "office", "match": {"prefix": "/office"}, "requires": {"provider_name": "idp"}, "source_ips": ["10.0.0.0/8"]}
  ]
}`)
	tok := mint(t, priv, "ES256", "k1", "-claim", "tenant=prod")
	tests := []struct {
		name     string
		path     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "header matches the claim", path: "/t/x", args: []string{"-header", "X-Tenant=prod"}, wantCode: exitOK, want: []string{"decision: ALLOW"}},
		{name: "header differs", path: "/t/x", args: []string{"-header", "x-tenant=staging"}, wantCode: exitFail,
			want: []string{"decision: DENY 403\n", "reason:   insufficient_permissions: wrong tenant\n", `HINT: condition on claim "tenant": the token has "prod"`}},
		{name: "source inside the range", path: "/office/x", args: []string{"-source", "10.1.2.3"}, wantCode: exitOK, want: []string{"decision: ALLOW"}},
		{name: "source outside the range", path: "/office/x", args: []string{"-source", "192.0.2.1"}, wantCode: exitFail,
			want: []string{"reason:   source_not_allowed", "HINT: source address 192.0.2.1 is outside the rule's source ranges [10.0.0.0/8]"}},
		{name: "source unknown", path: "/office/x", wantCode: exitFail, want: []string{"reason:   source_not_allowed", "give the client address with -source IP"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, cfg, tc.path, tok, tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q\n%s", r.code, tc.wantCode, r.stderr, r.stdout)
			}
			assertInOrder(t, r.stdout, tc.want)
		})
	}
}
