package filter

import (
	"encoding/base64"
	"strings"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// What the filter reads from a principal's claims on every request it allows: the claim
// headers, the forwarded payload, the identity header and the certificate binding. Each read
// is a gjson scan of the payload, 2-4 us apiece in wasm, which made them a quarter of a
// cached-token request. Verified claims never change (jwt.Claims is read-only), and a cache
// hit hands back the same *jwt.Claims, so the reads of a token seen again (a cache hit) are
// remembered per (claims, provider); a token seen once is read once per request. The memo
// holds its keys, so a pointer cannot be reused for other claims while it is remembered; it
// is cleared when full (bounded memory: it pins at most maxClaimReads payloads besides the
// token cache's, no eviction bookkeeping).

// maxClaimReads bounds the memo; more hot tokens than that per VM just redo the reads.
// The policy condition memo (conditionMemo) has the same bound, for the same reason.
const maxClaimReads = 1024

// conditionMemo is the VM's policy.Memo for the current configuration: the results of rule
// conditions that read only the claims, per cached claims (policy/memo.go).
func (p *pluginContext) conditionMemo() *policy.Memo {
	if p.condMemo == nil {
		p.condMemo = policy.NewMemo(maxClaimReads)
	}
	return p.condMemo
}

// claimReads is the outcome of reading one provider's claims.
type claimReads struct {
	headers [][2]string    // headers to set, in order: claim_to_headers, payload, identity
	binding policy.Binding // cnf x5t#S256 (certbound.go)
}

type claimReadKey struct {
	claims *jwt.Claims
	pv     *config.Provider
}

// reads returns the claim reads of claims for pv: from the memo, or from this request's last
// read, or done now. remember (a token cache hit) keeps them in the memo.
func (ctx *httpContext) reads(pv *config.Provider, claims *jwt.Claims, remember bool) *claimReads {
	k := claimReadKey{claims, pv}
	p := ctx.plugin
	if r, ok := p.claimReads[k]; ok {
		return r
	}
	r := ctx.lastReads
	if r == nil || ctx.lastReadsKey != k {
		r = readClaims(pv, claims)
		ctx.lastReads, ctx.lastReadsKey = r, k
	}
	if remember {
		if p.claimReads == nil || len(p.claimReads) >= maxClaimReads {
			p.claimReads = make(map[claimReadKey]*claimReads, 64)
		}
		p.claimReads[k] = r
	}
	return r
}

func readClaims(pv *config.Provider, claims *jwt.Claims) *claimReads {
	r := &claimReads{}
	for _, c := range pv.ClaimToHeaders {
		if v, ok := claimHeaderValue(claims.Get(c.Claim)); ok {
			r.headers = append(r.headers, [2]string{c.Header, v})
		}
	}
	if h := strings.ToLower(pv.ForwardPayloadHeader); h != "" {
		r.headers = append(r.headers, [2]string{h, base64.RawURLEncoding.EncodeToString(claims.JSON())})
	}
	if pv.IdentityHeader != "" {
		// identity_header carries the caller's identity, the provider's identity_claim (azp,
		// sub, appid, email). An incoming copy was stripped at the start of the request
		// (plugin.claimHeaders), so the header is either ours or absent.
		// The identity claim is a top-level name, taken literally ("https://x/id" is one claim).
		if v, ok := claimHeaderValue(claims.Claim(pv.IdentityClaim)); ok {
			r.headers = append(r.headers, [2]string{pv.IdentityHeader, v})
		}
	}
	r.binding = policy.ReadBinding(claims)
	return r
}
