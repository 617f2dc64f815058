package filter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// Extraction failures the filter answers itself (jwt.ErrTooLarge covers long tokens).
var (
	errHeaderTooLarge = errors.New("credential header is too large")
	errTokenAmbiguous = errors.New("request carries more than one distinct token")
)

// headerMap holds a request's headers as (lower-case name, value) pairs in arrival order, every
// value kept: HTTP allows a header to repeat, and a second Authorization must not slip past the
// check. A slice, not a map: a request has a few dozen headers at most, and in wasm building a
// map (one slice per name) cost more than all the lookups of a request together.
type headerMap [][2]string

// newHeaderMap lower-cases the names in place (Envoy's already are, then nothing is copied).
func newHeaderMap(pairs [][2]string) headerMap {
	for i := range pairs {
		if hasUpper(pairs[i][0]) { // a loop here is cheaper in wasm than a call per name
			pairs[i][0] = strings.ToLower(pairs[i][0])
		}
	}
	return headerMap(pairs)
}

// first returns the first value of name.
func (h headerMap) first(name string) (string, bool) {
	for _, p := range h {
		if p[0] == name {
			return p[1], true
		}
	}
	return "", false
}

// values returns every value of name, in order; nil when there is none.
func (h headerMap) values(name string) []string {
	var vs []string
	for _, p := range h {
		if p[0] == name {
			vs = append(vs, p[1])
		}
	}
	return vs
}

// without returns h minus every value of name (h's storage is reused).
func (h headerMap) without(name string) headerMap {
	out := h[:0]
	for _, p := range h {
		if p[0] != name {
			out = append(out, p)
		}
	}
	return out
}

// found is the token a request carries and every configured source that held it.
type found struct {
	token string
	where []config.Source
}

// sameSource reports whether a and b are the same place (kind, name, prefix in any case); two
// providers naming the same place share it. It runs several times per request: comparing
// fields, not Sprintf-built keys, removed a third of the cached path's allocations.
func sameSource(a, b config.Source) bool {
	return a.Kind == b.Kind && a.Name == b.Name && strings.EqualFold(a.ValuePrefix, b.ValuePrefix)
}

// holds reports whether any of srcs is a place where f found the token.
func (f found) holds(srcs []config.Source) bool {
	for _, s := range srcs {
		for _, w := range f.where {
			if sameSource(s, w) {
				return true
			}
		}
	}
	return false
}

// extractToken looks in every source. The same token in several places is one token; two
// different ones are refused (errTokenAmbiguous): which one a backend would read is anyone's
// guess. A credential header (or cookie header) longer than maxHeader is errHeaderTooLarge, a
// token longer than maxToken wraps jwt.ErrTooLarge. No token at all is found{} and no error.
// It is a pure function of the request, so it is tested natively. where is storage for
// found.where (the caller's, so the common one or two sources cost no allocation).
func extractToken(sources []config.Source, h headerMap, query string, maxHeader, maxToken int, where []config.Source) (found, error) {
	f := found{where: where[:0]}
	add := func(s config.Source, tok string) error {
		if tok == "" {
			return nil
		}
		if maxToken > 0 && len(tok) > maxToken {
			return fmt.Errorf("%w: %d bytes in %s, limit %d", jwt.ErrTooLarge, len(tok), describe(s), maxToken)
		}
		if f.token != "" && f.token != tok {
			return errTokenAmbiguous
		}
		f.token = tok
		for _, w := range f.where {
			if sameSource(w, s) {
				return nil
			}
		}
		f.where = append(f.where, s)
		return nil
	}
	var params [][2]string
	paramsRead := false
	for _, s := range sources {
		switch s.Kind {
		case config.FromHeader:
			for _, p := range h { // every value, in order; not h.values: no slice per request
				if p[0] != s.Name {
					continue
				}
				v := p[1]
				if maxHeader > 0 && len(v) > maxHeader {
					return found{}, fmt.Errorf("%w: %s has %d bytes, limit %d", errHeaderTooLarge, s.Name, len(v), maxHeader)
				}
				tok, ok := cutPrefixFold(v, s.ValuePrefix)
				if !ok {
					continue // another scheme (Basic ...) is not ours
				}
				if err := add(s, strings.TrimSpace(tok)); err != nil {
					return found{}, err
				}
			}
		case config.FromParam:
			if !paramsRead {
				params, paramsRead = splitQuery(query), true
			}
			for _, p := range params {
				if p[0] == s.Name {
					if err := add(s, p[1]); err != nil {
						return found{}, err
					}
				}
			}
		case config.FromCookie:
			for _, p := range h {
				if p[0] != "cookie" {
					continue
				}
				v := p[1]
				if maxHeader > 0 && len(v) > maxHeader {
					return found{}, fmt.Errorf("%w: cookie has %d bytes, limit %d", errHeaderTooLarge, len(v), maxHeader)
				}
				for _, c := range splitCookies(v) {
					if c[0] == s.Name {
						if err := add(s, c[1]); err != nil {
							return found{}, err
						}
					}
				}
			}
		}
	}
	return f, nil
}

func describe(s config.Source) string {
	switch s.Kind {
	case config.FromParam:
		return "query parameter " + s.Name
	case config.FromCookie:
		return "cookie " + s.Name
	}
	return "header " + s.Name
}

// cutPrefixFold removes prefix from v, compared case-insensitively ("bearer " = "Bearer ").
func cutPrefixFold(v, prefix string) (string, bool) {
	if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return "", false
	}
	return v[len(prefix):], true
}

// splitQuery splits a raw query into decoded name/value pairs. A pair that does not decode
// keeps its raw text: it then fails as a token, it is not silently skipped.
func splitQuery(q string) [][2]string {
	var out [][2]string
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

// splitCookies splits one Cookie header ("a=1; b=2") into name/value pairs (RFC 6265 5.4).
func splitCookies(h string) [][2]string {
	var out [][2]string
	for part := range strings.SplitSeq(h, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		out = append(out, [2]string{strings.TrimSpace(k), v})
	}
	return out
}

// stripParams removes every query parameter named in names from a :path ("/p?a=1&t=x" ->
// "/p?a=1"), keeping the others byte for byte; the '?' goes when nothing is left.
func stripParams(path string, names map[string]bool) string {
	base, q, ok := strings.Cut(path, "?")
	if !ok || len(names) == 0 {
		return path
	}
	var kept []string
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, _, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if !names[k] {
			kept = append(kept, part)
		}
	}
	if len(kept) == 0 {
		return base
	}
	return base + "?" + strings.Join(kept, "&")
}

// stripCookies rebuilds the Cookie header without the cookies named in names; "" when none
// is left (the header is then removed).
func stripCookies(values []string, names map[string]bool) string {
	var kept []string
	for _, v := range values {
		for part := range strings.SplitSeq(v, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, _, _ := strings.Cut(part, "=")
			if !names[strings.TrimSpace(k)] {
				kept = append(kept, part)
			}
		}
	}
	return strings.Join(kept, "; ")
}
