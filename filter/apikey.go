package filter

import (
	"net/netip"
	"strings"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// maxForwardedEntries bounds how much of x-forwarded-for is split.
const maxForwardedEntries = 64

// keyOutcome authenticates the bearer credential with an api_keys provider. A JWT-shaped
// credential is left to the rule's JWT providers (Missing here); when the rule accepts only
// keys, it is an invalid key.
func (ctx *httpContext) keyOutcome(pv *config.Provider, cred string, providers []*config.Provider) policy.Outcome {
	if config.LooksLikeJWT(cred) {
		for _, other := range providers {
			if other.APIKeys == nil {
				return policy.Outcome{Missing: true}
			}
		}
	}
	k, err := pv.APIKeys.Authenticate(cred, ctx.keySource(pv.APIKeys.TrustedHops), ctx.plugin.now())
	if err != nil {
		return policy.Outcome{Err: err}
	}
	return policy.Outcome{Claims: k.Claims()}
}

// keyShaped: the credential is not a JWT and the rule has an api_keys provider to judge it,
// so the JWT providers see no token rather than a malformed one.
func keyShaped(cred string, providers []*config.Provider) bool {
	if config.LooksLikeJWT(cred) {
		return false
	}
	for _, pv := range providers {
		if pv.APIKeys != nil {
			return true
		}
	}
	return false
}

// keySource is the client address an API key's source_ips are checked against: the
// connection's (source.address) unless the operator trusts hops proxies in front of Envoy,
// then the hops-th address from the right of x-forwarded-for (all its headers, in order).
// Too few entries, or one that is not an address, give an invalid address: no allowlist
// admits it.
func (ctx *httpContext) keySource(hops int) netip.Addr {
	if hops == 0 {
		return ctx.req.Source
	}
	var entries []string
	for _, v := range ctx.headers.values("x-forwarded-for") {
		for e := range strings.SplitSeq(v, ",") {
			if len(entries) == maxForwardedEntries {
				entries = entries[1:] // only the right end matters
			}
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	if len(entries) < hops {
		return netip.Addr{}
	}
	return parseAddress(entries[len(entries)-hops])
}
