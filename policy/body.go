package policy

import (
	"github.com/tidwall/gjson"
)

// Conditions on the JSON request body (AIP: POST /agent-requests needs
// body.agentIdentity == the caller's identity). A Value with Body reads a gjson path of the
// body. The filter decides twice: at the request headers with Request.BodyPending set (body
// conditions are skipped then, everything else is final), and at the end of the body with
// Request.Body filled in (every condition, the body ones included).

// NeedsBody reports whether a condition of the rule reads the request body.
func (r *Rule) NeedsBody() bool {
	for i := range r.Conditions {
		if readsBody(&r.Conditions[i]) {
			return true
		}
	}
	return false
}

func readsBody(c *Condition) bool {
	if c.Select != nil && c.Select.Value.Body != "" {
		return true
	}
	for _, v := range c.Values {
		if v.Body != "" {
			return true
		}
	}
	return false
}

// bodyDenial is the 400 for a rule with body conditions whose request has no JSON object
// body (no body at all, another content, or broken JSON). A pending body is not judged yet.
func bodyDenial(rule *Rule, r *Request) (Decision, bool) {
	if !rule.NeedsBody() || r != nil && r.BodyPending {
		return Decision{}, false
	}
	if r == nil || !isJSONObject(r.Body) {
		return Decision{Status: 400, Code: CodeBodyInvalid, Message: "request body must be a JSON object"}, true
	}
	return Decision{}, false
}

func isJSONObject(b []byte) bool {
	if !gjson.ValidBytes(b) {
		return false
	}
	return gjson.ParseBytes(b).IsObject()
}

// bodyValue reads a body path as text: strings as is, numbers and booleans as their JSON
// text; objects, arrays, null and absent paths are absent.
func bodyValue(r *Request, path string) (string, bool) {
	if r == nil || r.BodyPending || len(r.Body) == 0 {
		return "", false
	}
	s, ok := scalar(gjson.GetBytes(r.Body, path))
	return s, ok && s != ""
}
