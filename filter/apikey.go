package filter

import (
	"net/netip"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// keyOutcome authenticates the bearer credential with an api_keys provider. A JWT-shaped
// credential is left to the rule's JWT providers (Missing here); when the rule accepts only
// keys, it is an invalid key. The routing rules live in config (apikeyroute.go), shared with
// jwtctl check.
func (ctx *httpContext) keyOutcome(pv *config.Provider, cred string, providers []*config.Provider, now time.Time) policy.Outcome {
	if config.LeftToJWTProviders(cred, providers) {
		return policy.Outcome{Missing: true}
	}
	k, err := pv.APIKeys.Authenticate(cred, ctx.keySource(pv.APIKeys.TrustedHops), now)
	if err != nil {
		return policy.Outcome{Err: err}
	}
	return policy.Outcome{Claims: k.Claims()}
}

// keySource is the client address an API key's source_ips are checked against: the
// connection's (source.address) unless the operator trusts hops proxies in front of Envoy,
// then config.ForwardedAddress of x-forwarded-for (all its headers, in order).
func (ctx *httpContext) keySource(hops int) netip.Addr {
	if hops == 0 {
		return ctx.req.Source
	}
	return config.ForwardedAddress(ctx.headers.values("x-forwarded-for"), hops)
}
