package jwt

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	k := keys(t)
	valid := mintValid(t, "HS256")
	hs := func(headerJSON, payloadJSON string) string {
		return mintRaw(t, "HS256", k.secret, headerJSON, payloadJSON)
	}
	okPayload := mustJSON(t, validClaims())
	manyMembers := func(dup bool) string {
		var b strings.Builder
		b.WriteString(`{"alg":"HS256"`)
		for i := range 40 {
			fmt.Fprintf(&b, `,"m%d":%d`, i, i)
		}
		if dup {
			b.WriteString(`,"m39":0`)
		}
		b.WriteString("}")
		return b.String()
	}
	dot := strings.LastIndexByte(valid, '.')
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{name: "valid", token: valid},
		{name: "valid with 40 header members", token: hs(manyMembers(false), okPayload)},
		{name: "empty", token: "", wantErr: ErrMalformed},
		{name: "too large", token: valid + strings.Repeat("A", MaxTokenBytes), wantErr: ErrTooLarge},
		{name: "too large even if it is garbage", token: strings.Repeat(".", MaxTokenBytes+1), wantErr: ErrTooLarge},
		{name: "one segment", token: "abc", wantErr: ErrMalformed},
		{name: "two segments", token: valid[:dot], wantErr: ErrMalformed},
		{name: "four segments", token: valid + ".AAAA", wantErr: ErrMalformed},
		{name: "five segments is JWE", token: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", wantErr: ErrJWE},
		{name: "six segments", token: valid + ".a.b.c", wantErr: ErrMalformed},
		{name: "padding in signature", token: valid + "=", wantErr: ErrMalformed},
		{name: "padding in header", token: strings.Replace(valid, ".", "=.", 1), wantErr: ErrMalformed},
		{name: "std alphabet plus", token: valid[:dot+1] + "+" + valid[dot+2:], wantErr: ErrMalformed},
		{name: "std alphabet slash", token: valid[:dot+1] + "/" + valid[dot+2:], wantErr: ErrMalformed},
		{name: "space", token: valid[:10] + " " + valid[10:], wantErr: ErrMalformed},
		{name: "line feed", token: valid[:10] + "\n" + valid[10:], wantErr: ErrMalformed},
		{name: "carriage return", token: valid[:10] + "\r" + valid[10:], wantErr: ErrMalformed},
		{name: "tab", token: valid[:10] + "\t" + valid[10:], wantErr: ErrMalformed},
		{name: "non-zero trailing bits", token: "eyJhbGciOiJIUzI1NiJ9.e30.AB", wantErr: ErrMalformed},
		{name: "impossible length", token: "eyJhbGciOiJIUzI1NiJ9.e30.A", wantErr: ErrMalformed},
		{name: "empty header", token: "." + valid[strings.IndexByte(valid, '.')+1:], wantErr: ErrMalformed},
		{name: "empty payload", token: "eyJhbGciOiJIUzI1NiJ9..AAAA", wantErr: ErrMalformed},
		{name: "header not JSON", token: hs(`{"alg":"HS256"`, okPayload), wantErr: ErrMalformed},
		{name: "header is an array", token: hs(`["alg","HS256"]`, okPayload), wantErr: ErrMalformed},
		{name: "header is a string", token: hs(`"HS256"`, okPayload), wantErr: ErrMalformed},
		{name: "header trailing garbage", token: hs(`{"alg":"HS256"}x`, okPayload), wantErr: ErrMalformed},
		{name: "header alg missing", token: hs(`{"typ":"JWT"}`, okPayload), wantErr: ErrMalformed},
		{name: "header alg number", token: hs(`{"alg":256}`, okPayload), wantErr: ErrMalformed},
		{name: "header alg null", token: hs(`{"alg":null}`, okPayload), wantErr: ErrMalformed},
		{name: "header alg empty", token: hs(`{"alg":""}`, okPayload), wantErr: ErrMalformed},
		{name: "header kid number", token: hs(`{"alg":"HS256","kid":1}`, okPayload), wantErr: ErrMalformed},
		{name: "header typ object", token: hs(`{"alg":"HS256","typ":{}}`, okPayload), wantErr: ErrMalformed},
		{name: "header alg twice", token: hs(`{"alg":"HS256","alg":"RS256"}`, okPayload), wantErr: ErrMalformed},
		{name: "header alg twice, escaped", token: hs(`{"alg":"HS256","a\u006cg":"none"}`, okPayload), wantErr: ErrMalformed},
		{name: "header member twice after 32 others", token: hs(manyMembers(true), okPayload), wantErr: ErrMalformed},
		{name: "crit", token: hs(`{"alg":"HS256","crit":["exp"],"exp":1}`, okPayload), wantErr: ErrCrit},
		{name: "crit b64", token: hs(`{"alg":"HS256","b64":false,"crit":["b64"]}`, okPayload), wantErr: ErrCrit},
		{name: "crit empty", token: hs(`{"alg":"HS256","crit":[]}`, okPayload), wantErr: ErrCrit},
		{name: "nested JWT", token: hs(`{"alg":"HS256","cty":"JWT"}`, okPayload), wantErr: ErrMalformed},
		{name: "nested jwt lowercase", token: hs(`{"alg":"HS256","cty":"jwt"}`, okPayload), wantErr: ErrMalformed},
		{name: "payload not JSON", token: hs(`{"alg":"HS256"}`, `hello`), wantErr: ErrMalformed},
		{name: "payload array", token: hs(`{"alg":"HS256"}`, `[1,2]`), wantErr: ErrMalformed},
		{name: "payload truncated", token: hs(`{"alg":"HS256"}`, `{"sub":"a"`), wantErr: ErrMalformed},
		{name: "payload member twice", token: hs(`{"alg":"HS256"}`, `{"sub":"a","sub":"admin"}`), wantErr: ErrMalformed},
		{name: "payload exp twice", token: hs(`{"alg":"HS256"}`, `{"exp":1,"exp":9999999999}`), wantErr: ErrMalformed},
		{name: "payload nested duplicates are not top-level", token: hs(`{"alg":"HS256"}`, `{"a":{"b":1,"b":2}}`)},
		{name: "payload empty object", token: hs(`{"alg":"HS256"}`, `{}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Parse(tc.token)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Parse() error = %v, want %v", err, tc.wantErr)
			}
			if (tok == nil) == (err == nil) {
				t.Fatalf("Parse() = %v, %v: want exactly one of token and error", tok, err)
			}
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Errorf("Parse() error %v is not an *Error", err)
			}
		})
	}
}

// TestParse_LineBreakAnywhere: base64 decoders skip CR and LF; Parse must not, wherever
// they appear.
func TestParse_LineBreakAnywhere(t *testing.T) {
	for _, alg := range []string{"HS256", "ES512"} {
		valid := mintValid(t, alg)
		for i := 0; i <= len(valid); i++ {
			for _, lb := range []string{"\n", "\r", "\r\n"} {
				if _, err := Parse(valid[:i] + lb + valid[i:]); !errors.Is(err, ErrMalformed) {
					t.Fatalf("Parse(%s with %q at %d) error = %v, want %v", alg, lb, i, err, ErrMalformed)
				}
			}
		}
	}
}

func TestParse_Fields(t *testing.T) {
	k := keys(t)
	raw := mint(t, "ES256", k.p256, header{"kid": "ec-256", "typ": "at+jwt"}, validClaims())
	tok, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Raw != raw || tok.Alg != "ES256" || tok.Kid != "ec-256" || tok.Typ != "at+jwt" {
		t.Errorf("Parse() = Raw ok %v, Alg %q, Kid %q, Typ %q", tok.Raw == raw, tok.Alg, tok.Kid, tok.Typ)
	}
	if got := tok.UnverifiedIssuer(); got != testIssuer {
		t.Errorf("UnverifiedIssuer() = %q, want %q", got, testIssuer)
	}
	if got := tok.UnverifiedClaims().Get("sub").String(); got != "f3a1c2d4-user" {
		t.Errorf("UnverifiedClaims().Get(sub) = %q", got)
	}
	if got := tok.signingInput; got != raw[:strings.LastIndexByte(raw, '.')] {
		t.Errorf("signingInput = %q", got)
	}

	tok, err = Parse(mintRaw(t, "HS256", k.secret, `{"alg":"HS256"}`, `{"iss":42}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.UnverifiedIssuer(); got != "" {
		t.Errorf("UnverifiedIssuer() with a numeric iss = %q, want empty", got)
	}
}

// TestParse_Allocs pins the allocation count of a cache-free Parse of a Keycloak-like token:
// the Token, its one decode buffer, and the member index.
func TestParse_Allocs(t *testing.T) {
	raw := keycloakToken(t, "RS256")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Parse(raw); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("Parse of a %d-byte Keycloak-like token: %.0f allocs", len(raw), allocs)
	if allocs > 3 {
		t.Errorf("Parse() allocs = %.0f, want <= 3", allocs)
	}
}
