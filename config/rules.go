package config

import (
	"regexp"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// ruleContext is what rules refer to besides providers: roles and the default reply.
type ruleContext struct {
	roles map[string][]string
	reply policy.Format
	names map[string]bool // rule names seen
	// rolePermissions is `role_permissions`: role name -> permissions, for map_roles.
	rolePermissions map[string][]string
}

var (
	ruleFields    = []string{"name", "match", "requires", "claims", "source_ips", "reply"}
	defaultFields = []string{"name", "match", "requires", "claims", "source_ips", "reply"}
	matchFields   = []string{"path", "prefix", "template", "regex", "methods", "hosts"}
)

func (p *parser) rules(v gjson.Result, rc *ruleContext, hasDefault bool) []*policy.Rule {
	var out []*policy.Rule
	p.array("rules", v, func(i int, path string, rv gjson.Result) {
		if r := p.rule(index("rules", i), path, rv, rc, false); r != nil {
			out = append(out, r)
		}
	})
	if v.IsArray() && len(v.Array()) == 0 && !hasDefault {
		p.errorf(v.Index, "rules", `add a rule, e.g. {"match":{"prefix":"/"},"requires":{"provider_name":"idp"}}, or a default`,
			"must not be empty: without rules or a default every request is denied")
	}
	return out
}

// rule parses one rule (or the default, which has no match). It returns nil when the rule has
// problems, after checking it compiles in policy so template and regex errors name this rule.
func (p *parser) rule(name, path string, v gjson.Result, rc *ruleContext, isDefault bool) *policy.Rule {
	before := len(p.errs)
	r := &policy.Rule{Name: name, Format: rc.reply}
	var requires, claims gjson.Result
	fields := ruleFields
	if isDefault {
		fields = defaultFields
	}
	ok := p.object(path, v, fields, func(key, kpath string, val gjson.Result) {
		switch key {
		case "name":
			if s, ok := p.str(kpath, val, false); ok {
				if rc.names == nil {
					rc.names = map[string]bool{}
				}
				if rc.names[s] {
					p.errorf(val.Index, kpath, "give each rule its own name", "%q names another rule too", s)
				}
				rc.names[s] = true
				r.Name = s
			}
		case "match":
			if isDefault {
				p.errorf(val.Index, kpath, "move it to a rule; the default applies to every request no rule matches", "not allowed in default")
				return
			}
			p.match(kpath, val, r)
		case "requires":
			requires = val
		case "claims":
			claims = val
		case "source_ips":
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				if pf, ok := p.prefix(ipath, e); ok {
					r.SourceRanges = append(r.SourceRanges, pf)
				}
			})
		case "reply":
			r.Format = p.reply(kpath, val, rc.reply)
		}
	})
	if !ok {
		return nil
	}
	if !isDefault && !v.Get("match").Exists() {
		p.errorf(end(v), join(path, "match"), `add {"prefix":"/..."}; a rule for every other request is "default"`, "required")
	}
	if requires.Exists() {
		r.Requires = p.requirement(join(path, "requires"), requires, rc, 0)
	}
	if claims.Exists() {
		if !requires.Exists() {
			p.errorf(claims.Index, join(path, "claims"), "add requires, or remove claims: a rule without requires is public", "needs a token")
		} else {
			caps := captureSet{names: captures(r.Template), known: r.Template != "" || !v.Get("match.template").Exists()}
			r.Conditions = p.conditions(join(path, "claims"), claims, rc, caps)
			p.checkConditionProviders(join(path, "claims"), claims, r) // tenants.go
		}
	}
	if len(p.errs) > before {
		return nil
	}
	// Compile the rule alone, so a policy error names this rule's path.
	if _, err := policy.New(policy.Options{Rules: []*policy.Rule{r}}); err != nil {
		at := path
		switch {
		case r.Template != "":
			at = join(path, "match.template")
		case r.Regex != "":
			at = join(path, "match.regex")
		}
		p.errorf(v.Index, at, "", "%s", strings.TrimPrefix(err.Error(), r.Name+": "))
		return nil
	}
	return r
}

