package policy

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// maxValues bounds the values one condition compares with without allocating.
const maxValues = 16

// holds evaluates one condition on the principal's claims. It fails closed: an absent or
// null claim, a claim of a type the operation cannot read, and a value the request does not
// carry never satisfy a condition, negated or not (except "must not exist", which is about
// absence itself, and an Optional condition's absent claim).
func (e *Engine) holds(c *Condition, provider string, claims *jwt.Claims, route Route, r *Request) bool {
	if r != nil && r.BodyPending && readsBody(c) {
		return true // judged at the end of the body (body.go)
	}
	res := claims.Get(e.claimPath(c, provider))
	present := res.Exists() && res.Type != gjson.Null
	if c.Select != nil {
		// Optional is about the claim itself: a tenants claim without an entry for this
		// tenant is present, and fails.
		if !present {
			return c.Optional || c.Op == OpExists && c.Negate
		}
		res = selectEntry(res, c.Select, route, r)
		present = res.Exists() && res.Type != gjson.Null
	}
	if c.Op == OpExists {
		return present != c.Negate
	}
	if !present {
		return c.Optional && c.Select == nil
	}
	var buf [maxValues]string
	vals := buf[:0]
	for _, v := range c.Values {
		s, ok := resolve(v, route, r)
		if !ok {
			if c.Negate {
				return false // "must differ from X" with no X proves nothing
			}
			continue
		}
		vals = append(vals, s)
	}
	if len(vals) == 0 {
		return false
	}
	var match, readable bool
	switch c.Op {
	case OpEquals:
		s, ok := scalar(res)
		readable = ok
		match = ok && contains(vals, s)
	case OpPrefix:
		readable = res.Type == gjson.String
		if readable {
			for _, v := range vals {
				if strings.HasPrefix(res.Str, v) {
					match = true
				}
			}
		}
	case OpContains:
		readable = eachMember(res, c.Delimiter, func(m string) bool {
			match = contains(vals, m)
			return !match
		})
	case OpHasPermission:
		f := func(m string) bool {
			for _, v := range vals {
				if grants(m, v, e.opts.Superuser) {
					match = true
					return false
				}
			}
			return true
		}
		if c.Roles {
			f = e.rolePermissions(f)
		}
		readable = eachMember(res, c.Delimiter, f)
	}
	if !readable {
		return false
	}
	return match != c.Negate
}

// claimPath is the gjson path of the condition's claim; identity claims are top-level names
// taken literally (escaped once in New).
func (e *Engine) claimPath(c *Condition, provider string) string {
	if !c.Identity {
		return c.Claim
	}
	if p, ok := e.identity[provider]; ok {
		return p
	}
	return "sub"
}

// scalar is a string, number or bool claim as text; numbers and bools keep their JSON text.
func scalar(res gjson.Result) (string, bool) {
	switch res.Type {
	case gjson.String:
		return res.Str, true
	case gjson.Number, gjson.True, gjson.False:
		return res.Raw, true
	}
	return "", false
}

// eachMember calls f for each member of an array claim (scalar elements) or of a string claim
// split at delim (" " splits at any run of spaces; members are trimmed, empty ones skipped),
// until f returns false. It reports false when the claim has no members to read.
func eachMember(res gjson.Result, delim string, f func(string) bool) bool {
	switch res.Type {
	case gjson.JSON:
		if !res.IsArray() {
			return false
		}
		res.ForEach(func(_, m gjson.Result) bool {
			if s, ok := scalar(m); ok {
				return f(s)
			}
			return true
		})
		return true
	case gjson.String:
		s := res.Str
		if delim == "" {
			f(s)
			return true
		}
		for s != "" {
			var m string
			m, s, _ = strings.Cut(s, delim)
			if m = strings.TrimSpace(m); m != "" && !f(m) {
				break
			}
		}
		return true
	case gjson.Number, gjson.True, gjson.False:
		f(res.Raw)
		return true
	}
	return false
}

// grants reports whether the held permission grants the wanted one: equal, the super
// permission, "admin:*" for "admin:<anything>", "*:read" for "<anything>:read".
func grants(held, want, superuser string) bool {
	switch {
	case held == want, superuser != "" && held == superuser:
		return true
	case strings.HasSuffix(held, ":*"):
		return strings.HasPrefix(want, held[:len(held)-1]) && len(want) > len(held)-1
	case strings.HasPrefix(held, "*:"):
		return strings.HasSuffix(want, held[1:]) && len(want) > len(held)-1
	}
	return false
}

// resolve gives a value's text; ok is false when the request does not carry it (an empty
// header or parameter counts as absent).
func resolve(v Value, route Route, r *Request) (string, bool) {
	switch {
	case v.Capture != "":
		for _, c := range route.Captures {
			if c.Name == v.Capture {
				return c.Value, c.Value != ""
			}
		}
		return "", false
	case v.Header != "":
		if r == nil || r.Header == nil {
			return "", false
		}
		s, ok := r.Header(v.Header)
		return s, ok && s != ""
	case v.Query != "":
		if r == nil {
			return "", false
		}
		return queryParam(r.Query, v.Query)
	case v.Body != "":
		return bodyValue(r, v.Body)
	}
	return v.Literal, true
}

// queryParam reads one parameter of a raw query. A parameter given twice with different
// values is treated as absent: the upstream may read the other one (parameter pollution).
func queryParam(q, name string) (string, bool) {
	var val string
	found := false
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		k, ok := unescape(k, true)
		if !ok || k != name {
			continue
		}
		v, ok = unescape(v, true)
		if !ok || found && v != val {
			return "", false
		}
		val, found = v, true
	}
	return val, found && val != ""
}

// denialMessage describes a failed condition: the operator's message, or one naming the claim;
// with nameMissing, the required values are named too.
func denialMessage(c *Condition, route Route, r *Request, nameMissing bool) string {
	msg := c.Message
	if msg == "" {
		what := `claim "` + c.Claim + `"`
		if c.Identity {
			what = "caller identity"
		}
		switch {
		case c.Op == OpExists && c.Negate:
			msg = what + " must be absent"
		case c.Op == OpExists:
			msg = what + " is required"
		case c.Negate:
			msg = what + " must differ from the given value"
		case c.Op == OpHasPermission:
			msg = "insufficient permissions: " + what + " lacks the required permission"
		case c.Op == OpContains:
			msg = what + " lacks a required value"
		default:
			msg = what + " does not have a required value"
		}
	}
	if !nameMissing || c.Negate || c.Op == OpExists {
		return msg
	}
	var names []string
	for _, v := range c.Values {
		if s, ok := resolve(v, route, r); ok {
			names = append(names, `"`+s+`"`)
		}
	}
	if len(names) == 0 {
		return msg
	}
	return msg + " (requires " + strings.Join(names, " or ") + ")"
}
