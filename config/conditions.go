package config

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

var requirementFields = []string{"provider_name", "requires_any", "requires_all", "allow_missing", "allow_missing_or_failed"}

// requirement parses Envoy's JwtRequirement shape: exactly one of provider_name,
// requires_any {requirements}, requires_all {requirements}, allow_missing {},
// allow_missing_or_failed {}.
func (p *parser) requirement(path string, v gjson.Result, rc *ruleContext, depth int) *policy.Requirement {
	req := &policy.Requirement{}
	n := 0
	unknown := p.unknown
	ok := p.object(path, v, requirementFields, func(key, kpath string, val gjson.Result) {
		if n++; n > 1 {
			p.errorf(val.Index, kpath, "nest them in requires_any or requires_all", "conflicts with another requirement")
			return
		}
		switch key {
		case "provider_name":
			s, ok := p.str(kpath, val, false)
			if !ok {
				return
			}
			if !slices.Contains(p.providerNames, s) {
				p.errorf(val.Index, kpath, p.knownProviders(s), "%q is not a provider", s)
				return
			}
			req.Provider = s
		case "requires_any", "requires_all":
			if depth >= maxRequirementDepth {
				p.errorf(val.Index, kpath, "flatten the requirement", "nested deeper than %d levels", maxRequirementDepth)
				return
			}
			var list []*policy.Requirement
			ok := p.object(kpath, val, []string{"requirements"}, func(_, lpath string, lv gjson.Result) {
				p.array(lpath, lv, func(_ int, ipath string, e gjson.Result) {
					if r := p.requirement(ipath, e, rc, depth+1); r != nil {
						list = append(list, r)
					}
				})
				if lv.IsArray() && len(lv.Array()) < 2 {
					p.errorf(lv.Index, lpath, "list two or more, or use provider_name for one", "needs at least two requirements")
				}
			})
			if ok && !val.Get("requirements").Exists() {
				p.errorf(end(val), join(kpath, "requirements"), `list them: {"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}`, "required")
			}
			if key == "requires_any" {
				req.AnyOf = list
			} else {
				req.AllOf = list
			}
		case "allow_missing", "allow_missing_or_failed":
			if !val.IsObject() || len(val.Map()) != 0 {
				p.errorf(val.Index, kpath, "write {}", "must be an empty object")
				return
			}
			req.AllowMissing = key == "allow_missing"
			req.AllowMissingOrFailed = key == "allow_missing_or_failed"
		}
	})
	if ok && n == 0 && p.unknown == unknown {
		p.errorf(end(v), path, `add {"provider_name":"..."}; omit requires for a public rule`, "is empty")
	}
	return req
}

func (p *parser) knownProviders(got string) string {
	names := p.providerNames
	if len(names) == 0 {
		return "define it under providers"
	}
	if best, ok := closest(got, names); ok {
		return `did you mean "` + best + `"?`
	}
	return "known: " + strings.Join(sorted(names), ", ")
}

var (
	conditionFields = []string{"claim", "role", "equals", "one_of", "exists", "prefix", "contains", "has_permission", "delimiter", "not", "message",
		"optional", "select", "map_roles", "identity", "providers"}
	operators = []string{"equals", "one_of", "exists", "prefix", "contains", "has_permission"}
	opByName  = map[string]policy.Op{
		"equals": policy.OpEquals, "one_of": policy.OpEquals, "exists": policy.OpExists,
		"prefix": policy.OpPrefix, "contains": policy.OpContains, "has_permission": policy.OpHasPermission,
	}
)

// captureSet names a rule's template captures; known is false when the template itself was
// invalid (its error is reported already).
type captureSet struct {
	names []string
	known bool
}

func (p *parser) conditions(path string, v gjson.Result, rc *ruleContext, caps captureSet) []policy.Condition {
	var out []policy.Condition
	p.array(path, v, func(_ int, ipath string, cv gjson.Result) {
		if c, ok := p.condition(ipath, cv, rc, caps); ok {
			out = append(out, c)
		}
	})
	return out
}

