package jwt

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"
)

// secondsTime turns float seconds (as in a NumericDate) into a time, to the nanosecond.
func secondsTime(f float64) time.Time {
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9))
}

// edgeTimes are the instants around every boundary of v's time checks: exp + skew, nbf -
// skew, iat - skew, exp - max lifetime - skew; each exactly, one nanosecond and one second
// either side.
func edgeTimes(v Validity) []time.Time {
	var edges []float64
	if v.hasExp {
		edges = append(edges, v.exp+v.skew)
	}
	if v.hasNbf {
		edges = append(edges, v.nbf-v.skew)
	}
	if v.hasIat {
		edges = append(edges, v.iat-v.skew)
	}
	if v.bounded && v.hasExp {
		edges = append(edges, v.exp-v.maxLife-v.skew)
	}
	out := []time.Time{base}
	for _, e := range edges {
		if math.Abs(e) > 1e15 {
			continue // beyond what time.Time holds to the nanosecond
		}
		t := secondsTime(e)
		for _, d := range []time.Duration{-time.Second, -time.Nanosecond, 0, time.Nanosecond, time.Second} {
			out = append(out, t.Add(d))
		}
	}
	return out
}

// TestValidity_Holds sweeps the clock across every edge and compares Holds with CheckClaims.
func TestValidity_Holds(t *testing.T) {
	now := base.Unix()
	tests := []struct {
		name    string
		payload string
		want    Expected
	}{
		{name: "exp nbf iat", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d,"iat":%d}`, now+300, now-60, now-60), want: Expected{ClockSkew: time.Minute}},
		{name: "exp only", payload: fmt.Sprintf(`{"exp":%d}`, now), want: Expected{ClockSkew: time.Minute}},
		{name: "fractional dates", payload: fmt.Sprintf(`{"exp":%d.123456789,"nbf":%d.75,"iat":%d.000000001}`, now+10, now-10, now-10), want: Expected{ClockSkew: 1500 * time.Millisecond}},
		{name: "no time claims", payload: `{}`, want: Expected{ClockSkew: time.Minute}},
		{name: "no skew", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now+1, now)},
		{name: "negative skew counts as zero", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now+1, now), want: Expected{ClockSkew: -time.Hour}},
		{name: "nbf after exp is never valid", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now, now+600), want: Expected{ClockSkew: time.Minute}},
		{name: "max lifetime with iat", payload: fmt.Sprintf(`{"exp":%d,"iat":%d}`, now+3540, now-60), want: Expected{ClockSkew: time.Minute, MaxLifetime: time.Hour}},
		{name: "max lifetime without iat", payload: fmt.Sprintf(`{"exp":%d}`, now+7200), want: Expected{ClockSkew: time.Minute, MaxLifetime: time.Hour}},
		{name: "max lifetime without iat, fractional", payload: fmt.Sprintf(`{"exp":%d.3,"nbf":%d}`, now+7200, now), want: Expected{ClockSkew: 700 * time.Millisecond, MaxLifetime: 90 * time.Minute}},
		{name: "required exp present", payload: fmt.Sprintf(`{"exp":%d}`, now+5), want: Expected{RequireExpiration: true}},
		{name: "huge exp", payload: `{"exp":1e300}`, want: Expected{ClockSkew: time.Minute}},
		{name: "negative exp", payload: `{"exp":-1}`, want: Expected{ClockSkew: time.Minute}},
		{name: "iat far in the past", payload: fmt.Sprintf(`{"iat":-1e300,"exp":%d}`, now+60)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClaims([]byte(tc.payload))
			v, err := ValidityOf(c, &tc.want)
			if err != nil {
				t.Fatalf("ValidityOf() error = %v", err)
			}
			var held, failed int
			for _, at := range edgeTimes(v) {
				want := tc.want
				want.Now = at
				cerr := CheckClaims(c, &want)
				if got := v.Holds(at); got != (cerr == nil) {
					t.Errorf("Holds(%s) = %v, CheckClaims error = %v", at.Format(time.RFC3339Nano), got, cerr)
				}
				if cerr == nil {
					held++
				} else {
					failed++
				}
			}
			t.Logf("%d instants valid, %d not", held, failed)
			if v.Holds(time.Time{}) {
				t.Error("Holds(zero time) = true, CheckClaims refuses a zero clock")
			}
		})
	}
	if (Validity{}).Holds(base) {
		t.Error("zero Validity holds")
	}
}

// TestValidity_Edges pins each boundary: the edge instant itself is accepted, one microsecond
// beyond it is not (60 s skew, 1 h max lifetime). CheckClaims compares float64 seconds,
// which resolve about 0.24 us in 2030: one nanosecond beyond an edge still rounds onto it.
func TestValidity_Edges(t *testing.T) {
	now := base.Unix()
	want := Expected{ClockSkew: time.Minute, MaxLifetime: time.Hour}
	tests := []struct {
		name      string
		payload   string
		at        time.Time
		wantHolds bool
	}{
		{name: "exp + skew", payload: fmt.Sprintf(`{"exp":%d}`, now), at: base.Add(time.Minute), wantHolds: true},
		{name: "exp + skew + 1us", payload: fmt.Sprintf(`{"exp":%d}`, now), at: base.Add(time.Minute + time.Microsecond)},
		{name: "nbf - skew", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now+600, now), at: base.Add(-time.Minute), wantHolds: true},
		{name: "nbf - skew - 1us", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d}`, now+600, now), at: base.Add(-time.Minute - time.Microsecond)},
		{name: "iat - skew", payload: fmt.Sprintf(`{"exp":%d,"iat":%d}`, now+600, now), at: base.Add(-time.Minute), wantHolds: true},
		{name: "iat - skew - 1us", payload: fmt.Sprintf(`{"exp":%d,"iat":%d}`, now+600, now), at: base.Add(-time.Minute - time.Microsecond)},
		{name: "no iat: exp - max - skew", payload: fmt.Sprintf(`{"exp":%d}`, now+3660), at: base, wantHolds: true},
		{name: "no iat: exp - max - skew - 1us", payload: fmt.Sprintf(`{"exp":%d}`, now+3660), at: base.Add(-time.Microsecond)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClaims([]byte(tc.payload))
			v, err := ValidityOf(c, &want)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Holds(tc.at); got != tc.wantHolds {
				t.Errorf("Holds() = %v, want %v", got, tc.wantHolds)
			}
			w := want
			w.Now = tc.at
			if err := CheckClaims(c, &w); (err == nil) != tc.wantHolds {
				t.Errorf("CheckClaims() error = %v, want valid %v", err, tc.wantHolds)
			}
		})
	}
}

