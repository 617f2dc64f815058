package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// decideBody finishes a decision the headers allowed, as filter/body.go does for a rule
// whose conditions read the JSON body: a declared content-length over limits.max_body_bytes
// is 413, a body over it too, else the rule is decided again with the body. Without -body
// the result is undecided (bodyNeeded). ok is false for a denial, in d.
func (x *explanation) decideBody(headers policy.Decision) (d policy.Decision, ok bool) {
	rule := x.route.Rule
	if !x.req.BodyPending || !rule.NeedsBody() {
		return headers, true
	}
	limit := x.cfg.MaxBodyBytes
	if cl, found := x.req.Header("content-length"); found {
		if n, err := strconv.ParseInt(cl, 10, 64); err != nil || n < 0 || n > int64(limit) {
			return bodyTooLarge(limit), false
		}
	}
	if !x.in.bodyGiven {
		x.bodyNeeded = true
		return headers, true
	}
	if x.in.bodyOver {
		return bodyTooLarge(limit), false
	}
	x.req.Body, x.req.BodyPending = x.in.body, false
	d = x.cfg.Policy.Decide(x.route, x.outcomes, x.req)
	return d, d.Allow
}

// bodyTooLarge is the filter's 413 (filter/body.go).
func bodyTooLarge(limit int) policy.Decision {
	return policy.Decision{Status: 413, Code: policy.CodeBodyTooLarge,
		Message: "request body is larger than " + strconv.Itoa(limit) + " bytes"}
}

// readBody reads at most limit bytes of path; over says there was more.
func readBody(path string, limit int) (body []byte, over bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > limit {
		return nil, true, nil
	}
	return b, false, nil
}

// headerValues is every value of the -header flags named name, in order.
func headerValues(headers []string, name string) []string {
	var vs []string
	for _, kv := range headers {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			vs = append(vs, v)
		}
	}
	return vs
}
