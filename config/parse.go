package config

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Parse validates data. On failure the error is errors.Join of *FieldError, one per problem,
// in document order.
func Parse(data []byte) (*Config, error) {
	if len(data) > MaxConfigBytes {
		return nil, errors.Join(&FieldError{Path: "config",
			Problem: fmt.Sprintf("is %d bytes, more than %d", len(data), MaxConfigBytes),
			Fix:     "fetch large key sets with remote_jwks instead of inlining them"})
	}
	if se := checkSyntax(data); se != nil {
		line, col := lineCol(data, se.Offset)
		return nil, errors.Join(&FieldError{Path: "config",
			Problem: fmt.Sprintf("invalid JSON at offset %d (line %d, column %d): %s", se.Offset, line, col, se.Msg),
			Fix:     se.Fix})
	}
	root := gjson.ParseBytes(data)
	if !root.Exists() || (root.IsObject() && len(root.Map()) == 0) {
		return nil, errors.Join(&FieldError{Path: "config", Problem: "is empty",
			Fix: "a minimal config: " + minimalConfig})
	}
	p := &parser{cfg: &Config{}}
	p.parse(root)
	if len(p.errs) > 0 {
		return nil, p.joined()
	}
	return p.cfg, nil
}

// parser collects every problem with the offset it concerns, then sorts them into document
// order: cross-references (rules naming providers) are checked after the whole walk.
type parser struct {
	cfg     *Config
	errs    []located
	unknown int // unknown fields so far: a misspelt field explains a "missing" one

	providerNames []string // every provider named, valid or not, in document order
}

type located struct {
	off int
	err *FieldError
}

func (p *parser) errorf(off int, path, fix, format string, args ...any) {
	p.errs = append(p.errs, located{off: off, err: &FieldError{Path: path, Problem: fmt.Sprintf(format, args...), Fix: fix}})
}

func (p *parser) joined() error {
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].off < p.errs[j].off })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e.err
	}
	return errors.Join(errs...)
}

