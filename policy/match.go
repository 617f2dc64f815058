package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// compiled is a rule with its matchers prepared once.
type compiled struct {
	rule     *Rule
	tmpl     *template
	re       *regexp.Regexp
	methods  []string
	hosts    []hostPattern
	anyPath  bool
	captures []string // names a condition may read
}

type hostPattern struct {
	name     string // lower-case, trailing dot removed
	wildcard bool   // name is the suffix ".example.com" of "*.example.com"
	port     bool   // the pattern names a port: compare the authority with its port
}

// node is a trie over leading path segments: literal segments by name, template captures
// through param. Each rule is stored at the deepest node its path matcher fixes, so a request
// only looks at the rules along its own segments; every trie node is reached at most once
// per request (the path fixes which literal child to take). Lists hold rule indexes in
// ascending order, which keeps first-match-wins exact.
type node struct {
	children map[string]*node
	param    *node // a "{name}" segment (never an empty segment)
	rules    []int
}

func (n *node) child(seg string) *node {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c := n.children[seg]
	if c == nil {
		c = &node{}
		n.children[seg] = c
	}
	return c
}

func compileRule(r *Rule) (*compiled, error) {
	c := &compiled{rule: r, methods: r.Methods}
	set := 0
	for _, s := range []string{r.Path, r.Prefix, r.Template, r.Regex} {
		if s != "" {
			set++
		}
	}
	if set > 1 {
		return nil, fmt.Errorf("set only one of path, prefix, template, regex")
	}
	switch {
	case r.Path != "":
		if err := checkLiteralPath(r.Path); err != nil {
			return nil, fmt.Errorf("path %q: %v", r.Path, err)
		}
	case r.Prefix != "":
		if err := checkLiteralPath(r.Prefix); err != nil {
			return nil, fmt.Errorf("prefix %q: %v", r.Prefix, err)
		}
	case r.Template != "":
		t, err := parseTemplate(r.Template)
		if err != nil {
			return nil, fmt.Errorf("template %q: %v", r.Template, err)
		}
		c.tmpl = t
		c.captures = t.names
	case r.Regex != "":
		// Envoy's safe_regex matches the whole path; anchoring keeps "/admin" from
		// matching "/x/admin/y".
		re, err := regexp.Compile(`^(?:` + r.Regex + `)$`)
		if err != nil {
			return nil, fmt.Errorf("regex %q: %v", r.Regex, err)
		}
		c.re = re
		for _, n := range re.SubexpNames() {
			if n != "" {
				c.captures = append(c.captures, n) // named groups are captures
			}
		}
	default:
		c.anyPath = true
	}
	for _, h := range r.Hosts {
		p, err := parseHost(h)
		if err != nil {
			return nil, fmt.Errorf("host %q: %v", h, err)
		}
		c.hosts = append(c.hosts, p)
	}
	for _, m := range r.Methods {
		if m == "" || strings.ToUpper(m) != m {
			return nil, fmt.Errorf("method %q must be upper-case", m)
		}
	}
	return c, nil
}

// checkLiteralPath refuses exact paths and prefixes that a normalised request path can never
// equal or start with, so that a typo cannot silently leave a route unprotected or unused.
func checkLiteralPath(p string) error {
	if p[0] != '/' {
		return fmt.Errorf(`must start with "/"`)
	}
	n, err := normalizePath(p)
	if err != nil || n != p {
		return fmt.Errorf("is not in normalised form (requests are matched after resolving %%-escapes of unreserved characters, '//', '.' and '..')")
	}
	return nil
}

func parseHost(h string) (hostPattern, error) {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	p := hostPattern{}
	if strings.HasPrefix(h, "*.") {
		p.wildcard = true
		h = h[1:] // keep the dot: "*.example.com" never matches "example.com"
		if len(h) < 2 {
			return p, fmt.Errorf("wildcard needs a domain")
		}
	} else if h == "" || strings.Contains(h, "*") {
		return p, fmt.Errorf(`use an exact name or "*.domain"`)
	}
	_, port := splitPort(h)
	p.port = port != ""
	p.name = h
	return p, nil
}