func (p *parser) match(path string, v gjson.Result, r *policy.Rule) {
	var kinds []string
	ok := p.object(path, v, matchFields, func(key, kpath string, val gjson.Result) {
		switch key {
		case "path", "prefix", "template", "regex":
			for _, k := range kinds {
				p.errorf(val.Index, kpath, "keep one of path, prefix, template, regex", "conflicts with %s", k)
			}
			kinds = append(kinds, key)
			s, ok := p.str(kpath, val, false)
			if !ok {
				return
			}
			switch key {
			case "path":
				r.Path = p.absPath(kpath, val, s)
			case "prefix":
				r.Prefix = p.absPath(kpath, val, s)
			case "template":
				if problem := checkTemplate(s); problem != "" {
					p.errorf(val.Index, kpath, `write segments such as "/api/v1/tenants/{tenant}/nodes" or "/files/{rest...}"`, "%s", problem)
					return
				}
				r.Template = s
			case "regex":
				if _, err := regexp.Compile(s); err != nil {
					p.errorf(val.Index, kpath, "write an RE2 expression over the path", "%s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
					return
				}
				r.Regex = s
			}
		case "methods":
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				s, ok := p.str(ipath, e, false)
				if !ok {
					return
				}
				if !isMethod(s) {
					fix := "methods are upper-case tokens such as GET"
					if up := strings.ToUpper(s); isMethod(up) {
						fix = `write "` + up + `": methods are case-sensitive`
					}
					p.errorf(e.Index, ipath, fix, "%q is not an HTTP method", s)
					return
				}
				r.Methods = append(r.Methods, s)
			})
		case "hosts":
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				if h, ok := p.host(ipath, e); ok {
					r.Hosts = append(r.Hosts, h)
				}
			})
		}
	})
	if ok && len(v.Map()) == 0 {
		p.errorf(end(v), path, `add path, prefix, template or regex (and methods, hosts); a rule for every other request is "default"`, "is empty")
	}
}

func (p *parser) absPath(path string, v gjson.Result, s string) string {
	if !strings.HasPrefix(s, "/") {
		p.errorf(v.Index, path, `start it with "/"`, "%q is not an absolute path", s)
		return ""
	}
	return s
}

func isMethod(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// host reads an exact host[:port] or a "*.example.com" wildcard, lower-cased.
func (p *parser) host(path string, v gjson.Result) (string, bool) {
	s, ok := p.str(path, v, false)
	if !ok {
		return "", false
	}
	h := strings.ToLower(s)
	rest := strings.TrimPrefix(h, "*.")
	valid := rest != "" && !strings.Contains(rest, "*")
	for i := 0; i < len(rest) && valid; i++ {
		c := rest[i]
		valid = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-.:[]_", c) >= 0
	}
	if !valid {
		p.errorf(v.Index, path, `write "api.example.com", "api.example.com:8443" or "*.example.com"; omit hosts to match any`, "%q is not a host", s)
		return "", false
	}
	return h, true
}

// checkTemplate validates a path template: segments are literals, "{name}" (one segment) or,
// last only, "{name...}" (the rest). Names are unique identifiers.
func checkTemplate(t string) string {
	if !strings.HasPrefix(t, "/") {
		return "must start with \"/\""
	}
	seen := map[string]bool{}
	segs := strings.Split(t[1:], "/")
	for i, seg := range segs {
		if !strings.ContainsAny(seg, "{}") {
			continue
		}
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			return "segment " + `"` + seg + `"` + " mixes text and a capture; a capture is a whole segment"
		}
		name := seg[1 : len(seg)-1]
		if rest, ok := strings.CutSuffix(name, "..."); ok {
			if i != len(segs)-1 {
				return `"{` + name + `}" must be the last segment`
			}
			name = rest
		}
		if !isIdent(name) {
			return `"` + seg + `" is not a capture: use {name} with letters, digits and '_'`
		}
		if seen[name] {
			return `capture "` + name + `" appears twice`
		}
		seen[name] = true
	}
	return ""
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// captures lists a valid template's capture names.
func captures(t string) []string {
	var out []string
	for _, seg := range strings.Split(t, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(seg[1:len(seg)-1], "..."))
		}
	}
	slices.Sort(out)
	return out
}