// end is the offset just past a value: "missing field" errors point there, where a reader
// notices the absence.
func end(v gjson.Result) int { return v.Index + len(v.Raw) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// unsupported names fields of Envoy's jwt_authn (and near misses) that we recognise but do
// not implement, with what to do instead.
var unsupported = map[string]string{
	"filename":                      "the filter cannot read files; put the key set in inline or fetch it with remote_jwks",
	"payload_in_metadata":           "not supported by jwt-proxy-wasm; use forward_payload_header or claim_to_headers",
	"header_in_metadata":            "not supported by jwt-proxy-wasm; use claim_to_headers",
	"normalize_payload_in_metadata": "not supported by jwt-proxy-wasm",
	"jwt_cache_config":              "one cache per worker for all providers: set the top-level token_cache.max_entries; 0 disables it",
	"clear_route_cache":             "not supported by jwt-proxy-wasm",
	"pad_forward_payload_header":    "not supported by jwt-proxy-wasm: the payload header is always unpadded base64url",
	"async_fetch":                   "not needed: keys are always fetched ahead and refreshed before cache_duration ends",
	"retry_policy":                  "not supported by jwt-proxy-wasm: failed fetches are retried with backoff",
	"requirement_map":               "not supported by jwt-proxy-wasm; give each rule its requires",
	"filter_state_rules":            "not supported by jwt-proxy-wasm",
	"bypass_cors_preflight":         "not supported by jwt-proxy-wasm; add a public rule with match.methods [\"OPTIONS\"]",
	"safe_regex":                    `write "regex": "<RE2 expression>"`,
	"provider_and_audiences":        "not supported by jwt-proxy-wasm; give the provider its audiences",
	"subjects":                      "not supported on providers; use a claims condition or a role",
	"validate_cert":                 "not needed: TLS to the key host is the Envoy cluster's job (its transport_socket)",
}

// object walks v as an object with the given known member names, in document order: unknown
// and duplicate members are reported, each known one is handed to fn. It reports a type error
// and returns false when v is not an object.
func (p *parser) object(path string, v gjson.Result, known []string, fn func(key, kpath string, val gjson.Result)) bool {
	if !v.IsObject() {
		p.typeError(path, v, "an object")
		return false
	}
	seen := map[string]bool{}
	v.ForEach(func(k, val gjson.Result) bool {
		key := k.String()
		kpath := join(path, key)
		switch {
		case seen[key]:
			p.errorf(k.Index, kpath, "keep one", "duplicate member")
		case slices.Contains(known, key):
			seen[key] = true
			fn(key, kpath, val)
		case unsupported[key] != "":
			p.unknown++
			p.errorf(k.Index, kpath, unsupported[key], "unknown field")
		default:
			p.unknown++
			p.errorf(k.Index, kpath, suggest(key, known), "unknown field")
		}
		return true
	})
	return true
}

// each walks v as an object of named entries (providers, roles), checking names.
func (p *parser) each(path string, v gjson.Result, fn func(name, npath string, val gjson.Result)) bool {
	if !v.IsObject() {
		p.typeError(path, v, "an object")
		return false
	}
	seen := map[string]bool{}
	v.ForEach(func(k, val gjson.Result) bool {
		name := k.String()
		npath := join(path, name)
		switch {
		case seen[name]:
			p.errorf(k.Index, npath, "keep one", "duplicate name")
		case !validName(name):
			p.errorf(k.Index, npath, "use letters, digits, '-', '_' and '.', at most 64", "invalid name %q", name)
		default:
			seen[name] = true
			fn(name, npath, val)
		}
		return true
	})
	return true
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// array walks v as an array.
func (p *parser) array(path string, v gjson.Result, fn func(i int, ipath string, val gjson.Result)) bool {
	if !v.IsArray() {
		p.typeError(path, v, "an array")
		return false
	}
	i := 0
	v.ForEach(func(_, val gjson.Result) bool {
		fn(i, index(path, i), val)
		i++
		return true
	})
	return true
}

func kind(v gjson.Result) string {
	switch {
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	case v.Type == gjson.String:
		return "a string"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.True, v.Type == gjson.False:
		return "a boolean"
	default:
		return "null"
	}
}

func (p *parser) typeError(path string, v gjson.Result, want string) {
	fix := ""
	switch {
	case want == "a boolean" && v.Type == gjson.String:
		fix = "write true or false without quotes"
	case want == "an array" && (v.Type == gjson.String || v.IsObject()):
		fix = "wrap it in [ ]"
	case want == "a string" && v.Type == gjson.Number:
		fix = "quote it"
	case want == "an integer" && v.Type == gjson.String:
		fix = "write the number without quotes"
	}
	p.errorf(v.Index, path, fix, "must be %s, not %s", want, kind(v))
}

// str reads a string; empty strings are reported unless allowEmpty.
func (p *parser) str(path string, v gjson.Result, allowEmpty bool) (string, bool) {
	if v.Type != gjson.String {
		p.typeError(path, v, "a string")
		return "", false
	}
	s := v.String()
	if s == "" && !allowEmpty {
		p.errorf(v.Index, path, "remove the field or give a value", "must not be empty")
		return "", false
	}
	return s, true
}

func (p *parser) boolean(path string, v gjson.Result) (bool, bool) {
	if v.Type != gjson.True && v.Type != gjson.False {
		p.typeError(path, v, "a boolean")
		return false, false
	}
	return v.Bool(), true
}

// integer reads a whole number within [lo, hi].
func (p *parser) integer(path string, v gjson.Result, lo, hi int) (int, bool) {
	if v.Type != gjson.Number {
		p.typeError(path, v, "an integer")
		return 0, false
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if err != nil {
		p.errorf(v.Index, path, "write a whole number", "must be an integer, not %s", v.Raw)
		return 0, false
	}
	if n < int64(lo) || n > int64(hi) {
		p.errorf(v.Index, path, fmt.Sprintf("use %d to %d", lo, hi), "%d is out of range", n)
		return 0, false
	}
	return int(n), true
}

// strings reads an array of non-empty strings.
func (p *parser) strings(path string, v gjson.Result) ([]string, bool) {
	var out []string
	ok := p.array(path, v, func(_ int, ipath string, e gjson.Result) {
		if s, good := p.str(ipath, e, false); good {
			out = append(out, s)
		}
	})
	return out, ok
}

// headerName checks an HTTP header name (RFC 9110 token) and lower-cases it, as proxy-wasm
// hands header names over.
func (p *parser) headerName(path string, v gjson.Result) (string, bool) {
	s, ok := p.str(path, v, false)
	if !ok {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			p.errorf(v.Index, path, "use a plain header name such as x-user-id", "%q is not a valid header name", s)
			return "", false
		}
	}
	return strings.ToLower(s), true
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// headerText reads text that ends up in WWW-Authenticate (realm, error_description): RFC 6750
// section 3 allows printable ASCII without '"' and '\', so nothing can break out of the
// quoted value.
func (p *parser) headerText(path string, v gjson.Result) (string, bool) {
	s, ok := p.str(path, v, false)
	if !ok {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			p.errorf(v.Index, path, `RFC 6750 section 3 allows printable ASCII without '"' and '\'`, "%q cannot be sent in WWW-Authenticate", s)
			return "", false
		}
	}
	return s, true
}
