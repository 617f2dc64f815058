package filter

import (
	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// setIdentityHeader sends the caller's identity (the provider's identity_claim: azp, sub,
// appid, email) upstream in identity_header. An incoming copy was stripped at the start of
// the request (plugin.claimHeaders), so the header is either ours or absent.
func (ctx *httpContext) setIdentityHeader(pv *config.Provider, claims *jwt.Claims) {
	if pv.IdentityHeader == "" {
		return
	}
	// The identity claim is a top-level name, taken literally ("https://x/id" is one claim).
	if v, ok := claimHeaderValue(claims.Get(gjson.Escape(pv.IdentityClaim))); ok {
		setHeader(pv.IdentityHeader, v)
	}
}