// splitPort splits "host:port" and "[v6]:port"; a bare IPv6 address has no port.
func splitPort(a string) (host, port string) {
	if strings.HasPrefix(a, "[") {
		if end := strings.IndexByte(a, ']'); end > 0 {
			if strings.HasPrefix(a[end+1:], ":") {
				return a[:end+1], a[end+2:]
			}
			return a, ""
		}
		return a, ""
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 && strings.IndexByte(a, ':') == i {
		return a[:i], a[i+1:]
	}
	return a, ""
}

func (p hostPattern) match(authority string) bool {
	h := authority
	if !p.port {
		h, _ = splitPort(authority)
	}
	h = strings.TrimSuffix(h, ".")
	if p.wildcard {
		return len(h) > len(p.name) && strings.HasSuffix(h, p.name)
	}
	return h == p.name
}

// index places each rule in the trie. A rule sits at the node reached by the segments
// that are followed by a '/' in every path it matches: a request walks only such segments.
func (e *Engine) index() {
	e.root = &node{}
	e.exact = map[string][]int{}
	for i, c := range e.rules {
		r := c.rule
		n := e.root
		switch {
		case r.Path != "":
			e.exact[r.Path] = append(e.exact[r.Path], i)
			continue
		case r.Prefix != "":
			n = n.literal(r.Prefix)
		case c.re != nil:
			// Every match starts with the regex's literal prefix ("/legacy/" of
			// "/legacy/[a-z]+"); case-folded parts are not in it.
			if p, _ := c.re.LiteralPrefix(); strings.HasPrefix(p, "/") {
				n = n.literal(p)
			}
		case c.tmpl != nil:
			for _, s := range c.tmpl.segs[:len(c.tmpl.segs)-1] {
				if s.capture {
					if n.param == nil {
						n.param = &node{}
					}
					n = n.param
				} else {
					n = n.child(s.lit)
				}
			}
		}
		// any-path rules stay at the root
		n.rules = append(n.rules, i)
	}
}

// literal descends along the whole segments of a literal path prefix: "/api/v1/x" fixes
// "api" and "v1" ("/api/v1/x" also matches "/api/v1/xyz").
func (n *node) literal(prefix string) *node {
	segs := strings.Split(prefix[1:], "/")
	for _, s := range segs[:len(segs)-1] {
		n = n.child(s)
	}
	return n
}

// search is one lookup's state: the lowest matching rule index so far.
type search struct {
	e    *Engine
	path string
	r    *Request
	best int
}

// try scans an ascending list up to the best index found so far.
func (s *search) try(list []int) {
	for _, i := range list {
		if s.best >= 0 && i >= s.best {
			return
		}
		if s.e.rules[i].matches(s.path, s.r) {
			s.best = i
			return
		}
	}
}

func (s *search) walk(n *node, rest string) {
	s.try(n.rules)
	if n.children == nil && n.param == nil {
		return
	}
	seg, tail, more := strings.Cut(rest, "/")
	if !more {
		return // rules below this node need another '/'
	}
	if c := n.children[seg]; c != nil {
		s.walk(c, tail)
	}
	if n.param != nil && seg != "" {
		s.walk(n.param, tail)
	}
}

// lookup finds the lowest-index rule that matches a normalised path, -1 when none does.
func (e *Engine) lookup(path string, r *Request) int {
	s := search{e: e, path: path, r: r, best: -1}
	s.try(e.exact[path])
	s.walk(e.root, path[1:])
	return s.best
}

// matches checks every matcher of one rule on a normalised path.
func (c *compiled) matches(path string, r *Request) bool {
	if len(c.methods) > 0 && !contains(c.methods, r.Method) {
		return false
	}
	if len(c.hosts) > 0 {
		host := r.Host
		if hasUpper(host) {
			host = strings.ToLower(host)
		}
		ok := false
		for _, h := range c.hosts {
			if h.match(host) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	switch {
	case c.anyPath:
		return true
	case c.rule.Path != "":
		return path == c.rule.Path
	case c.rule.Prefix != "":
		return strings.HasPrefix(path, c.rule.Prefix)
	case c.tmpl != nil:
		return c.tmpl.match(path, nil)
	default:
		return c.re.MatchString(path)
	}
}

// captureValues extracts the path captures of a rule that matched (nil when it has none).
func (c *compiled) captureValues(path string) []Capture {
	if len(c.captures) == 0 {
		return nil
	}
	caps := make([]Capture, 0, len(c.captures))
	if c.tmpl != nil {
		c.tmpl.match(path, &caps)
		return caps
	}
	m := c.re.FindStringSubmatchIndex(path)
	for gi, name := range c.re.SubexpNames() {
		if name != "" && m != nil && m[2*gi] >= 0 {
			capture(&caps, name, path[m[2*gi]:m[2*gi+1]])
		}
	}
	return caps
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
