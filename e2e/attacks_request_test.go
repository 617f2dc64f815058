package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// The attack catalogue, continued (see attacks_test.go): where the token travels, and the
// time claims.

// TestAttack_Credentials: the Authorization header's syntax, repeated or competing
// credentials, and the size limits.
//
// Syntax (RFC 7235 section 2.1 and RFC 6750 section 2.1): credentials = auth-scheme
// [ 1*SP token68 ], the scheme compared case-insensitively. So "bearer x" and "BEARER x" are
// accepted, as are several spaces (1*SP) and trailing whitespace (OWS around a field value,
// RFC 9110 section 5.5, is not part of the value). A tab is not SP and "Bearerx" has no
// separator: the header then carries no Bearer credential at all, which is 401 token_missing
// (plain 401 with no error code, RFC 6750 section 3.1). Leading whitespace never reaches a
// filter in Envoy (its codecs strip OWS); our host passes it through, and the filter then
// finds no Bearer credential: also token_missing, never a pass.
func TestAttack_Credentials(t *testing.T) {
	valid := func(t *testing.T) string { return mint(t, "RS256", good(nil), nil) }
	other := func(t *testing.T) string { return mint(t, "RS256", good(claims{"sub": "bob"}), nil) }
	with := func(build func(t *testing.T, a, b string) harness.Request) func(*testing.T) harness.Request {
		return func(t *testing.T) harness.Request { return build(t, valid(t), other(t)) }
	}
	authTok := func(format string) func(*testing.T) harness.Request {
		return with(func(t *testing.T, a, _ string) harness.Request {
			return auth(strings.ReplaceAll(format, "TOKEN", a))(t)
		})
	}
	twoPlaces := withProvider(map[string]any{
		"from_headers": []any{map[string]any{"name": "authorization", "value_prefix": "Bearer "}},
		"from_params":  []string{"access_token"},
		"from_cookies": []string{"session"},
	})
	tests := []attack{
		{name: "scheme lower case: bearer x", req: authTok("bearer TOKEN"), status: 200},
		{name: "scheme upper case: BEARER x", req: authTok("BEARER TOKEN"), status: 200},
		{name: "two spaces: Bearer  x", req: authTok("Bearer  TOKEN"), status: 200},
		{name: "trailing space: Bearer x_", req: authTok("Bearer TOKEN "), status: 200},
		{name: "tab: Bearer<TAB>x", req: authTok("Bearer\tTOKEN"), status: 401, code: "token_missing"},
		{name: "leading space: _Bearer x", req: authTok(" Bearer TOKEN"), status: 401, code: "token_missing"},
		{name: "no separator: Bearerx", req: authTok("BearerTOKEN"), status: 401, code: "token_missing"},
		{name: "scheme only: Bearer", req: auth("Bearer"), status: 401, code: "token_missing"},
		{name: "scheme and space only: Bearer_", req: auth("Bearer "), status: 401, code: "token_missing"},
		{name: "another scheme: Basic", req: auth("Basic YWxpY2U6c2VjcmV0"), status: 401, code: "token_missing"},
		{name: "token then junk: Bearer x y", req: authTok("Bearer TOKEN extra"), status: 401, code: "token_malformed"},
		// The whole rest of the value is the token: "h.p.s, Bearer h.p.s" has five segments.
		{name: "two credentials in one value: Bearer x, Bearer y", req: with(func(t *testing.T, a, b string) harness.Request {
			return auth("Bearer " + a + ", Bearer " + b)(t)
		}), status: 401, code: "token_encrypted"},
		{name: "two Authorization headers, same token", req: with(func(t *testing.T, a, _ string) harness.Request {
			return auth("Bearer "+a, "Bearer "+a)(t)
		}), status: 200},
		{name: "two Authorization headers, different tokens", req: with(func(t *testing.T, a, b string) harness.Request {
			return auth("Bearer "+a, "Bearer "+b)(t)
		}), status: 401, code: "token_ambiguous"},
		{name: "two Authorization headers, valid then garbage", req: with(func(t *testing.T, a, _ string) harness.Request {
			return auth("Bearer "+a, "Bearer garbage")(t)
		}), status: 401, code: "token_ambiguous"},
		{name: "two Authorization headers, garbage then valid", req: with(func(t *testing.T, a, _ string) harness.Request {
			return auth("Bearer garbage", "Bearer "+a)(t)
		}), status: 401, code: "token_ambiguous"},
		// Another scheme is not our credential; the filter removes every Authorization header
		// before the upstream (forward is off), so the Basic one does not travel on either.
		{name: "Basic and Bearer Authorization headers", req: with(func(t *testing.T, a, _ string) harness.Request {
			return auth("Basic YWxpY2U6c2VjcmV0", "Bearer "+a)(t)
		}), status: 200},
		{name: "token in header and query, same", config: twoPlaces, req: with(func(t *testing.T, a, _ string) harness.Request {
			return get("/api/nodes?access_token="+a, "authorization", "Bearer "+a)
		}), status: 200},
		{name: "token in header and query, different", config: twoPlaces, req: with(func(t *testing.T, a, b string) harness.Request {
			return get("/api/nodes?access_token="+b, "authorization", "Bearer "+a)
		}), status: 401, code: "token_ambiguous"},
		{name: "token in header and cookie, different", config: twoPlaces, req: with(func(t *testing.T, a, b string) harness.Request {
			return get("/api/nodes", "authorization", "Bearer "+a, "cookie", "session="+b)
		}), status: 401, code: "token_ambiguous"},
		{name: "query parameter given twice, different", config: twoPlaces, req: with(func(t *testing.T, a, b string) harness.Request {
			return get("/api/nodes?access_token=" + a + "&access_token=" + b)
		}), status: 401, code: "token_ambiguous"},
		{name: "token over max_token_bytes", config: withLimits(8192, 4096),
			req: auth("Bearer " + strings.Repeat("a", 5000)), status: 401, code: "token_too_large"},
		{name: "header over max_header_bytes", config: withLimits(8192, 4096),
			req: auth("Bearer " + strings.Repeat("a", 9000)), status: 431, code: "header_too_large"},
		{name: "second header over max_header_bytes", config: withLimits(8192, 4096), req: with(func(t *testing.T, a, _ string) harness.Request {
			return auth("Bearer "+a, "Bearer "+strings.Repeat("a", 9000))(t)
		}), status: 431, code: "header_too_large"},
		{name: "cookie header over max_header_bytes", config: func(t *testing.T) cfg {
			c := twoPlaces(t)
			c["limits"] = map[string]any{"max_header_bytes": 8192, "max_token_bytes": 4096}
			return c
		}, req: func(*testing.T) harness.Request {
			return get("/api/nodes", "cookie", "a="+strings.Repeat("b", 9000))
		}, status: 431, code: "header_too_large"},
		{name: "token over the default 16 KiB", req: auth("Bearer " + strings.Repeat("a", 16<<10+1)), status: 401, code: "token_too_large"},
		{name: "header over the default 64 KiB", req: auth("Bearer " + strings.Repeat("a", 64<<10)), status: 431, code: "header_too_large"},
		{name: "valid token padded to the limit with a huge claim", config: withLimits(8192, 4096), req: tok(func(t *testing.T) string {
			return mint(t, "RS256", good(claims{"pad": strings.Repeat("p", 4096)}), nil)
		}), status: 401, code: "token_too_large"},
	}
	runAttacks(t, tests)
}

