package jwt

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestCheckClaims(t *testing.T) {
	now := base.Unix()
	with := func(f func(w *Expected)) *Expected {
		w := expected()
		f(w)
		return w
	}
	tests := []struct {
		name    string
		payload string
		want    *Expected
		wantErr error
	}{
		{name: "all good", payload: fmt.Sprintf(`{"iss":%q,"aud":"api","exp":%d,"nbf":%d,"iat":%d}`, testIssuer, now+300, now-60, now-60)},
		{name: "nothing configured, nothing sent", payload: `{}`, want: &Expected{Now: base}},

		// iss
		{name: "iss mismatch", payload: `{"iss":"https://idp.example/realms/other","aud":"api"}`, wantErr: ErrIssuer},
		{name: "iss differs in case", payload: `{"iss":"https://IDP.example/realms/demo","aud":"api"}`, wantErr: ErrIssuer},
		{name: "iss trailing slash", payload: fmt.Sprintf(`{"iss":"%s/","aud":"api"}`, testIssuer), wantErr: ErrIssuer},
		{name: "iss missing", payload: `{"aud":"api"}`, wantErr: ErrMissingClaim},
		{name: "iss number", payload: `{"iss":1,"aud":"api"}`, wantErr: ErrClaimType},
		{name: "iss array", payload: fmt.Sprintf(`{"iss":[%q],"aud":"api"}`, testIssuer), wantErr: ErrClaimType},
		{name: "iss any when unconfigured", payload: `{"iss":"anyone","aud":"api"}`, want: with(func(w *Expected) { w.Issuer = "" })},
		{name: "iss still typed when unconfigured", payload: `{"iss":true,"aud":"api"}`, want: with(func(w *Expected) { w.Issuer = "" }), wantErr: ErrClaimType},

		// aud
		{name: "aud string match", payload: iss(`"aud":"api"`)},
		{name: "aud array match", payload: iss(`"aud":["account","api"]`)},
		{name: "aud any configured matches", payload: iss(`"aud":["web"]`), want: with(func(w *Expected) { w.Audiences = []string{"api", "web"} })},
		{name: "aud string mismatch", payload: iss(`"aud":"apix"`), wantErr: ErrAudience},
		{name: "aud array mismatch", payload: iss(`"aud":["account","web"]`), wantErr: ErrAudience},
		{name: "aud empty array", payload: iss(`"aud":[]`), wantErr: ErrAudience},
		{name: "aud missing", payload: iss(``), wantErr: ErrMissingClaim},
		{name: "aud number", payload: iss(`"aud":1`), wantErr: ErrClaimType},
		{name: "aud object", payload: iss(`"aud":{"api":true}`), wantErr: ErrClaimType},
		{name: "aud null", payload: iss(`"aud":null`), wantErr: ErrClaimType},
		{name: "aud array with number", payload: iss(`"aud":["api",1]`), wantErr: ErrClaimType},
		{name: "aud nested array", payload: iss(`"aud":[["api"]]`), wantErr: ErrClaimType},
		{name: "aud any when unconfigured", payload: iss(`"aud":["x"]`), want: with(func(w *Expected) { w.Audiences = nil })},
		{name: "aud absent when unconfigured", payload: iss(``), want: with(func(w *Expected) { w.Audiences = nil })},

		// exp, with 60 s skew: valid while now - 60 <= exp
		{name: "exp at skew edge", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now-60))},
		{name: "exp one second past skew edge", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now-61)), wantErr: ErrExpired},
		{name: "exp fractional just inside", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d.5`, now-61)), want: with(func(w *Expected) { w.Now = base.Add(-500 * time.Millisecond) })},
		{name: "exp fractional just past", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d.5`, now-61)), wantErr: ErrExpired},
		{name: "exp without skew at now", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now)), want: with(func(w *Expected) { w.ClockSkew = 0 })},
		{name: "exp without skew one second ago", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now-1)), want: with(func(w *Expected) { w.ClockSkew = 0 }), wantErr: ErrExpired},
		{name: "negative skew counts as zero", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now)), want: with(func(w *Expected) { w.ClockSkew = -time.Hour })},
		{name: "exp string", payload: iss(fmt.Sprintf(`"aud":"api","exp":"%d"`, now+300)), wantErr: ErrClaimType},
		{name: "exp bool", payload: iss(`"aud":"api","exp":true`), wantErr: ErrClaimType},
		{name: "exp null", payload: iss(`"aud":"api","exp":null`), wantErr: ErrClaimType},
		{name: "exp object", payload: iss(`"aud":"api","exp":{"$numberLong":"1"}`), wantErr: ErrClaimType},
		{name: "exp negative", payload: iss(`"aud":"api","exp":-1`), wantErr: ErrExpired},
		{name: "exp huge", payload: iss(`"aud":"api","exp":1e300`)},
		{name: "exp beyond int64", payload: iss(`"aud":"api","exp":99999999999999999999999`)},
		{name: "exp beyond float64", payload: iss(`"aud":"api","exp":1e400`), wantErr: ErrClaimType},
		{name: "exp negative beyond float64", payload: iss(`"aud":"api","exp":-1e400`), wantErr: ErrClaimType},
		{name: "exp required and missing", payload: iss(`"aud":"api"`), want: with(func(w *Expected) { w.RequireExpiration = true }), wantErr: ErrMissingClaim},
		{name: "exp required and present", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now+1)), want: with(func(w *Expected) { w.RequireExpiration = true })},

		// nbf: valid once nbf <= now + 60
		{name: "nbf at skew edge", payload: iss(fmt.Sprintf(`"aud":"api","nbf":%d`, now+60))},
		{name: "nbf one second past skew edge", payload: iss(fmt.Sprintf(`"aud":"api","nbf":%d`, now+61)), wantErr: ErrNotYetValid},
		{name: "nbf string", payload: iss(`"aud":"api","nbf":"0"`), wantErr: ErrClaimType},
		{name: "nbf huge", payload: iss(`"aud":"api","nbf":1e300`), wantErr: ErrNotYetValid},

		// iat: not after now + 60
		{name: "iat at skew edge", payload: iss(fmt.Sprintf(`"aud":"api","iat":%d`, now+60))},
		{name: "iat in the future", payload: iss(fmt.Sprintf(`"aud":"api","iat":%d`, now+61)), wantErr: ErrIssuedInFuture},
		{name: "iat far in the future", payload: iss(`"aud":"api","iat":1e300`), wantErr: ErrIssuedInFuture},
		{name: "iat bool", payload: iss(`"aud":"api","iat":false`), wantErr: ErrClaimType},

		// max lifetime (1 h)
		{name: "lifetime exactly max", payload: iss(fmt.Sprintf(`"aud":"api","iat":%d,"exp":%d`, now-60, now+3540)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour })},
		{name: "lifetime one second over", payload: iss(fmt.Sprintf(`"aud":"api","iat":%d,"exp":%d`, now-60, now+3541)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour }), wantErr: ErrLifetime},
		{name: "lifetime without iat within max + skew", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now+3660)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour })},
		{name: "lifetime without iat over", payload: iss(fmt.Sprintf(`"aud":"api","exp":%d`, now+3661)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour }), wantErr: ErrLifetime},
		{name: "lifetime without exp", payload: iss(fmt.Sprintf(`"aud":"api","iat":%d`, now)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour }), wantErr: ErrMissingClaim},
		{name: "lifetime with huge exp", payload: iss(fmt.Sprintf(`"aud":"api","iat":%d,"exp":1e300`, now)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour }), wantErr: ErrLifetime},
		{name: "lifetime with iat far in the past", payload: iss(fmt.Sprintf(`"aud":"api","iat":-1e300,"exp":%d`, now+60)), want: with(func(w *Expected) { w.MaxLifetime = time.Hour }), wantErr: ErrLifetime},

		// input problems
		{name: "claims not JSON", payload: `{"iss":`, wantErr: ErrMalformed},
		{name: "claims not an object", payload: `[]`, wantErr: ErrMalformed},
		{name: "claims member twice", payload: iss(`"aud":"x","aud":"api"`), wantErr: ErrMalformed},
		{name: "zero clock", payload: iss(`"aud":"api"`), want: with(func(w *Expected) { w.Now = time.Time{} }), wantErr: ErrMalformed},
		{name: "nil expectations", payload: iss(`"aud":"api"`), want: nil, wantErr: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil && tc.name != "nil expectations" {
				want = expected()
			}
			err := CheckClaims(NewClaims([]byte(tc.payload)), want)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("CheckClaims(%s) error = %v, want %v", tc.payload, err, tc.wantErr)
			}
			// The same payload inside a parsed token (indexed claims) gives the same answer.
			if tok, perr := Parse(mintRaw(t, "HS256", keys(t).secret, `{"alg":"HS256"}`, tc.payload)); perr == nil {
				if err2 := CheckClaims(tok.UnverifiedClaims(), want); !errors.Is(err2, tc.wantErr) || (err == nil) != (err2 == nil) {
					t.Errorf("CheckClaims(parsed) error = %v, want %v", err2, tc.wantErr)
				}
			}
		})
	}
	if err := CheckClaims(nil, expected()); !errors.Is(err, ErrMalformed) {
		t.Errorf("CheckClaims(nil) error = %v, want %v", err, ErrMalformed)
	}
}

