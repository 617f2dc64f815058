package policy

import (
	"github.com/tidwall/gjson"
)

// Select picks one element of an array claim: the first object whose Key equals the
// resolved Value. The condition then applies to that element's Field. Infracast's tenants
// claim [{"id":"prod","role":"admin"}, ...] with Key "id", Value {capture: tenant} and
// Field "role" gives the caller's role in the tenant named by the path.
//
// The value is compared as data, never spliced into a gjson query, so a capture such as
// `prod"),#(id=="x` cannot change what is selected.
type Select struct {
	Key   string // gjson path inside an element ("id")
	Value Value  // literal or request value (capture, header, query)
	Field string // gjson path inside the selected element ("role")
}

// selectEntry narrows res (the claim) to the selected element's field. An absent claim, a
// claim that is not an array, a value the request does not carry, or no matching element
// give an empty Result, which fails the condition (Optional aside).
func selectEntry(res gjson.Result, s *Select, route Route, r *Request) gjson.Result {
	if !res.IsArray() {
		return gjson.Result{}
	}
	want, ok := resolve(s.Value, route, r)
	if !ok {
		return gjson.Result{}
	}
	var out gjson.Result
	res.ForEach(func(_, el gjson.Result) bool {
		if !el.IsObject() {
			return true
		}
		if k, ok := scalar(el.Get(s.Key)); ok && k == want {
			out = el.Get(s.Field)
			return false
		}
		return true
	})
	return out
}

// rolePermissions wraps a member callback so each member (a role name) stands for the
// permissions Options.RolePermissions gives it; an unknown role grants nothing.
func (e *Engine) rolePermissions(f func(string) bool) func(string) bool {
	return func(role string) bool {
		for _, perm := range e.opts.RolePermissions[role] {
			if !f(perm) {
				return false
			}
		}
		return true
	}
}
