package config

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// claimPath reads a gjson path in the supported subset (see checkClaimPath).
func (p *parser) claimPath(path string, v gjson.Result) (string, bool) {
	s, ok := p.str(path, v, false)
	if !ok {
		return "", false
	}
	if problem := checkClaimPath(s); problem != "" {
		p.errorf(v.Index, path, `write names separated by '.', indexes ("groups.0") or queries (#(id=="prod")); see REFERENCE.md "Claim paths"`,
			"%q %s", s, problem)
		return "", false
	}
	return s, true
}

// selectEntry parses {"key": "id", "equals": <value>, "field": "role"}: pick the element of an
// array claim whose key equals the value, and compare its field.
func (p *parser) selectEntry(path string, v gjson.Result, caps captureSet) *policy.Select {
	s := &policy.Select{}
	good := 0
	ok := p.object(path, v, []string{"key", "equals", "field"}, func(key, kpath string, val gjson.Result) {
		var ok bool
		switch key {
		case "key":
			s.Key, ok = p.claimPath(kpath, val)
		case "field":
			s.Field, ok = p.claimPath(kpath, val)
		case "equals":
			s.Value, ok = p.operand(kpath, val, caps)
		}
		if ok {
			good++
		}
	})
	if !ok {
		return nil
	}
	for _, f := range []string{"key", "equals", "field"} {
		if !v.Get(f).Exists() {
			p.errorf(end(v), join(path, f), `write {"key": "id", "equals": {"capture": "tenant"}, "field": "role"}`, "required")
		}
	}
	if good != 3 {
		return nil
	}
	return s
}

// rolePermissions parses `role_permissions`: role name -> non-empty list of permissions.
func (p *parser) rolePermissions(v gjson.Result) map[string][]string {
	out := map[string][]string{}
	p.each("role_permissions", v, func(name, path string, rv gjson.Result) {
		perms, ok := p.strings(path, rv)
		if ok && len(perms) == 0 {
			p.errorf(rv.Index, path, `list what the role grants, e.g. ["*:read"]`, "must not be empty")
		}
		out[name] = perms
	})
	return out
}

// conditionProviders parses a condition's `providers`: known provider names, not empty.
func (p *parser) conditionProviders(path string, v gjson.Result) []string {
	names, ok := p.strings(path, v)
	if !ok {
		return nil
	}
	if len(names) == 0 {
		p.errorf(v.Index, path, "omit providers to apply the condition to every principal", "must not be empty")
	}
	var out []string
	for i, n := range names {
		if !slices.Contains(p.providerNames, n) {
			p.errorf(v.Array()[i].Index, index(path, i), p.knownProviders(n), "%q is not a provider", n)
			continue
		}
		out = append(out, n)
	}
	return out
}

// checkConditionProviders refuses a condition scoped to a provider the rule does not require:
// it would never apply, which reads like a check that is not there.
func (p *parser) checkConditionProviders(path string, claims gjson.Result, r *policy.Rule) {
	if r.Requires == nil || len(r.Conditions) != len(claims.Array()) {
		return // a broken condition is reported already, and the indexes no longer line up
	}
	required := r.Requires.Providers()
	for i, c := range r.Conditions {
		for _, n := range c.Providers {
			if !slices.Contains(required, n) {
				p.errorf(claims.Array()[i].Get("providers").Index, join(index(path, i), "providers"),
					"name providers of this rule's requires ("+strings.Join(required, ", ")+")", "%q is not required by this rule, so the condition would never apply", n)
			}
		}
	}
}
