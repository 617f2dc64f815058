package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Hints for API keys, certificate binding and the request body.

// credentialHints explains api_key_*, certificate_* and body_* denials; pv is the provider
// whose outcome gave the code (nil for the body codes).
func (x *explanation) credentialHints(pv *config.Provider, add func(string, ...any)) {
	switch x.decision.Code {
	case policy.CodeAPIKeyInvalid:
		sum := sha256.Sum256([]byte(x.token))
		if config.LooksLikeJWT(x.token) {
			add("the credential looks like a JWT, but this rule accepts only API keys (%s); add a JWT provider to its requires", strings.Join(keyProviders(x.providers), ", "))
			break
		}
		add("no key of provider %s has the digest sha256:%s of this credential; `jwtctl hash-key` prints the digest that goes in api_keys", providerName(pv), hex.EncodeToString(sum[:]))
	case policy.CodeAPIKeyExpired:
		if k := x.apiKey(pv); k != nil {
			add("key %q expired at %s (expires_at); now %s: issue a new key", k.Name, k.ExpiresAt.UTC().Format(time.RFC3339), x.now.Format(time.RFC3339))
		}
	case policy.CodeCertificateRequired:
		if b := x.binding(); b.Bound {
			add("the token is bound to a client certificate (cnf x5t#S256 %q); give the connection's verified certificate with -client-cert-sha256 HEX (Envoy: connection.sha256_peer_certificate_digest; the client must use mutual TLS)", b.Thumbprint)
		} else {
			add("provider %s has require_certificate_binding: the token needs cnf x5t#S256, the SHA-256 thumbprint of the client certificate (RFC 8705); have the IdP issue certificate-bound tokens", providerName(pv))
		}
	case policy.CodeCertificateMismatch:
		b := x.binding()
		switch {
		case !b.String:
			add("the token's cnf x5t#S256 is not a string: no certificate matches it")
		default:
			add("the token's cnf x5t#S256 is %q, the client certificate's thumbprint is %q: the token was issued to another client certificate", b.Thumbprint, x.in.peer)
		}
	case policy.CodeBodyTooLarge:
		add("limits.max_body_bytes is %d; rule %s reads the body, which the filter buffers up to that size", x.cfg.MaxBodyBytes, x.route.Rule.Name)
	case policy.CodeBodyInvalid:
		add("rule %s has conditions on body fields: the body must be a JSON object (a request without a body, or with another format, is refused)", x.route.Rule.Name)
	}
}

// keySourceHints explains a key refused for its source address.
func (x *explanation) keySourceHints(pv *config.Provider, add func(string, ...any)) {
	k := x.apiKey(pv)
	if k == nil {
		return
	}
	src := x.keySources[pv.Name]
	switch {
	case src.IsValid():
		add("key %q allows source_ips %v; the client address is %s (%s)", k.Name, k.SourceIPs, src, sourceFrom(pv))
	case pv.APIKeys.TrustedHops > 0:
		add("key %q allows source_ips %v; with trusted_hops %d the client address is entry %d from the right of x-forwarded-for: give it with -header x-forwarded-for=...", k.Name, k.SourceIPs, pv.APIKeys.TrustedHops, pv.APIKeys.TrustedHops)
	default:
		add("key %q allows source_ips %v; give the client address with -source IP", k.Name, k.SourceIPs)
	}
}

// apiKey is pv's key whose digest is the credential's, nil when none.
func (x *explanation) apiKey(pv *config.Provider) *config.APIKey {
	if pv == nil || pv.APIKeys == nil {
		return nil
	}
	sum := sha256.Sum256([]byte(x.token))
	for i := range pv.APIKeys.Keys {
		if pv.APIKeys.Keys[i].Digest == sum {
			return &pv.APIKeys.Keys[i]
		}
	}
	return nil
}

// binding is the token's certificate binding, read from its (unverified) claims.
func (x *explanation) binding() policy.Binding {
	if x.tok == nil {
		return policy.Binding{}
	}
	return policy.ReadBinding(x.tok.UnverifiedClaims())
}

func providerName(pv *config.Provider) string {
	if pv == nil {
		return "?"
	}
	return pv.Name
}
