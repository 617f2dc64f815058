package filter

import (
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/tokencache"
)

// The verified-token cache (issue 7): one per plugin context, so per VM and configuration.
// A token a provider verified with its current keys skips parsing and the signature check on
// the next request; its claims are still checked against the clock and the rules.

// tokenCache is the cache sized by the configuration's token_cache, made on first use (a VM
// that sees no tokens pays nothing), or nil when token_cache.max_entries is 0.
func (p *pluginContext) tokenCache() *tokencache.Cache {
	if p.tokens == nil && !p.cfg.TokenCacheDisabled() {
		p.tokens = tokencache.New(p.cfg.TokenCacheEntries, p.cfg.TokenCacheBytes)
	}
	return p.tokens
}

// cachedOutcome fills o when pv verified token with the keys it holds now, and reports
// whether it did. Only the time is checked: the entry's jwt.Validity, computed when the token
// was verified, holds exactly when jwt.CheckClaims would pass now; when it does not (or the
// entry has none), jwt.CheckClaims runs and gives the error.
func (p *pluginContext) cachedOutcome(token string, pv *config.Provider, ks *keyState, o *policy.Outcome, now time.Time) (ok bool) {
	c := p.tokenCache()
	if c == nil || ks == nil {
		return false
	}
	set := ks.set
	if ks.remote() {
		// The keys usable now, as keySet's fast path reads them: ks.set is only the last
		// look, and a refresh must not leave hits on the old keys.
		if set, ok = ks.keys.c.Value(now); !ok {
			return false
		}
	}
	if set == nil {
		return false
	}
	claims, valid, ok := c.GetChecked(c.Key(token, pv.Name), p.keyVersion(ks, set), now)
	if !ok {
		return false
	}
	if valid.Holds(now) {
		o.Claims = claims
	} else if err := jwt.CheckClaims(claims, ks.expected(now)); err != nil {
		o.Err = err
	} else {
		o.Claims = claims
	}
	return true
}

// cacheVerified remembers that pv verified tok (whose claims are claims) with ks's keys.
// Call it only after jwt.Verify succeeded: failures are never cached.
func (p *pluginContext) cacheVerified(tok *jwt.Token, pv *config.Provider, ks *keyState, claims *jwt.Claims, now time.Time) {
	c := p.tokenCache()
	if c == nil {
		return
	}
	valid, err := jwt.ValidityOf(claims, ks.expected(now))
	if err != nil {
		valid = jwt.Validity{} // never holds: hits run jwt.CheckClaims (Verify passed it, so unexpected)
	}
	// tok.Raw, a copy of the header's token: the entry must not pin the request's headers.
	c.PutChecked(c.Key(tok.Raw, pv.Name), p.keyVersion(ks, ks.set), claims, valid, now)
}

// keyVersion is p.keyVersions.Of(provider, set), remembered in ks for its last set: the
// common case (the same keys as on the last request) costs a pointer compare instead of a
// map lookup by name. Versions gives a set a new number whenever the provider's set changes,
// and so does this (a different pointer asks Versions again).
func (p *pluginContext) keyVersion(ks *keyState, set *jwks.Set) uint64 {
	if set != ks.verSet || ks.verSet == nil {
		ks.verSet, ks.ver = set, p.keyVersions.Of(ks.provider.Name, set)
	}
	return ks.ver
}