// TestAttack_TimeClaims: exp, nbf and iat in every shape JSON allows. NumericDate (RFC 7519
// section 2) is a JSON number of seconds, fractions allowed; anything else is claim_invalid.
// Our IdP signs every token here, so a far-future exp is the IdP's choice and passes unless
// max_lifetime bounds it. The default clock skew is 60 s.
func TestAttack_TimeClaims(t *testing.T) {
	at := func(d time.Duration) string { return jsonSeconds(float64(now.Unix()) + d.Seconds()) }
	signed := func(overrides ...string) func(*testing.T) harness.Request {
		return tok(func(t *testing.T) string { return rs(t, rsHeader, payload(overrides...)) })
	}
	maxLifetime := withProvider(map[string]any{"max_lifetime": "24h"})
	tests := []attack{
		{name: "exp as a string", req: signed("exp", `"`+at(time.Hour)+`"`), status: 401, code: "claim_invalid"},
		{name: "exp as an RFC 3339 string", req: signed("exp", `"2030-01-01T01:00:00Z"`), status: 401, code: "claim_invalid"},
		{name: "exp true", req: signed("exp", `true`), status: 401, code: "claim_invalid"},
		{name: "exp null", req: signed("exp", `null`), status: 401, code: "claim_invalid"},
		{name: "exp as an array", req: signed("exp", `[1893459600]`), status: 401, code: "claim_invalid"},
		{name: "exp negative", req: signed("exp", `-1`), status: 401, code: "token_expired"},
		{name: "exp zero", req: signed("exp", `0`), status: 401, code: "token_expired"},
		{name: "exp beyond float64 (1e999)", req: signed("exp", `1e999`), status: 401, code: "claim_invalid"},
		{name: "exp huge (1e300), no max_lifetime", req: signed("exp", `1e300`), status: 200},
		{name: "exp huge (1e300), max_lifetime 24h", config: maxLifetime, req: signed("exp", `1e300`), status: 401, code: "token_lifetime_too_long"},
		{name: "exp 2^63 (int64 overflow), max_lifetime 24h", config: maxLifetime, req: signed("exp", `9223372036854775808`), status: 401, code: "token_lifetime_too_long"},
		{name: "exp fractional, 60.5 s ago (beyond skew)", req: signed("exp", at(-60500*time.Millisecond)), status: 401, code: "token_expired"},
		{name: "exp fractional, 59.5 s ago (within skew)", req: signed("exp", at(-59500*time.Millisecond)), status: 200},
		{name: "exp missing", req: signed("exp", ""), status: 401, code: "claim_missing"},
		{name: "nbf as a string", req: signed("nbf", `"`+at(-time.Hour)+`"`), status: 401, code: "claim_invalid"},
		{name: "nbf huge (1e300)", req: signed("nbf", `1e300`), status: 401, code: "token_not_yet_valid"},
		{name: "nbf fractional, 60.5 s ahead", req: signed("nbf", at(60500*time.Millisecond)), status: 401, code: "token_not_yet_valid"},
		{name: "nbf negative (before 1970)", req: signed("nbf", `-1`), status: 200},
		{name: "iat in the future (1 h)", req: signed("iat", at(time.Hour)), status: 401, code: "token_issued_in_future"},
		{name: "iat huge (1e300)", req: signed("iat", `1e300`), status: 401, code: "token_issued_in_future"},
		{name: "iat as a string", req: signed("iat", `"`+at(0)+`"`), status: 401, code: "claim_invalid"},
		{name: "iat negative, max_lifetime 24h", config: maxLifetime, req: signed("iat", `-1`), status: 401, code: "token_lifetime_too_long"},
		// The provider is picked by the string iss; a number matches no provider.
		{name: "iss as a number", req: signed("iss", `1`), status: 401, code: "issuer_mismatch"},
		{name: "aud array with a number", req: signed("aud", `["api",1]`), status: 401, code: "claim_invalid"},
	}
	runAttacks(t, tests)
}

// jsonSeconds prints seconds as a JSON number without an exponent: 1893456000, 1893455939.5.
func jsonSeconds(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
