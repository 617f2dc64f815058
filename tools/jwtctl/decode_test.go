package main

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	priv, _ := keygen(t, "ES256", "k1")
	tok := mint(t, priv, "ES256", "k1", "-exp", "-5m", "-nbf", "-1h", "-claim", "scope=read")

	r := jwtctl(t, "", "decode", "-now", nowFlag, tok)

	want := `UNVERIFIED: nothing below is checked; run ` + "`jwtctl check`" + ` to verify against a config
header:
  {
    "alg": "ES256",
    "typ": "JWT",
    "kid": "k1"
  }
payload:
  {
    "iss": "https://idp.example.com",
    "sub": "alice",
    "aud": "api",
    "exp": 1893455700,
    "nbf": 1893452400,
    "iat": 1893456000,
    "scope": "read"
  }
signature: 64 bytes
times (now 2030-01-01T00:00:00Z):
  exp: 1893455700 = 2029-12-31T23:55:00Z (5m0s ago)
  nbf: 1893452400 = 2029-12-31T23:00:00Z (1h0m0s ago)
  iat: 1893456000 = 2030-01-01T00:00:00Z (now)
filter parse: ok (signature and claims not checked)
`
	if r.code != 0 || r.stdout != want {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
}

func TestDecode_ShowsWhatTheFilterRefuses(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name     string
		token    string
		wantCode int
		want     []string
	}{
		{
			name:  "duplicate claim",
			token: b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`{"sub":"a","sub":"b"}`)) + ".c2ln",
			want:  []string{"signature: 3 bytes\n", "filter parse: REFUSED: token is malformed"},
		},
		{
			name:  "alg none is readable",
			token: b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"sub":"a"}`)) + ".",
			want:  []string{`"alg": "none"`, "signature: 0 bytes\n", "exp: absent"},
		},
		{
			name:  "payload not JSON",
			token: b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`hello`)) + ".c2ln",
			want:  []string{`(not JSON) "hello"`, "filter parse: REFUSED"},
		},
		{
			name:     "JWE",
			token:    "a.b.c.d.e",
			wantCode: exitFail,
		},
		{
			name:     "two parts",
			token:    "a.b",
			wantCode: exitFail,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jwtctl(t, tc.token+"\n", "decode", "-now", nowFlag, "-")
			if r.code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tc.wantCode, r.stderr)
			}
			assertInOrder(t, r.stdout, tc.want)
		})
	}
}

func FuzzDecode(f *testing.F) {
	b64 := base64.RawURLEncoding.EncodeToString
	f.Add(b64([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + b64([]byte(`{"exp":1e400,"nbf":"x","iat":-1}`)) + ".c2ln")
	f.Add("a.b.c")
	f.Add("Bearer a..")
	f.Fuzz(func(t *testing.T, token string) {
		var out bytes.Buffer
		_ = decode(&out, cleanToken(token), base)
		if strings.Contains(token, ".") && strings.Count(token, ".") == 2 && !strings.HasPrefix(out.String(), "UNVERIFIED") {
			t.Fatalf("decode output does not start with the UNVERIFIED banner:\n%s", out.String())
		}
	})
}

func FuzzParseTimeClaim(f *testing.F) {
	for _, s := range []string{"1h", "-5m", "none", "", "now", "1893456000", "2030-01-01T00:00:00Z", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, set, err := parseTimeClaim(s, base)
		if err != nil && set {
			t.Fatalf("parseTimeClaim(%q) set a value with an error", s)
		}
	})
}
