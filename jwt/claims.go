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
				if n == 0 {
					break // "-0": gjson keeps the sign of zero
				}
				n = -n
			}
			return gjson.Result{Type: gjson.Number, Raw: raw, Num: float64(n)}
		}
	}
	return gjson.Parse(raw)
}

// scanClaims validates a payload (a JSON object, no member twice) and picks out the
// registered claims into r and, when idx is not nil, every top-level member into *idx.
func scanClaims(js string, r *registered, idx *memberIndex) error {
	r.indexed = true
	var b indexBuilder
	err := walkObject(js, "payload", func(key string, escaped bool, raw string) error {
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
		if idx != nil {
			b.add(js, key, escaped, raw)
		}
		return nil
	})
	if err == nil && idx != nil {
		*idx = b.build()
	}
	return err
}

// registered returns the indexed claims, scanning the JSON when the Claims did not come from
// Parse (NewClaims).
func (c *Claims) registered() (stdClaims, error) {
	if c.std.indexed {
		return c.std.read(), nil
	}
	var r registered
	if err := scanClaims(bytesString(c.json), &r, nil); err != nil {
		return stdClaims{}, err
	}
	return r.read(), nil
}

// checkClaims implements CheckClaims: the static checks (validityOf), then the time checks
// at want.Now (Validity.check), so that CheckClaims and Validity.Holds cannot disagree.
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
	v, err := validityOf(c, want)
	if err != nil {
		return err
	}
	return v.check(want.Now)
}

// validityOf runs CheckClaims' checks that do not depend on the time, in its order: iss, aud,
// the types of exp, nbf and iat, a missing exp when one is required. Every claim present is
// type-checked even when nothing is configured for it.
func validityOf(c *Claims, want *Expected) (Validity, error) {
	r, err := c.registered()
	if err != nil {
		return Validity{}, err
	}

	if r.iss.Exists() && r.iss.Type != gjson.String {
		return Validity{}, fmt.Errorf("%w: iss is not a string", ErrClaimType)
	}
	if want.Issuer != "" {
		if !r.iss.Exists() {
			return Validity{}, fmt.Errorf("%w: iss (want %q)", ErrMissingClaim, want.Issuer)
		}
		if r.iss.Str != want.Issuer {
			return Validity{}, fmt.Errorf("%w: iss %q, want %q", ErrIssuer, clip(r.iss.Str), want.Issuer)
		}
	}
	if err := checkAudience(r.aud, want.Audiences); err != nil {
		return Validity{}, err
	}

	var v Validity
	if v.exp, v.hasExp, err = numericDate(r.exp, "exp"); err != nil {
		return Validity{}, err
	}
	if v.nbf, v.hasNbf, err = numericDate(r.nbf, "nbf"); err != nil {
		return Validity{}, err
	}
	if v.iat, v.hasIat, err = numericDate(r.iat, "iat"); err != nil {
		return Validity{}, err
	}
	v.clockSkew, v.skew = want.ClockSkew, want.ClockSkew.Seconds()
	if v.skew < 0 {
		v.skew = 0
	}
	if want.MaxLifetime > 0 {
		v.bounded, v.maxLifetime, v.maxLife = true, want.MaxLifetime, want.MaxLifetime.Seconds()
	}
	if !v.hasExp && (want.RequireExpiration || v.bounded) {
		return Validity{}, fmt.Errorf("%w: exp", ErrMissingClaim)
	}
	return v, nil
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
	if c.index.ok {
		raw, found := c.index.find(bytesString(c.json), name)
		if !found {
			return gjson.Result{}
		}
		return readValue(raw)
	}
	return c.claimScan(name)
}

// claimScan is Claims.Claim without an index: a gjson walk over the members.
func (c *Claims) claimScan(name string) gjson.Result {
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
