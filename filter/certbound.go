package filter

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Certificate-bound access tokens (RFC 8705 section 3): a token with cnf["x5t#S256"] is
// accepted only over a connection whose verified client certificate has that SHA-256
// thumbprint. Envoy gives the thumbprint as the hex property
// connection.sha256_peer_certificate_digest (set only for a validated peer certificate).

var (
	errCertificateRequired = &policy.Denial{Status: 401, Code: policy.CodeCertificateRequired,
		Message: "token must be bound to a client certificate, presented over mutual TLS"}
	errCertificateMismatch = &policy.Denial{Status: 401, Code: policy.CodeCertificateMismatch,
		Message: "token is bound to another client certificate"}
)

var peerDigestProperty = []string{"connection", "sha256_peer_certificate_digest"}

// thumbprintPath reads cnf["x5t#S256"]: '#' is a gjson query character, hence escaped.
var thumbprintPath = "cnf." + gjson.Escape("x5t#S256")

// checkBinding turns a verified outcome into a failure when its binding does not hold: a
// token with cnf x5t#S256 needs the matching certificate; with require_certificate_binding,
// a token without it is refused too.
func (ctx *httpContext) checkBinding(pv *config.Provider, o *policy.Outcome, cached bool) {
	if o.Claims == nil || o.Err != nil || pv.APIKeys != nil {
		return
	}
	want := ctx.reads(pv, o.Claims, cached) // claimread.go: read once per claims
	if !want.bound {
		if pv.RequireCertificateBinding {
			o.Claims, o.Err = nil, errCertificateRequired
		}
		return
	}
	got, ok := peerThumbprint()
	switch {
	case !want.boundStr:
		o.Claims, o.Err = nil, errCertificateMismatch
	case !ok:
		o.Claims, o.Err = nil, errCertificateRequired
	case subtle.ConstantTimeCompare([]byte(want.thumb), []byte(got)) != 1:
		o.Claims, o.Err = nil, errCertificateMismatch
	}
}

// peerThumbprint is the verified client certificate's SHA-256 as base64url without padding
// (the x5t#S256 form); false without a client certificate.
func peerThumbprint() (string, bool) {
	b, err := proxywasm.GetProperty(peerDigestProperty)
	if err != nil {
		return "", false
	}
	return thumbprintFromHex(string(b))
}

func thumbprintFromHex(h string) (string, bool) {
	if len(h) != 64 {
		return "", false
	}
	sum, err := hex.DecodeString(h)
	if err != nil {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(sum), true
}
