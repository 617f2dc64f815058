package policy

import (
	"errors"
	"fmt"
	"strings"
)

// template is a compiled path template: literal segments and captures, one per path segment.
type template struct {
	segs  []tseg
	rest  bool // the last segment is "{name...}"
	names []string
}

type tseg struct {
	lit     string // literal segment (when name == "")
	name    string // capture name
	capture bool
}

// parseTemplate compiles "/api/v1/tenants/{tenant}/nodes". A capture is a whole segment;
// "{name...}" takes the rest of the path (possibly empty) and may only come last. Names are
// Go identifiers and unique.
func parseTemplate(s string) (*template, error) {
	if s == "" || s[0] != '/' {
		return nil, errors.New(`template must start with "/"`)
	}
	t := &template{}
	parts := strings.Split(s[1:], "/")
	for i, part := range parts {
		if !strings.ContainsAny(part, "{}") {
			if part == "." || part == ".." || (part == "" && i != len(parts)-1) {
				return nil, fmt.Errorf("template segment %d (%q) never matches a normalised path", i+1, part)
			}
			t.segs = append(t.segs, tseg{lit: part})
			continue
		}
		if len(part) < 3 || part[0] != '{' || part[len(part)-1] != '}' {
			return nil, fmt.Errorf("template segment %q: a capture must be a whole segment like {name}", part)
		}
		name := part[1 : len(part)-1]
		rest := strings.HasSuffix(name, "...")
		if rest {
			name = strings.TrimSuffix(name, "...")
			if i != len(parts)-1 {
				return nil, fmt.Errorf("template capture {%s...} must be the last segment", name)
			}
			t.rest = true
		}
		if !isIdent(name) {
			return nil, fmt.Errorf("template capture name %q is not an identifier (letters, digits, _)", name)
		}
		for _, n := range t.names {
			if n == name {
				return nil, fmt.Errorf("template capture {%s} appears twice", name)
			}
		}
		t.names = append(t.names, name)
		t.segs = append(t.segs, tseg{name: name, capture: true})
	}
	return t, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// match matches a normalised path. With caps non-nil, captures are appended (values
// percent-decoded: normalisation refused encoded slashes, so a value never spans segments).
func (t *template) match(path string, caps *[]Capture) bool {
	rest := path[1:]
	for i, s := range t.segs {
		if s.capture && t.rest && i == len(t.segs)-1 {
			return capture(caps, s.name, rest)
		}
		seg, tail, more := strings.Cut(rest, "/")
		if last := i == len(t.segs)-1; more == last { // segment counts differ
			return false
		}
		if s.capture {
			if seg == "" || !capture(caps, s.name, seg) {
				return false
			}
		} else if seg != s.lit {
			return false
		}
		rest = tail
	}
	return true
}

func capture(caps *[]Capture, name, raw string) bool {
	v, ok := unescape(raw, false)
	if ok && caps != nil {
		*caps = append(*caps, Capture{Name: name, Value: v})
	}
	return ok
}