// TestValidityOf: the static rejections are CheckClaims' own; a lifetime beyond the maximum
// is refused outright.
func TestValidityOf(t *testing.T) {
	now := base.Unix()
	tests := []struct {
		name    string
		claims  *Claims
		want    *Expected
		wantErr error
	}{
		{name: "valid", claims: NewClaims([]byte(iss(fmt.Sprintf(`"aud":"api","exp":%d`, now+60)))), want: expected()},
		{name: "valid without a clock", claims: NewClaims([]byte(iss(`"aud":"api"`))), want: &Expected{Issuer: testIssuer}},
		{name: "nil claims", want: expected(), wantErr: ErrMalformed},
		{name: "nil expectations", claims: NewClaims([]byte(`{}`)), wantErr: ErrMalformed},
		{name: "not JSON", claims: NewClaims([]byte(`{"iss":`)), want: expected(), wantErr: ErrMalformed},
		{name: "member twice", claims: NewClaims([]byte(iss(`"aud":"api","aud":"api"`))), want: expected(), wantErr: ErrMalformed},
		{name: "iss mismatch", claims: NewClaims([]byte(`{"iss":"other","aud":"api"}`)), want: expected(), wantErr: ErrIssuer},
		{name: "iss missing", claims: NewClaims([]byte(`{"aud":"api"}`)), want: expected(), wantErr: ErrMissingClaim},
		{name: "aud mismatch", claims: NewClaims([]byte(iss(`"aud":"web"`))), want: expected(), wantErr: ErrAudience},
		{name: "exp string", claims: NewClaims([]byte(iss(`"aud":"api","exp":"1"`))), want: expected(), wantErr: ErrClaimType},
		{name: "nbf beyond float64", claims: NewClaims([]byte(iss(`"aud":"api","nbf":1e400`))), want: expected(), wantErr: ErrClaimType},
		{name: "exp required and missing", claims: NewClaims([]byte(iss(`"aud":"api"`))), want: &Expected{RequireExpiration: true, Now: base}, wantErr: ErrMissingClaim},
		{name: "max lifetime and no exp", claims: NewClaims([]byte(`{}`)), want: &Expected{MaxLifetime: time.Hour, Now: base}, wantErr: ErrMissingClaim},
		{name: "exp - iat over max lifetime", claims: NewClaims([]byte(fmt.Sprintf(`{"iat":%d,"exp":%d}`, now, now+3601))), want: &Expected{MaxLifetime: time.Hour, Now: base}, wantErr: ErrLifetime},
		{name: "exp - iat at max lifetime", claims: NewClaims([]byte(fmt.Sprintf(`{"iat":%d,"exp":%d}`, now, now+3600))), want: &Expected{MaxLifetime: time.Hour, Now: base}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ValidityOf(tc.claims, tc.want)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("ValidityOf() error = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if v.Holds(base) {
					t.Error("Holds() = true after an error")
				}
				if tc.want != nil && !tc.want.Now.IsZero() {
					if cerr := CheckClaims(tc.claims, tc.want); !errors.Is(cerr, tc.wantErr) {
						t.Errorf("CheckClaims() error = %v, ValidityOf gave %v", cerr, err)
					}
				}
			}
		})
	}
}

