package main

import (
	"path/filepath"
	"strings"
	"testing"
)

const issuer = "https://idp.example.com"

// localConfig is a plugin config whose provider "idp" holds jwksJSON inline; rules protect
// /api and require the admin scope under /admin. extra is spliced into the provider.
func localConfig(t *testing.T, jwksJSON, extra string) string {
	t.Helper()
	return writeFile(t, "plugin.json", `{
  "providers": {"idp": {"issuer": "`+issuer+`", "audiences": ["api"], `+extra+`
    "local_jwks": {"inline": `+strings.TrimSpace(jwksJSON)+`}}},
  "rules": [
    {"name": "admin", "match": {"prefix": "/admin"}, "requires": {"provider_name": "idp"},
     "claims": [{"claim": "scope", "contains": "admin", "delimiter": " ", "message": "admin scope required"}]},
    {"name": "api", "match": {"prefix": "/api"}, "requires": {"provider_name": "idp"}},
    {"name": "health", "match": {"path": "/healthz"}}
  ]
}`)
}

// keygen makes a key in a temp dir and returns the private key file and the JWKS.
func keygen(t *testing.T, alg, kid string) (priv, jwksJSON string) {
	t.Helper()
	priv = filepath.Join(t.TempDir(), kid+".key")
	return priv, mustRun(t, "keygen", "-alg", alg, "-kid", kid, "-out-private", priv)
}

// mint signs a token at the fixed clock; args add or override claims.
func mint(t *testing.T, priv, alg, kid string, args ...string) string {
	t.Helper()
	a := append([]string{"mint", "-key", priv, "-alg", alg, "-kid", kid, "-iss", issuer, "-aud", "api", "-sub", "alice", "-now", nowFlag}, args...)
	return strings.TrimSpace(mustRun(t, a...))
}

func TestKeygenMintCheck_EveryAlgorithmAllows(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			priv, set := keygen(t, alg, "k-"+alg)
			cfg := localConfig(t, set, "")
			tok := mint(t, priv, alg, "k-"+alg)

			r := jwtctl(t, "", "check", "-config", cfg, "-path", "/api/nodes", "-now", nowFlag, tok)

			if r.code != exitOK || !strings.Contains(r.stdout, "decision: ALLOW (principal from provider idp)\n") {
				t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "provider: idp: verified\n") {
				t.Errorf("check does not say the token verified:\n%s", r.stdout)
			}
		})
	}
}

func TestKeygen_PrivateKeyLoadsBackAndJWKSHasNoPrivateMembers(t *testing.T) {
	for _, alg := range []string{"RS256", "ES384", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			priv, set := keygen(t, alg, "k1")
			for _, member := range []string{`"d"`, `"p"`, `"q"`, `"k"`} {
				if strings.Contains(set, member+":") {
					t.Errorf("public JWKS holds private member %s: %s", member, set)
				}
			}
			if !strings.Contains(set, `"kid":"k1","alg":"`+alg+`"`) {
				t.Errorf("JWKS lacks kid and alg: %s", set)
			}
			data, err := readFile(priv)
			if err != nil {
				t.Fatal(err)
			}
			k, err := loadPrivateKey(data)
			if err != nil || k.defaultAlg()[:2] != alg[:2] {
				t.Fatalf("loadPrivateKey: %v, %+v", err, k)
			}
		})
	}
}

