package filter

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// deny answers a refused request with policy's rendering of d (401/403 with
// WWW-Authenticate, body in the route's format) and counts it.
func (ctx *httpContext) deny(d policy.Decision, f policy.Format, provider string) types.Action {
	proxywasm.LogDebugf("request %d denied: %d %s: %s", ctx.id, d.Status, d.Code, d.Message)
	ctx.plugin.metrics.denied(d.Code, provider)
	ctx.send(policy.Render(d, f, ctx.req))
	return types.ActionPause
}

// internalError answers 500: a panic or a broken host call never lets a request through.
func (ctx *httpContext) internalError() {
	if m := ctx.plugin.metrics; m != nil {
		m.denied(codeInternal, "")
	}
	ctx.send(internalErrorReply())
}

// send writes a local reply. After it the stream must stay paused.
func (ctx *httpContext) send(r policy.Reply) {
	ctx.state = stateResponded
	if err := proxywasm.SendHttpResponse(uint32(r.Status), r.Headers, r.Body, -1); err != nil {
		proxywasm.LogErrorf("request %d: sending the %d reply: %v", ctx.id, r.Status, err)
	}
}

// The replies that are not authentication outcomes: no WWW-Authenticate, short text bodies.
func internalErrorReply() policy.Reply {
	return plainReply(500, "internal error", codeInternal)
}

func headerTooLargeReply() policy.Reply {
	return plainReply(431, "request header fields too large", codeHeaderTooLarge)
}

// plainReply is text/plain in the text format of policy.Render: the message, then the code.
func plainReply(status int, msg, code string) policy.Reply {
	return policy.Reply{
		Status:  status,
		Headers: [][2]string{{"content-type", "text/plain; charset=utf-8"}},
		Body:    []byte(msg + "\nreason: " + code + "\n"),
	}
}