func TestValidity_HoldsAllocs(t *testing.T) {
	v, err := ValidityOf(NewClaims([]byte(iss(fmt.Sprintf(`"aud":"api","exp":%d,"iat":%d`, base.Unix()+60, base.Unix())))), expected())
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = v.Holds(base) }); n != 0 {
		t.Errorf("Holds() allocs = %.0f, want 0", n)
	}
}

// FuzzValidity: for random dates, expectations and clocks, Holds agrees with CheckClaims, and
// a static error from ValidityOf is the one CheckClaims gives. anchor moves the clock onto
// one of the edges (then delta nanoseconds away), where disagreements would hide.
func FuzzValidity(f *testing.F) {
	now := float64(base.Unix())
	f.Add(now+300, now-60, now-60, uint8(7), int64(time.Minute), int64(0), base.Unix(), int64(0), uint8(0), int64(0))
	f.Add(now+0.5, now, now, uint8(1), int64(time.Second), int64(0), base.Unix(), int64(0), uint8(1), int64(1))
	f.Add(now+3600, now, now, uint8(5), int64(time.Minute), int64(time.Hour), base.Unix(), int64(0), uint8(3), int64(-1))
	f.Add(now+7200.3, 0.0, 0.0, uint8(1), int64(700*time.Millisecond), int64(time.Hour), base.Unix(), int64(0), uint8(4), int64(0))
	f.Add(1e300, -1e300, 0.0, uint8(3), int64(-time.Hour), int64(0), int64(0), int64(999999999), uint8(2), int64(time.Second))
	f.Add(now, now+600, now, uint8(3|8), int64(time.Minute), int64(0), base.Unix(), int64(0), uint8(2), int64(0))
	f.Fuzz(func(t *testing.T, exp, nbf, iat float64, flags uint8, skew, maxLife, nowSec, nowNs int64, anchor uint8, delta int64) {
		payload := "{"
		for i, m := range []struct {
			name string
			v    float64
		}{{"exp", exp}, {"nbf", nbf}, {"iat", iat}} {
			if flags&(1<<i) != 0 {
				if len(payload) > 1 {
					payload += ","
				}
				payload += `"` + m.name + `":` + strconv.FormatFloat(m.v, 'g', -1, 64)
			}
		}
		payload += "}"
		want := Expected{ClockSkew: time.Duration(skew), MaxLifetime: time.Duration(maxLife), RequireExpiration: flags&8 != 0}
		c := NewClaims([]byte(payload))
		v, verr := ValidityOf(c, &want)

		at := time.Unix(nowSec, nowNs%1e9)
		if verr == nil {
			if edges := edgeTimes(v); len(edges) > 1 {
				at = edges[1+int(anchor)%(len(edges)-1)]
			}
		}
		want.Now = at.Add(time.Duration(delta))
		cerr := CheckClaims(c, &want)
		switch {
		case verr != nil && cerr == nil:
			t.Fatalf("%s: ValidityOf() error = %v, CheckClaims passes at %v", payload, verr, want.Now)
		case verr != nil && !errors.Is(verr, ErrLifetime) && !want.Now.IsZero() && verr.Error() != cerr.Error():
			t.Fatalf("%s: ValidityOf() error = %v, CheckClaims error = %v", payload, verr, cerr)
		case verr == nil && v.Holds(want.Now) != (cerr == nil):
			t.Fatalf("%s: Holds(%v) = %v, CheckClaims error = %v", payload, want.Now, v.Holds(want.Now), cerr)
		}
	})
}

// BenchmarkValidity is a verified-token cache hit's time check: Holds against CheckClaims on
// a Keycloak-like payload.
func BenchmarkValidity(b *testing.B) {
	c := NewClaims([]byte(mustJSON(b, keycloakClaims())))
	want := expected()
	v, err := ValidityOf(c, want)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Holds", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !v.Holds(base) {
				b.Fatal("does not hold")
			}
		}
	})
	b.Run("CheckClaims", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := CheckClaims(c, want); err != nil {
				b.Fatal(err)
			}
		}
	})
}