func TestKeygen_Refusals(t *testing.T) {
	dir := t.TempDir()
	existing := writeFile(t, "taken.pem", "x")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "no alg", args: []string{"-out-private", filepath.Join(dir, "a")}, wantCode: exitUsage, wantErr: "-alg is required"},
		{name: "unknown alg", args: []string{"-alg", "none", "-out-private", filepath.Join(dir, "b")}, wantCode: exitUsage, wantErr: `unknown algorithm "none"`},
		{name: "no output file", args: []string{"-alg", "ES256"}, wantCode: exitUsage, wantErr: "-out-private FILE is required"},
		{name: "weak RSA", args: []string{"-alg", "RS256", "-bits", "1024", "-out-private", filepath.Join(dir, "c")}, wantCode: exitUsage, wantErr: "RSA keys under 2048 bits are refused"},
		{name: "never overwrites a key", args: []string{"-alg", "ES256", "-out-private", existing}, wantCode: exitFail, wantErr: "file exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jwtctl(t, "", append([]string{"keygen"}, tc.args...)...)
			if r.code != tc.wantCode || !strings.Contains(r.stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
}

func TestMint_Claims(t *testing.T) {
	priv, _ := keygen(t, "ES256", "k1")
	claimsFile := writeFile(t, "claims.json", `{"tenant": "prod", "roles": ["a", "b"], "sub": "from-file"}`)
	tok := mint(t, priv, "ES256", "k1", "-exp", "2h", "-nbf", "-1m", "-claims", claimsFile,
		"-claim", "n=42", "-claim", "ok=true", "-claim", "scope=read write", "-claim", `obj={"a": [1, 2]}`, "-claim", "tenant=staging")

	out := mustRun(t, "decode", "-now", nowFlag, tok)

	// Registered claims first, then -claims in its order, then -claim; -sub wins over the
	// file, -claim over both; values that parse as JSON are JSON, the rest strings.
	want := `payload:
  {
    "iss": "https://idp.example.com",
    "sub": "alice",
    "aud": "api",
    "exp": 1893463200,
    "nbf": 1893455940,
    "iat": 1893456000,
    "tenant": "staging",
    "roles": [
      "a",
      "b"
    ],
    "n": 42,
    "ok": true,
    "scope": "read write",
    "obj": {
      "a": [
        1,
        2
      ]
    }
  }
`
	if !strings.Contains(out, want) {
		t.Fatalf("decode output lacks\n%s\ngot:\n%s", want, out)
	}
}

func TestMint_AudienceListAndOmittedExp(t *testing.T) {
	priv, _ := keygen(t, "EdDSA", "k1")
	tok := mint(t, priv, "EdDSA", "k1", "-aud", "api,admin", "-exp", "none", "-iat", "none", "-typ", "")
	out := mustRun(t, "decode", "-now", nowFlag, tok)
	for _, want := range []string{"\"aud\": [\n      \"api\",\n      \"admin\"\n    ]", "exp: absent", `"alg": "EdDSA"`} {
		if !strings.Contains(out, want) {
			t.Errorf("decode output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"typ"`) || strings.Contains(out, `"iat"`) {
		t.Errorf("typ or iat present though omitted:\n%s", out)
	}
}

func TestMint_Refusals(t *testing.T) {
	priv, _ := keygen(t, "ES256", "k1")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "alg of another family", args: []string{"-key", priv, "-alg", "RS256"}, wantErr: "the key is EC P-256, which cannot sign RS256 (use -alg ES256)"},
		{name: "curve mismatch", args: []string{"-key", priv, "-alg", "ES384"}, wantErr: "cannot sign ES384"},
		{name: "bad time", args: []string{"-key", priv, "-exp", "tomorrow"}, wantErr: `-exp: "tomorrow" is not a duration`},
		{name: "bad claim", args: []string{"-key", priv, "-claim", "novalue"}, wantErr: `-claim "novalue": want name=value`},
		{name: "claims not an object", args: []string{"-key", priv, "-claims", "[1]"}, wantErr: "-claims"},
		{name: "no key", args: []string{"-alg", "ES256"}, wantErr: "-key FILE is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jwtctl(t, "", append([]string{"mint"}, tc.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %q", r.code, r.stderr, tc.wantErr)
			}
		})
	}
}

// The HS private key file is the config's local_jwks.secret format (Inmanta style).
func TestKeygen_HMACSecretFileIsTheConfigSecret(t *testing.T) {
	priv, set := keygen(t, "HS512", "h1")
	if !strings.Contains(set, `"kty":"oct"`) {
		t.Fatalf("HMAC JWKS: %s", set)
	}
	secret, err := readFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "hs.json", `{"providers": {"idp": {"issuer": "`+issuer+`", "local_jwks": {"secret": "`+strings.TrimSpace(string(secret))+`"}}},
 "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "idp"}}]}`)
	tok := mint(t, priv, "HS512", "")

	r := check(t, cfg, "/x", tok)

	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
