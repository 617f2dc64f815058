package filter

import (
	"fmt"
	"strconv"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Rules with conditions on the JSON request body decide in two steps. At the request headers
// everything but the body conditions is decided (policy skips those while
// Request.BodyPending): a missing or bad token, a source or claim failure is answered there.
// When that allows, the headers continue and the body is held: each body callback returns
// ActionPause (Envoy: StopIterationAndBuffer) until end_of_stream, up to limits.max_body_bytes
// (413 beyond), then the whole body is decided again with the body conditions.
//
// Why not pause the headers until the body is read: Envoy (proxy-wasm-cpp-host) turns a pause
// in the headers callback into StopAllIterationAndWatermark, which also withholds the body
// from this filter until it continues; waiting for the body there would never end. So the
// upstream may see the request headers before the decision, but never the body: a denial
// resets the upstream request, and a request that is denied never reaches the upstream whole.

// bodyWait is what the body callback needs to finish the decision.
type bodyWait struct {
	route    policy.Route
	outcomes map[string]policy.Outcome
	judged   string
}

// holdForBody is called when the headers allowed a request: on a rule with body conditions
// and a body still to come, it refuses a declared content-length over the limit (413) or
// keeps what the body decision needs. held is false when there is nothing to wait for.
func (ctx *httpContext) holdForBody(route policy.Route, outcomes map[string]policy.Outcome, d policy.Decision) (types.Action, bool) {
	if !ctx.req.BodyPending || route.Rule == nil || !route.Rule.NeedsBody() {
		return types.ActionContinue, false
	}
	limit := ctx.plugin.cfg.MaxBodyBytes
	if cl, ok := ctx.headers.first("content-length"); ok {
		if n, err := strconv.ParseInt(cl, 10, 64); err != nil || n < 0 || n > int64(limit) {
			return ctx.deny(bodyTooLarge(limit), route.Rule.Format, d.Provider), true
		}
	}
	ctx.body = &bodyWait{route: route, outcomes: outcomes, judged: d.Provider}
	ctx.state = stateComplete
	return types.ActionContinue, true
}

func bodyTooLarge(limit int) policy.Decision {
	return policy.Decision{Status: 413, Code: policy.CodeBodyTooLarge,
		Message: "request body is larger than " + strconv.Itoa(limit) + " bytes"}
}

// OnHttpRequestBody implements types.HttpContext: buffers a held body and decides at its end.
func (ctx *httpContext) OnHttpRequestBody(size int, endOfStream bool) (action types.Action) {
	defer ctx.recoverPanic("request body", &action)
	w := ctx.body
	if w == nil || ctx.state == stateResponded {
		return types.ActionContinue
	}
	limit := ctx.plugin.cfg.MaxBodyBytes
	if size > limit {
		ctx.body = nil
		return ctx.deny(bodyTooLarge(limit), w.route.Rule.Format, w.judged)
	}
	if !endOfStream {
		return types.ActionPause // Envoy buffers; size is the whole buffered body next time
	}
	ctx.body = nil
	var body []byte
	if size > 0 {
		b, err := proxywasm.GetHttpRequestBody(0, size)
		if err != nil {
			panic(fmt.Sprintf("reading the request body: %v", err))
		}
		body = b
	}
	ctx.req.Body, ctx.req.BodyPending = body, false
	d := ctx.plugin.cfg.Policy.Decide(w.route, w.outcomes, ctx.req)
	if !d.Allow {
		who := d.Provider
		if who == "" {
			who = w.judged
		}
		return ctx.deny(d, w.route.Rule.Format, who)
	}
	ctx.plugin.metrics.allowed(d.Provider, false)
	return types.ActionContinue
}

// OnHttpRequestTrailers implements types.HttpContext. A body that ends with trailers never
// reaches end_of_stream in the body callback; rather than decide on a body read from a
// buffer in an unclear state, a held request is refused (fail closed).
func (ctx *httpContext) OnHttpRequestTrailers(int) (action types.Action) {
	defer ctx.recoverPanic("request trailers", &action)
	w := ctx.body
	if w == nil || ctx.state == stateResponded {
		return types.ActionContinue
	}
	ctx.body = nil
	d := policy.Decision{Status: 400, Code: policy.CodeBodyInvalid, Message: "request body with trailers cannot be checked"}
	return ctx.deny(d, w.route.Rule.Format, w.judged)
}
