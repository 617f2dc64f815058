package jwt

import (
	"fmt"
	"time"
)

// Validity is when claims that passed CheckClaims stay valid under the same expectations:
// only the clock moves. A verified-token cache keeps one per entry and asks Holds on a hit
// instead of reading the claims again. The zero Validity never holds.
//
// It keeps exactly the numbers CheckClaims compares (float64 seconds) and CheckClaims itself
// runs its time checks through it, so the two cannot disagree at any instant.
type Validity struct {
	exp, nbf, iat          float64 // NumericDates as read
	hasExp, hasNbf, hasIat bool
	skew                   float64 // want.ClockSkew in seconds, at least 0
	bounded                bool    // want.MaxLifetime > 0
	maxLife                float64 // want.MaxLifetime in seconds
	ok                     bool    // made by ValidityOf without error

	clockSkew, maxLifetime time.Duration // for error details
}

// ValidityOf runs CheckClaims' checks that do not depend on the time and returns the error
// CheckClaims would give for them: c or want nil, an invalid payload, iss, aud, the types of
// exp/nbf/iat, a missing exp with RequireExpiration or MaxLifetime. It also refuses exp - iat
// beyond MaxLifetime with ErrLifetime, since then no time passes (CheckClaims reports an
// expired or early token first when it is one). want.Now is not read.
func ValidityOf(c *Claims, want *Expected) (Validity, error) {
	if c == nil {
		return Validity{}, fmt.Errorf("%w: no claims", ErrMalformed)
	}
	if want == nil {
		return Validity{}, fmt.Errorf("%w: no expectations given (caller bug)", ErrMalformed)
	}
	v, err := validityOf(c, want)
	if err != nil {
		return Validity{}, err
	}
	if v.bounded && v.hasIat && v.exp-v.iat > v.maxLife {
		return Validity{}, v.lifetimeError(0)
	}
	v.ok = true
	return v, nil
}

// Holds reports whether CheckClaims(c, want') would return nil, where want' is want with
// Now = now. It does not allocate.
func (v Validity) Holds(now time.Time) bool {
	return v.ok && !now.IsZero() && v.fault(unixSeconds(now)) == faultNone
}

// timeFault is the first time check that fails, in CheckClaims' order.
type timeFault uint8

const (
	faultNone timeFault = iota
	faultExpired
	faultNotYetValid
	faultIssuedInFuture
	faultLifetime
)

// fault evaluates the time checks at now (seconds since the epoch). The expressions are the
// specification: floats round, so they are not to be rearranged (now - skew <= exp is not
// exp + skew >= now for every value).
func (v *Validity) fault(now float64) timeFault {
	// Valid while now - skew <= exp: exp exactly at the edge is still accepted.
	if v.hasExp && v.exp < now-v.skew {
		return faultExpired
	}
	if v.hasNbf && v.nbf > now+v.skew {
		return faultNotYetValid
	}
	if v.hasIat && v.iat > now+v.skew {
		return faultIssuedInFuture
	}
	if v.bounded {
		if v.hasIat {
			if v.exp-v.iat > v.maxLife {
				return faultLifetime
			}
		} else if v.exp-now > v.maxLife+v.skew {
			return faultLifetime
		}
	}
	return faultNone
}

// check is the time part of CheckClaims at now, with its error details.
func (v *Validity) check(now time.Time) error {
	n := unixSeconds(now)
	switch v.fault(n) {
	case faultExpired:
		return fmt.Errorf("%w: exp %s before now %s - skew %s", ErrExpired, fmtDate(v.exp), fmtDate(n), v.clockSkew)
	case faultNotYetValid:
		return fmt.Errorf("%w: nbf %s after now %s + skew %s", ErrNotYetValid, fmtDate(v.nbf), fmtDate(n), v.clockSkew)
	case faultIssuedInFuture:
		return fmt.Errorf("%w: iat %s after now %s + skew %s", ErrIssuedInFuture, fmtDate(v.iat), fmtDate(n), v.clockSkew)
	case faultLifetime:
		return v.lifetimeError(n)
	}
	return nil
}

func (v *Validity) lifetimeError(now float64) error {
	if v.hasIat {
		return fmt.Errorf("%w: exp - iat = %s, max %s", ErrLifetime, fmtDate(v.exp-v.iat), v.maxLifetime)
	}
	return fmt.Errorf("%w: exp - now = %s, max %s (no iat)", ErrLifetime, fmtDate(v.exp-now), v.maxLifetime)
}

// unixSeconds is t as CheckClaims compares times: float64 seconds since the epoch.
func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}
