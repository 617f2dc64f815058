package jwt

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// TestEveryReason: each class in AllErrors is what a user gets for one concrete token, seen
// through Parse + Verify as the filter calls them. A new class needs a case here.
func TestEveryReason(t *testing.T) {
	k := keys(t)
	now := base.Unix()
	hs := func(c claims) string { return mint(t, "HS256", k.secret, nil, c) }
	cases := map[*Error]struct {
		token string
		keys  *jwks.Set
		want  func(*Expected)
	}{
		ErrMalformed:      {token: "not-a-token"},
		ErrJWE:            {token: "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"},
		ErrTooLarge:       {token: strings.Repeat("a", MaxTokenBytes+1)},
		ErrCrit:           {token: mintRaw(t, "HS256", k.secret, `{"alg":"HS256","crit":["x"],"x":1}`, `{}`)},
		ErrUnsupportedAlg: {token: mintRaw(t, "HS256", k.secret, `{"alg":"none"}`, `{}`)},
		ErrAlgNotAllowed:  {token: hs(validClaims()), want: func(w *Expected) { w.Algorithms = []string{"RS256"} }},
		ErrAlgKeyMismatch: {token: hs(validClaims()), keys: jwks.NewSet(k.publicKeyByKid["rsa-1"])},
		ErrUnknownKid:     {token: mint(t, "HS256", k.secret, header{"kid": "gone"}, validClaims())},
		ErrNoKeys:         {token: hs(validClaims()), keys: jwks.NewSet()},
		ErrBadSignature:   {token: mint(t, "HS256", k.secretOther, nil, validClaims())},
		ErrExpired:        {token: hs(with(validClaims(), "exp", now-3600))},
		ErrNotYetValid:    {token: hs(with(validClaims(), "nbf", now+3600))},
		ErrIssuedInFuture: {token: hs(with(validClaims(), "iat", now+3600))},
		ErrLifetime:       {token: hs(with(validClaims(), "exp", now+86400)), want: func(w *Expected) { w.MaxLifetime = time.Hour }},
		ErrIssuer:         {token: hs(with(validClaims(), "iss", "https://other.example"))},
		ErrAudience:       {token: hs(with(validClaims(), "aud", "other"))},
		ErrMissingClaim:   {token: hs(without(validClaims(), "exp")), want: func(w *Expected) { w.RequireExpiration = true }},
		ErrClaimType:      {token: hs(with(validClaims(), "exp", fmt.Sprint(now+60)))},
	}
	for _, class := range AllErrors {
		t.Run(class.Code(), func(t *testing.T) {
			tc, ok := cases[class]
			if !ok {
				t.Fatalf("no case for %s", class.Code())
			}
			set, want := k.set, expected()
			if tc.keys != nil {
				set = tc.keys
			}
			if tc.want != nil {
				tc.want(want)
			}
			tok, err := Parse(tc.token)
			if err == nil {
				_, err = Verify(tok, set, want)
			}
			var got *Error
			if !errors.As(err, &got) || got != class {
				t.Fatalf("error = %v (class %v), want class %s", err, got, class.Code())
			}
			if !strings.HasPrefix(err.Error(), class.Description()) {
				t.Errorf("error %q does not start with %q", err, class.Description())
			}
		})
	}
}

func without(c claims, k string) claims {
	delete(c, k)
	return c
}
