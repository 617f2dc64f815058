package config

import "strings"

// maxClaimPathBytes bounds a claim path; real ones are a few dozen bytes.
const maxClaimPathBytes = 256

// checkClaimPath validates the gjson subset claim and body paths may use (config/REFERENCE.md,
// "Claim paths"): dot-separated names ("realm_access.roles", `https://x\.io/tenant` with '\'
// escaping a special character), array indexes ("groups.0"), "#" (the count) and queries
// "#(key==value)" / "#(key!=value)" with an optional trailing '#' (all matches). Modifiers
// ("@"), pipes ('|'), wildcards ('*', '?'), multipaths ('[', '{') and literals ('!') are
// refused: they turn a path into a small program whose result is hard to review.
// It returns the problem, "" when the path is fine.
func checkClaimPath(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > maxClaimPathBytes:
		return "is longer than 256 bytes"
	}
	for rest := s; ; {
		comp, tail, more := cutComponent(rest)
		if problem := checkComponent(comp); problem != "" {
			return problem
		}
		if !more {
			return ""
		}
		rest = tail
	}
}

// cutComponent splits at the first '.' that is neither escaped nor inside a query's parentheses.
func cutComponent(s string) (comp, rest string, more bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
		case '.':
			if depth == 0 {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

func checkComponent(c string) string {
	if c == "" {
		return "has an empty segment (a leading, trailing or doubled '.')"
	}
	if c == "#" {
		return ""
	}
	if strings.HasPrefix(c, "#(") {
		return checkQuery(c)
	}
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case ch == '\\':
			if i+1 == len(c) {
				return "ends with a lone '\\'"
			}
			i++
		case ch == '@' && i == 0:
			return "uses a modifier ('@'); modifiers are not supported"
		case ch == '!' && i == 0:
			return "uses a literal ('!'); compare with a value instead"
		case ch == '[' || ch == '{':
			return "uses a multipath; name one claim"
		case ch == '|':
			return "uses a pipe ('|'); write the path with '.'"
		case ch == '*' || ch == '?':
			return "uses a wildcard ('" + string(ch) + "'); escape it as '\\" + string(ch) + "' if it is part of the name"
		case ch == '#' || ch == '(' || ch == ')':
			return "has '" + string(ch) + "' outside a query; write #(key==value) or escape it"
		case ch < 0x20 || ch == 0x7f:
			return "has a control character"
		}
	}
	return ""
}

// checkQuery validates "#(key==value)" or "#(key!=value)", optionally followed by '#'. The key
// is a simple path; the value a quoted string, a number, true, false or null.
func checkQuery(c string) string {
	body, ok := strings.CutSuffix(strings.TrimSuffix(c[2:], "#"), ")")
	if !ok {
		return "has an unclosed query; write #(key==value)"
	}
	op := "=="
	key, val, found := strings.Cut(body, "==")
	if !found {
		op = "!="
		key, val, found = strings.Cut(body, "!=")
	}
	if !found {
		return "has a query without == or !=; write #(key==value)"
	}
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	if key == "" || strings.ContainsAny(key, "()#") {
		return "has a query without a simple key; write #(key" + op + "value)"
	}
	for rest := key; ; {
		comp, tail, more := cutComponent(rest)
		if problem := checkComponent(comp); problem != "" {
			return "query key " + problem
		}
		if !more {
			break
		}
		rest = tail
	}
	if !validQueryValue(val) {
		return `has a query value that is not a quoted string, number, true, false or null; write #(key=="value")`
	}
	return ""
}

func validQueryValue(v string) bool {
	switch v {
	case "true", "false", "null":
		return true
	case "":
		return false
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		inner := v[1 : len(v)-1]
		for i := 0; i < len(inner); i++ {
			switch inner[i] {
			case '\\':
				i++
			case '"', ')', '(':
				return false
			}
		}
		return true
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+') {
			return false
		}
	}
	return true
}
