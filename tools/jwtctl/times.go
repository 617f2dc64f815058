package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// clock is the command's notion of now: -now UNIX freezes it (tests, reproducing an old
// rejection), else the wall clock.
func clock(nowFlag int64) time.Time {
	if nowFlag != 0 {
		return time.Unix(nowFlag, 0).UTC()
	}
	return time.Now().UTC().Truncate(time.Second)
}

// parseTimeClaim reads a time flag: "" or "none" omits the claim, a Go duration ("1h",
// "-5m", "0s") is relative to now, an integer is NumericDate (Unix seconds), RFC 3339 is
// absolute.
func parseTimeClaim(s string, now time.Time) (unix int64, set bool, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "none":
		return 0, false, nil
	case s == "now":
		return now.Unix(), true, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(d).Unix(), true, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix(), true, nil
	}
	return 0, false, fmt.Errorf("%q is not a duration (1h, -5m), Unix seconds, RFC 3339 time or none", s)
}

// describeTime renders a NumericDate for people: UTC time and distance from now.
func describeTime(unix int64, now time.Time) string {
	t := time.Unix(unix, 0).UTC()
	return fmt.Sprintf("%d = %s (%s)", unix, t.Format(time.RFC3339), relative(t, now))
}

// relative says "in 1h0m0s", "5m0s ago" or "now".
func relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d == 0:
		return "now"
	case d > 0:
		return "in " + d.String()
	}
	return (-d).String() + " ago"
}
