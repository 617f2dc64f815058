package jwt

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// registered holds the claims CheckClaims reads, found in the one pass that also checks the
// payload for duplicate members, so a verification scans the payload once.
// It keeps raw JSON values: that keeps the Token small, and CheckClaims reads them anyway.
type registered struct {
	indexed                 bool
	iss, aud, exp, nbf, iat string
}

// stdClaims are the registered claims read with gjson (non-existent when absent).
type stdClaims struct {
	iss, aud, exp, nbf, iat gjson.Result
}

func (r *registered) read() stdClaims {
	return stdClaims{
		iss: readValue(r.iss), aud: readValue(r.aud), exp: readValue(r.exp),
		nbf: readValue(r.nbf), iat: readValue(r.iat),
	}
}

// readValue is gjson.Parse for one validated raw JSON value, with fast paths for the common
// shapes of registered claims: strings without escapes and integers of up to 15 digits
// (exact in a float64).
func readValue(raw string) gjson.Result {
	if raw == "" {
		return gjson.Result{}
	}
	switch c := raw[0]; {
	case c == '"':
		if strings.IndexByte(raw, '\\') < 0 {
			return gjson.Result{Type: gjson.String, Raw: raw, Str: raw[1 : len(raw)-1]}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		digits := raw
		if c == '-' {
			digits = raw[1:]
		}
		if len(digits) <= 15 {
			var n int64
			for i := 0; i < len(digits); i++ {
				d := digits[i]
				if d < '0' || d > '9' {
					return gjson.Parse(raw)
				}
				n = n*10 + int64(d-'0')
			}
			if c == '-' {
				n = -n
			}
			return gjson.Result{Type: gjson.Number, Raw: raw, Num: float64(n)}
		}
	}
	return gjson.Parse(raw)
}

// scanClaims validates a payload (a JSON object, no member twice) and picks out the
// registered claims into r.
func scanClaims(js string, r *registered) error {
	r.indexed = true
	return walkObject(js, "payload", func(key, raw string) error {
		switch key {
		case "iss":
			r.iss = raw
		case "aud":
			r.aud = raw
		case "exp":
			r.exp = raw
		case "nbf":
			r.nbf = raw
		case "iat":
			r.iat = raw
		}
		return nil
	})
}

// registered returns the indexed claims, scanning the JSON when the Claims did not come from
// Parse (NewClaims).
func (c *Claims) registered() (stdClaims, error) {
	if c.std.indexed {
		return c.std.read(), nil
	}
	var r registered
	if err := scanClaims(bytesString(c.json), &r); err != nil {
		return stdClaims{}, err
	}
	return r.read(), nil
}

// checkClaims implements CheckClaims. Order: iss, aud, exp, nbf, iat, lifetime; every claim
// present is type-checked even when nothing is configured for it.
//
// Choices: a configured issuer or audience list with the claim absent is ErrMissingClaim (not
// ErrIssuer/ErrAudience), so an operator sees that the IdP did not send it; an empty aud
// array with audiences configured is ErrAudience. MaxLifetime needs exp (ErrMissingClaim
// without it); without iat the bound is on exp - now and tolerates the clock skew.
func checkClaims(c *Claims, want *Expected) error {
	if c == nil {
		return fmt.Errorf("%w: no claims", ErrMalformed)
	}
	if want == nil || want.Now.IsZero() {
		// A zero clock would accept every token that expired after year 1: refuse.
		return fmt.Errorf("%w: no verification time given (caller bug)", ErrMalformed)
	}
	r, err := c.registered()
	if err != nil {
		return err
	}

	if r.iss.Exists() && r.iss.Type != gjson.String {
		return fmt.Errorf("%w: iss is not a string", ErrClaimType)
	}
	if want.Issuer != "" {
		if !r.iss.Exists() {
			return fmt.Errorf("%w: iss (want %q)", ErrMissingClaim, want.Issuer)
		}
		if r.iss.Str != want.Issuer {
			return fmt.Errorf("%w: iss %q, want %q", ErrIssuer, clip(r.iss.Str), want.Issuer)
		}
	}
	if err := checkAudience(r.aud, want.Audiences); err != nil {
		return err
	}

	exp, hasExp, err := numericDate(r.exp, "exp")
	if err != nil {
		return err
	}
	nbf, hasNbf, err := numericDate(r.nbf, "nbf")
	if err != nil {
		return err
	}
	iat, hasIat, err := numericDate(r.iat, "iat")
	if err != nil {
		return err
	}
	skew := want.ClockSkew.Seconds()
	if skew < 0 {
		skew = 0
	}
	now := float64(want.Now.Unix()) + float64(want.Now.Nanosecond())/1e9

	if !hasExp && (want.RequireExpiration || want.MaxLifetime > 0) {
		return fmt.Errorf("%w: exp", ErrMissingClaim)
	}
	// Valid while now - skew <= exp: exp exactly at the edge is still accepted.
	if hasExp && exp < now-skew {
		return fmt.Errorf("%w: exp %s before now %s - skew %s", ErrExpired, fmtDate(exp), fmtDate(now), want.ClockSkew)
	}
	if hasNbf && nbf > now+skew {
		return fmt.Errorf("%w: nbf %s after now %s + skew %s", ErrNotYetValid, fmtDate(nbf), fmtDate(now), want.ClockSkew)
	}
	if hasIat && iat > now+skew {
		return fmt.Errorf("%w: iat %s after now %s + skew %s", ErrIssuedInFuture, fmtDate(iat), fmtDate(now), want.ClockSkew)
	}
	if want.MaxLifetime > 0 {
		maxLife := want.MaxLifetime.Seconds()
		if hasIat {
			if exp-iat > maxLife {
				return fmt.Errorf("%w: exp - iat = %s, max %s", ErrLifetime, fmtDate(exp-iat), want.MaxLifetime)
			}
		} else if exp-now > maxLife+skew {
			return fmt.Errorf("%w: exp - now = %s, max %s (no iat)", ErrLifetime, fmtDate(exp-now), want.MaxLifetime)
		}
	}
	return nil
}

// checkAudience accepts aud as a string or an array of strings (RFC 7519 section 4.1.3);
// any configured audience matching any entry passes.
func checkAudience(aud gjson.Result, want []string) error {
	if !aud.Exists() {
		if len(want) > 0 {
			return fmt.Errorf("%w: aud (want one of %q)", ErrMissingClaim, want)
		}
		return nil
	}
	switch {
	case aud.Type == gjson.String:
		if len(want) == 0 || contains(want, aud.Str) {
			return nil
		}
		return fmt.Errorf("%w: aud %q, want one of %q", ErrAudience, clip(aud.Str), want)
	case aud.IsArray():
		var err error
		match := false
		aud.ForEach(func(_, v gjson.Result) bool {
			if v.Type != gjson.String {
				err = fmt.Errorf("%w: aud array holds a %s", ErrClaimType, v.Type)
				return false
			}
			if !match && contains(want, v.Str) {
				match = true
			}
			return true
		})
		if err != nil {
			return err
		}
		if len(want) == 0 || match {
			return nil
		}
		return fmt.Errorf("%w: aud %s, want one of %q", ErrAudience, clip(aud.Raw), want)
	default:
		return fmt.Errorf("%w: aud is neither a string nor an array of strings", ErrClaimType)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// numericDate reads an RFC 7519 NumericDate: a JSON number of seconds, fractions allowed.
// Times are compared as float64 seconds, so huge or negative values cannot overflow; a
// number too large for float64 (1e400) is refused.
func numericDate(r gjson.Result, name string) (float64, bool, error) {
	if !r.Exists() {
		return 0, false, nil
	}
	if r.Type != gjson.Number {
		return 0, false, fmt.Errorf("%w: %s is not a number", ErrClaimType, name)
	}
	if math.IsInf(r.Num, 0) || math.IsNaN(r.Num) {
		return 0, false, fmt.Errorf("%w: %s is out of range", ErrClaimType, name)
	}
	return r.Num, true, nil
}

// fmtDate prints seconds for details without exponent noise for ordinary values.
func fmtDate(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}

// Bounds for Expiry: years 0001 and 9999, beyond which time.Time arithmetic gets silly.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

// expiry implements Claims.Expiry.
func (c *Claims) expiry() (time.Time, bool) {
	r, err := c.registered()
	if err != nil {
		return time.Time{}, false
	}
	v, ok, err := numericDate(r.exp, "exp")
	if err != nil || !ok {
		return time.Time{}, false
	}
	v = math.Max(minUnix, math.Min(maxUnix, v))
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// claim implements Claims.Claim: the member named exactly name, no path syntax.
func (c *Claims) claim(name string) gjson.Result {
	var out gjson.Result
	gjson.Parse(bytesString(c.json)).ForEach(func(k, v gjson.Result) bool {
		if k.Str == name {
			out = v
			return false
		}
		return true
	})
	return out
}
