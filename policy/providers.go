package policy

// Providers lists the provider names a requirement mentions, in order, once each.
func (q *Requirement) Providers() []string {
	var out []string
	var walk func(*Requirement)
	walk = func(q *Requirement) {
		if q == nil {
			return
		}
		if q.Provider != "" && !contains(out, q.Provider) {
			out = append(out, q.Provider)
		}
		for _, x := range q.AnyOf {
			walk(x)
		}
		for _, x := range q.AllOf {
			walk(x)
		}
	}
	walk(q)
	return out
}

// RequiredProviders is Requires.Providers(), computed once by New so that the request path
// does not allocate.
func (r *Rule) RequiredProviders() []string {
	if r.providers == nil && r.Requires != nil {
		return r.Requires.Providers()
	}
	return r.providers
}
