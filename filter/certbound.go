package filter

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Certificate-bound access tokens (RFC 8705 section 3): the decision is policy.CheckBinding,
// shared with jwtctl check. Envoy gives the client certificate's thumbprint as the hex
// property connection.sha256_peer_certificate_digest (set only for a validated peer
// certificate).

var peerDigestProperty = []string{"connection", "sha256_peer_certificate_digest"}

// checkBinding turns a verified outcome into a failure when its binding does not hold: a
// token with cnf x5t#S256 needs the matching certificate; with require_certificate_binding,
// a token without it is refused too.
func (ctx *httpContext) checkBinding(pv *config.Provider, o *policy.Outcome, cached bool) {
	if o.Claims == nil || o.Err != nil || pv.APIKeys != nil {
		return
	}
	b := ctx.reads(pv, o.Claims, cached).binding // claimread.go: read once per claims
	if err := policy.CheckBinding(b, pv.RequireCertificateBinding, peerThumbprint); err != nil {
		o.Claims, o.Err = nil, err
	}
}

// peerThumbprint is the verified client certificate's SHA-256 as base64url without padding
// (the x5t#S256 form); false without a client certificate.
func peerThumbprint() (string, bool) {
	b, err := proxywasm.GetProperty(peerDigestProperty)
	if err != nil {
		return "", false
	}
	return policy.ThumbprintFromHex(string(b))
}
