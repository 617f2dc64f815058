package jwt

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are tokens from the table tests' shapes: valid ones for every alg, and broken ones.
func fuzzSeeds(t testing.TB) []string {
	seeds := []string{
		"", ".", "..", "....", "a.b.c", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJIUzI1NiJ9.e30.AB", "eyJhbGciOiJIUzI1NiJ9..AAAA",
		rfc7515A1Token, rfc7515A2Token, rfc7515A3Token, rfc7515A4Token, rfc8037Token,
		mintRaw(t, "HS256", keys(t).secret, `{"alg":"HS256","alg":"HS256"}`, `{}`),
		mintRaw(t, "HS256", keys(t).secret, `{"alg":"HS256","crit":["b64"]}`, `{}`),
		mintRaw(t, "HS256", keys(t).secret, `{"alg":"HS256"}`, `{"exp":"1","aud":[1]}`),
		mintRaw(t, "HS256", keys(t).secret, `{"alg":"HS256","kid":"hmac-1"}`, `{"exp":1e400,"iat":-1e300}`),
	}
	for _, alg := range SupportedAlgorithms() {
		tok := mintValid(t, alg)
		seeds = append(seeds, tok, strings.TrimRight(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
	}
	return seeds
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Parse(raw)
		if (tok == nil) == (err == nil) {
			t.Fatalf("Parse() = %v, %v: want exactly one", tok, err)
		}
		if tok == nil {
			if e := (*Error)(nil); !errors.As(err, &e) {
				t.Fatalf("Parse() error %v has no class", err)
			}
			return
		}
		_ = tok.UnverifiedIssuer()
		c := tok.UnverifiedClaims()
		_, _ = c.Expiry()
		_ = c.Claim("sub")
		_ = CheckClaims(c, expected())
	})
}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	k := keys(f)
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Parse(raw)
		if err != nil {
			return
		}
		c, err := Verify(tok, k.set, expected())
		if (c == nil) == (err == nil) {
			t.Fatalf("Verify() = %v, %v: want exactly one", c, err)
		}
		if e := (*Error)(nil); err != nil && !errors.As(err, &e) {
			t.Fatalf("Verify() error %v has no class", err)
		}
		if err := VerifySignature(tok, k.set, SupportedAlgorithms()); err == nil && c == nil {
			// The signature verified, so the claims must have failed: CheckClaims agrees.
			if CheckClaims(tok.UnverifiedClaims(), expected()) == nil {
				t.Fatal("Verify() failed but signature and claims pass separately")
			}
		}
	})
}
