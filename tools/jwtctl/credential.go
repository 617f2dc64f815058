package main

import (
	"net/netip"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// API keys and certificate binding, decided with the functions the filter calls
// (filter/apikey.go, filter/certbound.go), so check cannot drift from it.

// keyOutcome authenticates the credential with an api_keys provider: a JWT-shaped one is
// left to the rule's JWT providers (no token here); anything else is looked up by digest.
func (x *explanation) keyOutcome(pv *config.Provider) policy.Outcome {
	if config.LeftToJWTProviders(x.token, x.providers) {
		return policy.Outcome{Missing: true}
	}
	src := x.keySource(pv.APIKeys.TrustedHops)
	x.keySources[pv.Name] = src
	k, err := pv.APIKeys.Authenticate(x.token, src, x.now)
	if err != nil {
		return policy.Outcome{Err: err}
	}
	return policy.Outcome{Claims: k.Claims()}
}

// keySource is the client address a key's source_ips are checked against: -source, or
// with trusted_hops the hops-th address from the right of the x-forwarded-for headers.
func (x *explanation) keySource(hops int) netip.Addr {
	if hops == 0 {
		return x.req.Source
	}
	return config.ForwardedAddress(x.in.forwardedFor, hops)
}

// checkBinding turns a verified (or, with remote keys not given, claim-checked) JWT outcome
// into a failure when its certificate binding does not hold (RFC 8705).
func (x *explanation) checkBinding(pv *config.Provider, o *policy.Outcome) {
	if o.Claims == nil || o.Err != nil || pv.APIKeys != nil {
		return
	}
	peer := func() (string, bool) { return x.in.peer, x.in.peerGiven }
	if err := policy.CheckBinding(policy.ReadBinding(o.Claims), pv.RequireCertificateBinding, peer); err != nil {
		o.Claims, o.Err = nil, err
	}
}
