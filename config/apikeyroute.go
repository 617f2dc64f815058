package config

import (
	"net/netip"
	"strings"
)

// Which provider judges a bearer credential on a rule that has api_keys providers, and the
// client address a key's source_ips are checked against. The filter and jwtctl check both
// use these, so they cannot drift.

// MaxForwardedEntries bounds how much of x-forwarded-for is split.
const MaxForwardedEntries = 64

// KeyShaped reports whether cred is for the rule's api_keys provider: it is not JWT-shaped
// and one of providers is an api_keys provider. The rule's JWT providers then see no token
// rather than a malformed one.
func KeyShaped(cred string, providers []*Provider) bool {
	if LooksLikeJWT(cred) {
		return false
	}
	for _, pv := range providers {
		if pv.APIKeys != nil {
			return true
		}
	}
	return false
}

// LeftToJWTProviders reports whether the rule's api_keys providers leave cred to its JWT
// providers (they see no token): cred is JWT-shaped and one of providers verifies JWTs. On
// a rule that accepts only keys, a JWT is judged as a key, hence an invalid one.
func LeftToJWTProviders(cred string, providers []*Provider) bool {
	if !LooksLikeJWT(cred) {
		return false
	}
	for _, pv := range providers {
		if pv.APIKeys == nil {
			return true
		}
	}
	return false
}

// ForwardedAddress is the client address behind hops trusted proxies: the hops-th address
// from the right of x-forwarded-for, over all its header values in order (only the last
// MaxForwardedEntries entries are kept). Too few entries, or one that is not an address
// ("ip" or "ip:port"), give an invalid address: no allowlist admits it.
func ForwardedAddress(forwardedFor []string, hops int) netip.Addr {
	if hops <= 0 {
		return netip.Addr{}
	}
	var entries []string
	for _, v := range forwardedFor {
		for e := range strings.SplitSeq(v, ",") {
			if len(entries) == MaxForwardedEntries {
				entries = entries[1:] // only the right end matters
			}
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	if len(entries) < hops {
		return netip.Addr{}
	}
	s := entries[len(entries)-hops]
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