// condition parses {claim, <operator>, delimiter, not, message} or {role, not, message}.
func (p *parser) condition(path string, v gjson.Result, rc *ruleContext, caps captureSet) (policy.Condition, bool) {
	c := policy.Condition{}
	before, unknown := len(p.errs), p.unknown
	var op string
	var delim gjson.Result
	ok := p.object(path, v, conditionFields, func(key, kpath string, val gjson.Result) {
		switch key {
		case "claim":
			c.Claim, _ = p.claimPath(kpath, val)
		case "optional":
			c.Optional, _ = p.boolean(kpath, val)
		case "identity":
			if b, ok := p.boolean(kpath, val); ok && !b {
				p.errorf(val.Index, kpath, `write "identity": true, or name the claim`, "must be true")
			}
		case "select":
			c.Select = p.selectEntry(kpath, val, caps)
		case "providers":
			c.Providers = p.conditionProviders(kpath, val)
		case "map_roles":
			c.Roles, _ = p.boolean(kpath, val)
			if c.Roles && rc.rolePermissions == nil {
				p.errorf(val.Index, kpath, `define them: "role_permissions": {"admin": ["admin:*"], "viewer": ["*:read"]}`, "needs role_permissions")
			}
		case "role":
			s, ok := p.str(kpath, val, false)
			if !ok {
				return
			}
			subjects, known := rc.roles[s]
			if !known {
				fix := "define it under roles"
				if len(rc.roles) > 0 {
					fix = suggest(s, mapKeys(rc.roles))
				}
				p.errorf(val.Index, kpath, fix, "%q is not a role", s)
				return
			}
			c.Identity, c.Op = true, policy.OpEquals
			for _, sub := range subjects {
				c.Values = append(c.Values, policy.Value{Literal: sub})
			}
		case "delimiter":
			delim = val
			c.Delimiter, _ = p.str(kpath, val, false)
		case "not":
			c.Negate, _ = p.boolean(kpath, val)
		case "message":
			c.Message, _ = p.headerText(kpath, val)
		default: // an operator
			if op != "" {
				p.errorf(val.Index, kpath, "split it into two conditions", "conflicts with %s", op)
				return
			}
			op = key
			c.Op = opByName[key]
			c.Values = p.operands(kpath, key, val, caps)
		}
	})
	if !ok {
		return c, false
	}
	hasClaim, hasRole := v.Get("claim").Exists(), v.Get("role").Exists()
	if id := v.Get("identity"); id.Exists() {
		// the provider's identity claim (identity_claim: azp, sub, appid, email)
		switch {
		case hasClaim || hasRole:
			p.errorf(id.Index, join(path, "identity"), "keep one of claim, role, identity", "conflicts with claim or role")
		default:
			c.Identity, hasClaim = true, true
		}
	}
	switch {
	case hasClaim && hasRole:
		p.errorf(end(v), path, "split it into two conditions", "has both claim and role")
	case hasRole && op != "":
		p.errorf(end(v), join(path, op), "a role compares the caller's identity claim with the role's subjects", "not allowed with role")
	case hasClaim && op == "" && p.unknown == unknown: // else a misspelt operator is reported
		p.errorf(end(v), path, "add one of "+strings.Join(operators, ", "), "has no operator")
	case !hasClaim && !hasRole:
		p.errorf(end(v), join(path, "claim"), `name the claim ("scope", "realm_access.roles") or use "role"`, "required")
	}
	if c.Roles && op != "has_permission" && op != "" {
		p.errorf(end(v), join(path, "map_roles"), "use it with has_permission", "has no effect with %s", op)
	}
	if (c.Select != nil || c.Optional) && hasRole {
		p.errorf(end(v), path, "use select and optional with claim", "not allowed with role")
	}
	if delim.Exists() && op != "contains" && op != "has_permission" {
		p.errorf(delim.Index, join(path, "delimiter"), "use it with contains or has_permission", "has no effect here")
	}
	return c, len(p.errs) == before
}

// operands reads an operator's values: exists takes true; equals one value; one_of a list;
// prefix, contains and has_permission one value or a list.
func (p *parser) operands(path, op string, v gjson.Result, caps captureSet) []policy.Value {
	switch op {
	case "exists":
		if v.Type != gjson.True {
			p.errorf(v.Index, path, `write "exists": true; add "not": true for "must be absent"`, "must be true")
		}
		return nil
	case "equals":
		if v.IsArray() {
			p.errorf(v.Index, path, "use one_of for a list", "must be one value")
			return nil
		}
		if val, ok := p.operand(path, v, caps); ok {
			return []policy.Value{val}
		}
		return nil
	}
	if !v.IsArray() {
		if op == "one_of" {
			p.typeError(path, v, "an array")
			return nil
		}
		if val, ok := p.operand(path, v, caps); ok {
			return []policy.Value{val}
		}
		return nil
	}
	var out []policy.Value
	p.array(path, v, func(_ int, ipath string, e gjson.Result) {
		if val, ok := p.operand(ipath, e, caps); ok {
			out = append(out, val)
		}
	})
	if len(v.Array()) == 0 {
		p.errorf(v.Index, path, "list at least one value", "must not be empty")
	}
	return out
}

// operand is a literal (string, number or boolean, compared as text) or a value read from the
// request: {capture}, {header} or {query}.
func (p *parser) operand(path string, v gjson.Result, caps captureSet) (policy.Value, bool) {
	switch v.Type {
	case gjson.String:
		return policy.Value{Literal: v.String()}, true
	case gjson.Number, gjson.True, gjson.False:
		return policy.Value{Literal: v.Raw}, true
	}
	if !v.IsObject() {
		p.errorf(v.Index, path, `write a string, or {"capture"|"header"|"query": name}`, "must be a value, not %s", kind(v))
		return policy.Value{}, false
	}
	var val policy.Value
	n := 0
	ok := p.object(path, v, []string{"capture", "header", "query", "body"}, func(key, kpath string, e gjson.Result) {
		if n++; n > 1 {
			p.errorf(e.Index, kpath, "keep one of capture, header, query, body", "conflicts with another source")
			return
		}
		switch key {
		case "capture":
			s, ok := p.str(kpath, e, false)
			if !ok {
				return
			}
			if caps.known && !slices.Contains(caps.names, s) {
				fix := "the rule's match has no template captures"
				if len(caps.names) > 0 {
					fix = "captures: " + strings.Join(caps.names, ", ")
				}
				p.errorf(e.Index, kpath, fix, "%q is not a capture of this rule's template", s)
				return
			}
			val.Capture = s
		case "header":
			val.Header, _ = p.headerName(kpath, e)
		case "query":
			val.Query, _ = p.str(kpath, e, false)
		case "body":
			val.Body, _ = p.claimPath(kpath, e)
		}
	})
	if ok && n == 0 {
		p.errorf(end(v), path, `write {"capture": "tenant"}, {"header": "x-env"}, {"query": "env"} or {"body": "agentIdentity"}`, "is empty")
		return val, false
	}
	return val, ok && n == 1
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
