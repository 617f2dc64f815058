package policy

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// maxRules bounds a configuration; the index keeps matching cost flat well below it.
const maxRules = 100_000

func newEngine(opts Options) (*Engine, error) {
	if len(opts.Rules) > maxRules {
		return nil, fmt.Errorf("too many rules (%d, at most %d)", len(opts.Rules), maxRules)
	}
	e := &Engine{opts: opts, identity: map[string]string{}}
	for provider, claim := range opts.IdentityClaims {
		if claim == "" {
			return nil, fmt.Errorf("identity claim of provider %q is empty", provider)
		}
		e.identity[provider] = gjson.Escape(claim)
	}
	var errs []string
	for i, r := range opts.Rules {
		if r == nil {
			errs = append(errs, fmt.Sprintf("rules[%d]: nil rule", i))
			continue
		}
		c, err := compileRule(r)
		if err == nil {
			err = checkRule(r, c.captures)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", ruleName(r, i), err))
			continue
		}
		r.providers, r.memo = r.Requires.Providers(), memoFlags(r)
		e.rules = append(e.rules, c)
	}
	if d := opts.Default; d != nil {
		if d.Path != "" || d.Prefix != "" || d.Template != "" || d.Regex != "" || len(d.Methods) > 0 || len(d.Hosts) > 0 {
			errs = append(errs, "default: a default rule matches every request; it takes no path, methods or hosts")
		} else if err := checkRule(d, nil); err != nil {
			errs = append(errs, fmt.Sprintf("default: %v", err))
		} else {
			d.providers, d.memo = d.Requires.Providers(), memoFlags(d)
			e.def = &compiled{rule: d, anyPath: true}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	e.index()
	return e, nil
}

func ruleName(r *Rule, i int) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("rules[%d]", i)
}

// checkRule validates what the matchers do not: requirement shape and condition references.
func checkRule(r *Rule, captures []string) error {
	if r.Requires != nil {
		if err := checkRequirement(r.Requires, 0); err != nil {
			return fmt.Errorf("requires: %v", err)
		}
	} else if len(r.Conditions) > 0 {
		return fmt.Errorf("conditions need a token: add requires")
	}
	for i, c := range r.Conditions {
		if err := checkCondition(&c, captures); err != nil {
			return fmt.Errorf("conditions[%d]: %v", i, err)
		}
	}
	if r.Format.Kind > FormatText {
		return fmt.Errorf("format: unknown kind %d", r.Format.Kind)
	}
	return nil
}

func checkRequirement(q *Requirement, depth int) error {
	if depth > 8 {
		return fmt.Errorf("nested too deeply")
	}
	forms := 0
	if q.Provider != "" {
		forms++
	}
	if q.AnyOf != nil {
		forms++
	}
	if q.AllOf != nil {
		forms++
	}
	if q.AllowMissing {
		forms++
	}
	if q.AllowMissingOrFailed {
		forms++
	}
	if forms != 1 {
		return fmt.Errorf("set exactly one of provider, any_of, all_of, allow_missing, allow_missing_or_failed")
	}
	for _, list := range [][]*Requirement{q.AnyOf, q.AllOf} {
		if list != nil && len(list) == 0 {
			return fmt.Errorf("an empty list of requirements")
		}
		for _, c := range list {
			if c == nil {
				return fmt.Errorf("nil requirement")
			}
			if err := checkRequirement(c, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkCondition(c *Condition, captures []string) error {
	if c.Op < OpEquals || c.Op > OpHasPermission {
		return fmt.Errorf("unknown op %d", c.Op)
	}
	if c.Claim == "" && !c.Identity {
		return fmt.Errorf("name a claim")
	}
	if c.Claim != "" && c.Identity {
		return fmt.Errorf("set claim or identity, not both")
	}
	if c.Op == OpExists {
		if c.Optional {
			return fmt.Errorf("an optional exists condition always holds")
		}
		if len(c.Values) > 0 {
			return fmt.Errorf("exists takes no values")
		}
		return nil
	}
	if len(c.Values) == 0 {
		return fmt.Errorf("needs at least one value")
	}
	for _, v := range c.Values {
		n := 0
		for _, s := range []string{v.Capture, v.Header, v.Query} {
			if s != "" {
				n++
			}
		}
		if n > 1 || n == 1 && v.Literal != "" {
			return fmt.Errorf("a value is one of a literal, capture, header or query")
		}
		if v.Capture != "" && !contains(captures, v.Capture) {
			return fmt.Errorf("capture {%s} is not in the rule's template (known: %s)", v.Capture, strings.Join(captures, ", "))
		}
		if v.Header != "" && strings.ToLower(v.Header) != v.Header {
			return fmt.Errorf("header %q must be lower-case", v.Header)
		}
	}
	return nil
}

func (e *Engine) match(r *Request) (Route, bool) {
	path, err := normalizePath(r.Path)
	if err != nil {
		return Route{Err: err}, false
	}
	if best := e.lookup(path, r); best >= 0 {
		c := e.rules[best]
		return Route{Rule: c.rule, Captures: c.captureValues(path)}, true
	}
	if e.def != nil {
		return Route{Rule: e.def.rule}, true
	}
	return Route{}, false
}