// iss prefixes the test issuer to other members.
func iss(members string) string {
	if members == "" {
		return fmt.Sprintf(`{"iss":%q}`, testIssuer)
	}
	return fmt.Sprintf(`{"iss":%q,%s}`, testIssuer, members)
}

func TestClaims_Claim(t *testing.T) {
	c := NewClaims([]byte(`{"urn:inmanta:ct":"env","a.b":1,"a":{"b":2},"@this":"lit","x\"y":3,` +
		`"realm_access":{"roles":["operator"]},"esc\u0061ped":4,"*":5,"":6}`))
	tests := []struct {
		name string
		want string
	}{
		{name: "urn:inmanta:ct", want: `"env"`},
		{name: "a.b", want: `1`},
		{name: "a", want: `{"b":2}`},
		{name: "@this", want: `"lit"`},
		{name: `x"y`, want: `3`},
		{name: "realm_access", want: `{"roles":["operator"]}`},
		{name: "escaped", want: `4`},
		{name: "*", want: `5`},
		{name: "", want: `6`},
		{name: "missing", want: ``},
		{name: "a*", want: ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Claim(tc.name).Raw; got != tc.want {
				t.Errorf("Claim(%q) = %s, want %s", tc.name, got, tc.want)
			}
		})
	}
	if got := c.Get("realm_access.roles.0").String(); got != "operator" {
		t.Errorf("Get(realm_access.roles.0) = %q", got)
	}
}

func TestClaims_Expiry(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    time.Time
		wantOK  bool
	}{
		{name: "integer", payload: `{"exp":1893456000}`, want: base, wantOK: true},
		{name: "fraction", payload: `{"exp":1893456000.25}`, want: base.Add(250 * time.Millisecond), wantOK: true},
		{name: "huge clamps to year 9999", payload: `{"exp":1e300}`, want: time.Unix(maxUnix, 0).UTC(), wantOK: true},
		{name: "very negative clamps to year 1", payload: `{"exp":-1e300}`, want: time.Unix(minUnix, 0).UTC(), wantOK: true},
		{name: "absent", payload: `{}`},
		{name: "string", payload: `{"exp":"1893456000"}`},
		{name: "not JSON", payload: `nope`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NewClaims([]byte(tc.payload)).Expiry()
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("Expiry() = %v, %v, want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
