package policy

import (
	"errors"
	"strings"
)

// ErrPathRejected classes a request path that the engine refuses to match because no single
// reading of it is safe: the upstream could see a different path than the rule that decided.
var ErrPathRejected = errors.New("request path is ambiguous")

// maxPathBytes bounds the path we normalise; longer paths are refused (Envoy's default
// max_request_headers_kb is 60 KiB for all headers together).
const maxPathBytes = 16 << 10

// normalizePath returns the path rules are matched against, as Envoy's normalize_path plus
// merge_slashes would forward it: percent-encoded unreserved characters are decoded (so
// "/%61dmin" is "/admin"), other escapes keep their encoding with upper-case hex, runs of '/'
// merge into one, and "." and ".." segments are resolved ("/public/../admin" is "/admin";
// ".." never climbs above "/").
//
// It refuses (ErrPathRejected) what has no single reading: a path not starting with '/',
// an invalid escape, an encoded '/' or '\' (%2F, %5C: some upstreams decode them into
// separators, Envoy's path_with_escaped_slashes_action), a raw '\', a '#', a dot segment
// with a ';' parameter, control characters and NUL, and paths over maxPathBytes. A canonical path is returned unchanged
// without allocating.
func normalizePath(p string) (string, error) {
	if len(p) == 0 || p[0] != '/' || len(p) > maxPathBytes {
		return "", ErrPathRejected
	}
	if clean, err := isCanonical(p); err != nil || clean {
		if err == nil && dotParam(p) {
			return "", ErrPathRejected
		}
		return p, err
	}
	// Pass 1: validate and decode escapes of unreserved characters.
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(p) {
			return "", ErrPathRejected
		}
		hi, ok1 := unhex(p[i+1])
		lo, ok2 := unhex(p[i+2])
		if !ok1 || !ok2 {
			return "", ErrPathRejected
		}
		d := hi<<4 | lo
		switch {
		case d == '/' || d == '\\' || d < 0x20 || d == 0x7f:
			return "", ErrPathRejected
		case isUnreserved(d):
			b.WriteByte(d)
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[hi])
			b.WriteByte(upperHex[lo])
		}
		i += 2
	}
	decoded := b.String()
	if dotParam(decoded) {
		return "", ErrPathRejected
	}
	return removeDots(decoded), nil
}

// dotParam reports a dot segment with a path parameter ("/..;x/", "/.;/"): Tomcat and Jetty
// strip ";..." before resolving dots, so "/public/..;/admin" reaches "/admin" there while a
// proxy would see a segment named "..;".
func dotParam(p string) bool {
	if strings.IndexByte(p, ';') < 0 {
		return false // nearly every path: one byte scan instead of two substring searches
	}
	return strings.Contains(p, "/..;") || strings.Contains(p, "/.;")
}

const upperHex = "0123456789ABCDEF"

// isCanonical reports whether p needs no rewriting, and refuses forbidden bytes.
func isCanonical(p string) (bool, error) {
	clean := true
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c < 0x20 || c == 0x7f || c == '\\' || c == '#':
			return false, ErrPathRejected
		case c == '%':
			clean = false
		case c == '/':
			if i+1 < len(p) && p[i+1] == '/' {
				clean = false
			}
		case c == '.' && p[i-1] == '/':
			// "/." or "/.." as a whole segment
			rest := p[i:]
			if rest == "." || rest == ".." || strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
				clean = false
			}
		}
	}
	return clean, nil
}

// removeDots merges slashes and resolves dot segments (RFC 3986 5.2.4) on a decoded path.
func removeDots(p string) string {
	segs := make([]string, 0, strings.Count(p, "/"))
	rest := p[1:]
	trailing := false
	for {
		seg, tail, more := strings.Cut(rest, "/")
		switch seg {
		case "", ".":
			trailing = !more
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			trailing = !more
		default:
			segs = append(segs, seg)
			trailing = false
		}
		if !more {
			break
		}
		rest = tail
	}
	var b strings.Builder
	b.Grow(len(p))
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
	}
	if trailing || len(segs) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isUnreserved is RFC 3986's unreserved set: ALPHA / DIGIT / "-" / "." / "_" / "~".
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// unescape percent-decodes a path segment or query component (plusSpace: '+' is a space, as
// in query strings). It reports false on an invalid escape.
func unescape(s string, plusSpace bool) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && (!plusSpace || strings.IndexByte(s, '+') < 0) {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			b.WriteByte(hi<<4 | lo)
			i += 2
		case c == '+' && plusSpace:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}
