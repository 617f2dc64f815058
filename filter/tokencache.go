package filter

import (
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/tokencache"
)

// The verified-token cache (issue 7): one per plugin context, so per VM and configuration.
// A token a provider verified with its current keys skips parsing and the signature check on
// the next request; its claims are still checked against the clock and the rules.

func (p *pluginContext) tokenCache() *tokencache.Cache {
	if p.tokens == nil {
		p.tokens = tokencache.New(0, 0)
	}
	return p.tokens
}

// cachedOutcome fills o when pv verified token with the keys it holds now, and reports
// whether it did. Only the claims are checked (jwt.CheckClaims), at the current time.
func (p *pluginContext) cachedOutcome(token string, pv *config.Provider, o *policy.Outcome) (ok bool) {
	ks := p.keys[pv.Name]
	if ks == nil {
		return false
	}
	now := p.now()
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
	claims, ok := p.tokenCache().Get(token, pv.Name, p.keyVersions.Of(pv.Name, set), now)
	if !ok {
		return false
	}
	if err := jwt.CheckClaims(claims, pv.Expected(now)); err != nil {
		o.Err = err
	} else {
		o.Claims = claims
	}
	return true
}

// cacheVerified remembers that pv verified tok (whose claims are claims) with ks's keys.
// Call it only after jwt.Verify succeeded: failures are never cached.
func (p *pluginContext) cacheVerified(tok *jwt.Token, pv *config.Provider, ks *keyState, claims *jwt.Claims) {
	p.tokenCache().Put(tok.Raw, pv.Name, p.keyVersions.Of(pv.Name, ks.set), claims, p.now())
}
