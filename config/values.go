package config

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// duration reads a duration string: Envoy's JSON form ("5s", "1.5s", "600s") or Go's units
// ("250ms", "10m", "1h30m"). Bare numbers are refused: whether 5 means seconds or
// milliseconds is the commonest timeout mistake, so the unit is always written.
func (p *parser) duration(path string, v gjson.Result, lo, hi time.Duration) (time.Duration, bool) {
	if v.Type == gjson.Number {
		p.errorf(v.Index, path, `write a string with a unit, such as "`+v.Raw+`s"`, "must be a duration string, not a number")
		return 0, false
	}
	s, ok := p.str(path, v, false)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		fix := `write a number and a unit: "5s", "1.5s", "10m", "250ms"`
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			fix = `add the unit: "` + s + `s"`
		}
		p.errorf(v.Index, path, fix, "%q is not a duration", s)
		return 0, false
	}
	if d < lo || (hi > 0 && d > hi) {
		fix := "use at least " + fmtDuration(lo)
		if hi > 0 {
			fix = "use " + fmtDuration(lo) + " to " + fmtDuration(hi)
		}
		p.errorf(v.Index, path, fix, "%s is out of range", s)
		return 0, false
	}
	return d, true
}

// endpoint is a parsed http(s) URI, split as an HTTP callout sends it.
type endpoint struct {
	URI, Authority, Path string
}

// parseURI splits an absolute http(s) URI into the callout's :authority and :path. The
// problem, when any, is returned for the caller to report at the right path.
func parseURI(s string) (endpoint, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return endpoint{}, "is not a valid URI"
	case u.Scheme != "http" && u.Scheme != "https":
		return endpoint{}, "must be an http or https URI"
	case u.Host == "" || u.Opaque != "":
		return endpoint{}, "has no host"
	case u.User != nil:
		return endpoint{}, "must not carry credentials"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return endpoint{}, "must not have a fragment"
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return endpoint{URI: s, Authority: u.Host, Path: path}, ""
}

// prefix reads a CIDR or a bare address (a /32 or /128), refusing host bits: "10.0.0.1/8" is
// either a typo or a misunderstanding, and silently masking it would widen the allowlist.
func (p *parser) prefix(path string, v gjson.Result) (netip.Prefix, bool) {
	s, ok := p.str(path, v, false)
	if !ok {
		return netip.Prefix{}, false
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			p.errorf(v.Index, path, `write a CIDR such as "10.0.0.0/8" or an address such as "192.168.1.100"`, "%q is not an IP address or CIDR", s)
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	pf, err := netip.ParsePrefix(s)
	if err != nil {
		p.errorf(v.Index, path, `write a CIDR such as "10.0.0.0/8" or an address such as "192.168.1.100"`, "%q is not an IP address or CIDR", s)
		return netip.Prefix{}, false
	}
	if m := pf.Masked(); m != pf {
		p.errorf(v.Index, path, `write "`+m.String()+`"`, "%q has bits set after the prefix length", s)
		return netip.Prefix{}, false
	}
	return pf, true
}

// fmtDuration writes whole seconds as "60s" (Envoy's style) rather than Go's "1m0s".
func fmtDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}
