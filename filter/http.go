package filter

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// streamState follows Envoy jwt_authn's filter: a callback arriving after the stream was
// answered or finished finds a state other than stateCalling and does nothing.
type streamState uint8

const (
	stateInit      streamState = iota // request headers not decided yet
	stateCalling                      // paused until a provider's keys arrive
	stateResponded                    // a local reply was sent
	stateComplete                     // let through, or the stream ended
)

// httpContext implements types.HttpContext: one per request.
type httpContext struct {
	types.DefaultHttpContext
	id      uint32
	plugin  *pluginContext
	state   streamState
	headers headerMap        // request headers as received, minus the stripped claim headers
	path    string           // :path as received (with query)
	req     *policy.Request  // what policy sees: &reqv
	reqv    policy.Request   // req's storage: one allocation per request fewer
	where   [2]config.Source // storage of the extracted token's sources (extractToken)
	fresh   bool             // verify checked a signature: the token was not in the cache
	tried   map[string]bool  // providers whose key fetch this request already waited for
	body    *bodyWait        // a decision waiting for the request body (body.go)
	srcRead bool             // req.Source was read (needSource)

	lastReads    *claimReads // claimread.go: the last claims read, for a token seen once
	lastReadsKey claimReadKey
}

// OnHttpRequestHeaders implements types.HttpContext.
func (ctx *httpContext) OnHttpRequestHeaders(_ int, endOfStream bool) (action types.Action) {
	defer ctx.recoverPanic("request headers", &action)
	if ctx.plugin.cfg == nil {
		// Envoy creates no stream for a plugin that failed to start; if a host does, refuse.
		ctx.internalError()
		return types.ActionPause
	}
	pairs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		panic(fmt.Sprintf("reading request headers: %v", err))
	}
	ctx.headers = newHeaderMap(pairs)
	ctx.stripClaimHeaders()
	ctx.path, _ = ctx.headers.first(":path")
	fillRequest(&ctx.reqv, ctx.headers, netip.Addr{}) // the source is read when a rule needs it
	ctx.req = &ctx.reqv
	ctx.req.BodyPending = !endOfStream // rules with body conditions finish in body.go
	return ctx.run()
}

// OnHttpStreamDone implements types.HttpContext.
func (ctx *httpContext) OnHttpStreamDone() {
	ctx.state = stateComplete
	ctx.plugin.streamDone(ctx)
}

// resume re-runs the decision of a paused request once its keys arrived (or failed).
func (ctx *httpContext) resume() {
	var action types.Action
	defer ctx.recoverPanic("resume", &action)
	ctx.state = stateInit
	if ctx.run() == types.ActionContinue {
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogErrorf("cannot resume request %d: %v", ctx.id, err)
		}
	}
}

// recoverPanic turns a panic in a callback into a logged 500: fail closed, keep the VM.
func (ctx *httpContext) recoverPanic(where string, action *types.Action) {
	r := recover()
	if r == nil {
		return
	}
	proxywasm.LogCriticalf("panic in %s of request %d: %v", where, ctx.id, r)
	*action = types.ActionPause
	if ctx.state != stateResponded {
		ctx.internalError()
	}
}

// stripClaimHeaders removes incoming copies of every header the filter sets, on every route,
// so a client cannot pose as a verified caller.
func (ctx *httpContext) stripClaimHeaders() {
	for _, h := range ctx.plugin.claimHeaders {
		if _, ok := ctx.headers.first(h); ok {
			ctx.headers = ctx.headers.without(h)
			if err := proxywasm.RemoveHttpRequestHeader(h); err != nil {
				panic(fmt.Sprintf("removing spoofed header %s: %v", h, err))
			}
		}
	}
}

// newRequest builds what policy sees from the request headers and the source address.
func newRequest(h headerMap, src netip.Addr) *policy.Request {
	r := &policy.Request{}
	fillRequest(r, h, src)
	return r
}

// fillRequest sets r to what policy sees of a request; the pseudo-headers are read in one
// pass over the headers.
func fillRequest(r *policy.Request, h headerMap, src netip.Addr) {
	var path, method, scheme, authority string
	for _, p := range h {
		if len(p[0]) == 0 || p[0][0] != ':' {
			continue
		}
		switch p[0] {
		case ":path":
			path = first(path, p[1])
		case ":method":
			method = first(method, p[1])
		case ":scheme":
			scheme = first(scheme, p[1])
		case ":authority":
			authority = first(authority, p[1])
		}
	}
	path, query, _ := strings.Cut(path, "?")
	if hasUpper(authority) {
		authority = strings.ToLower(authority)
	}
	*r = policy.Request{Method: method, Scheme: scheme, Host: authority, Path: path, Query: query, Header: h.first, Source: src}
}

// first keeps the first value of a header seen twice (headerMap.first's rule).
func first(seen, v string) string {
	if seen != "" {
		return seen
	}
	return v
}

// hasUpper reports whether strings.ToLower could change s (an ASCII upper-case letter, or any
// non-ASCII byte); most authorities have neither, and ToLower is then skipped.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// sourceAddress reads Envoy's source.address ("ip:port"); invalid when unknown.
func sourceAddress() netip.Addr {
	b, err := proxywasm.GetProperty([]string{"source", "address"})
	if err != nil {
		return netip.Addr{}
	}
	return parseAddress(string(b))
}

func parseAddress(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

// needSource reads source.address into req.Source, once per request. Only rules with
// source_ips and api_keys providers look at it: reading it for every request cost a host
// call and a parse (about 5 us in wasm), as much as the whole rest of a public route.
func (ctx *httpContext) needSource() {
	if !ctx.srcRead {
		ctx.srcRead = true
		ctx.req.Source = sourceAddress()
	}
}

// run decides the request: continue, a local reply, or a pause until keys arrive.
func (ctx *httpContext) run() types.Action {
	p := ctx.plugin
	cfg := p.cfg
	route, ok := cfg.Policy.Match(ctx.req)
	if !ok || route.Rule == nil {
		// policy answers 403 no_route, or 400 path_rejected for an ambiguous path. There is
		// no rule, hence the default rule's format or the global reply.
		d := cfg.Policy.Decide(route, nil, ctx.req)
		if d.Allow || d.Status < 400 {
			d = policy.Decision{Status: 403, Code: codeNoRoute, Message: "no rule matches the request"}
		}
		return ctx.deny(d, cfg.Policy.ReplyFormat(route), "")
	}
	rule := route.Rule
	if len(rule.SourceRanges) > 0 {
		ctx.needSource()
	}
	if rule.Requires == nil {
		// Public: no token is read or stripped, but policy still checks source_ips.
		if d := cfg.Policy.Decide(route, nil, ctx.req); !d.Allow {
			return ctx.deny(d, rule.Format, "")
		}
		p.metrics.allowed("", true)
		ctx.state = stateComplete
		return types.ActionContinue
	}
	rp := p.requiredBy(rule)
	providers := rp.providers
	if rp.apiKeys {
		ctx.needSource() // keySource
	}

	f, err := extractToken(rp.sources, ctx.headers, ctx.req.Query, cfg.MaxHeaderBytes, cfg.MaxTokenBytes, ctx.where[:0])
	switch {
	case errors.Is(err, errHeaderTooLarge):
		proxywasm.LogDebugf("request %d: %v", ctx.id, err)
		p.metrics.denied(codeHeaderTooLarge, "")
		ctx.send(headerTooLargeReply())
		return types.ActionPause
	case errors.Is(err, errTokenAmbiguous):
		return ctx.deny(policy.Decision{Status: 401, Code: codeTokenAmbiguous, Message: "the request carries more than one token"}, rule.Format, "")
	case errors.Is(err, jwt.ErrTooLarge):
		return ctx.deny(policy.Decision{Status: 401, Code: jwt.ErrTooLarge.Code(), Message: jwt.ErrTooLarge.Description()}, rule.Format, "")
	case err != nil:
		panic(fmt.Sprintf("token extraction: %v", err))
	}

	outcomes, judged, need := ctx.verify(rp, f)
	if len(need) > 0 {
		return ctx.waitForKeys(need)
	}
	// Condition results are remembered per cached claims (policy.Memo), as claim reads are:
	// a token seen once would only fill the memo.
	ctx.req.Memo = nil
	if !ctx.fresh {
		ctx.req.Memo = p.conditionMemo()
	}
	d := cfg.Policy.Decide(route, outcomes, ctx.req)
	if !d.Allow {
		who := d.Provider
		if who == "" {
			who = judged
		}
		a := ctx.deny(d, rule.Format, who)
		p.spareOutcomes = outcomes // nothing holds it after the reply (Decision, Render do not)
		return a
	}
	ctx.allow(providers, outcomes, f)
	if a, held := ctx.holdForBody(route, outcomes, d); held { // body.go: body conditions
		return a // the body decision keeps outcomes: not reused
	}
	p.spareOutcomes = outcomes
	p.metrics.allowed(d.Provider, false)
	ctx.state = stateComplete
	return types.ActionContinue
}

// ruleProviders are a rule's required providers, resolved once per rule.
type ruleProviders struct {
	providers []*config.Provider // read-only once built
	keys      []*keyState        // keys[i] is p.keys[providers[i].Name]
	sources   []config.Source    // all their token sources, in order
	apiKeys   bool               // one is an api_keys provider (it needs the source address)
}

// requiredBy resolves rule's required providers by name on its first request and keeps
// them: rules and providers are fixed for the plugin's life, and resolving them per request
// (names, map lookups, two slices) was a visible part of a cached-token request in wasm.
func (p *pluginContext) requiredBy(rule *policy.Rule) *ruleProviders {
	if rp, ok := p.ruleProviders[rule]; ok {
		return rp
	}
	rp := &ruleProviders{}
	for _, name := range rule.RequiredProviders() {
		pv := p.cfg.ByName[name]
		if pv == nil {
			panic(fmt.Sprintf("rule %s requires unknown provider %q", rule.Name, name))
		}
		rp.providers = append(rp.providers, pv)
		rp.keys = append(rp.keys, p.keys[name])
		rp.sources = append(rp.sources, pv.Sources...)
		rp.apiKeys = rp.apiKeys || pv.APIKeys != nil
	}
	if p.ruleProviders == nil || len(p.ruleProviders) >= 1<<14 { // policy's rules are fixed; a backstop
		p.ruleProviders = map[*policy.Rule]*ruleProviders{}
	}
	p.ruleProviders[rule] = rp
	return rp
}

// verify gives each required provider its outcome for the request's token: Missing when the
// token is not in one of its sources, a failure, or verified claims. Providers whose remote
// keys are not known yet (and not yet waited for) are returned in need instead. judged is
// the provider that judged the token, for metrics.
func (ctx *httpContext) verify(rp *ruleProviders, f found) (outcomes map[string]policy.Outcome, judged string, need []*keyState) {
	providers := rp.providers
	// One map per VM, reused once a request is decided (run): in wasm a fresh map per
	// request cost about 1 us of a cached-token request.
	outcomes = ctx.plugin.spareOutcomes
	ctx.plugin.spareOutcomes = nil
	if outcomes == nil {
		outcomes = make(map[string]policy.Outcome, len(providers))
	}
	clear(outcomes)
	if f.token == "" {
		for _, pv := range providers {
			outcomes[pv.Name] = policy.Outcome{Missing: true}
		}
		return outcomes, "", nil
	}
	p := ctx.plugin
	var tok *jwt.Token
	var perr error
	iss := ""
	now := p.now() // one clock read for the request's checks (a host call in wasm)
	for i, pv := range providers {
		var o policy.Outcome
		holds := f.holds(pv.Sources)
		hit := holds && p.cachedOutcome(f.token, pv, rp.keys[i], &o, now) // tokencache.go
		if holds && !hit && tok == nil && perr == nil {
			// Parsed on a cache miss only; a copy, so a cached token does not pin the header.
			if tok, perr = jwt.Parse(strings.Clone(f.token)); perr == nil {
				iss = tok.UnverifiedIssuer() // only picks the provider; Verify checks it again
			}
		}
		switch {
		case !holds:
			o.Missing = true
		case pv.APIKeys != nil:
			o = ctx.keyOutcome(pv, f.token, providers, now) // apikey.go
		case hit:
		case perr != nil && config.KeyShaped(f.token, providers): // apikeyroute.go
			o.Missing = true // an API key, for the api_keys provider of this rule
		case perr != nil:
			o.Err = perr
		case pv.Issuer != "" && p.cfg.ByIssuer[iss] != pv:
			o.Err = fmt.Errorf("%w: %q is not %q", jwt.ErrIssuer, iss, pv.Issuer)
		default:
			ks := rp.keys[i]
			set, wait := ctx.keySet(ks) // keys.go: usable keys, or wait for a fetch, or none
			if wait {
				need = append(need, ks)
				continue
			}
			if set == nil {
				o.Err = ks.noKeys()
				break
			}
			ctx.fresh = true
			claims, err := jwt.Verify(tok, set, ks.expected(now))
			if ctx.refetchKid(ks, err) { // an unknown kid: wait for one refetch (key rotation)
				need = append(need, ks)
				continue
			}
			if err != nil {
				o.Err = err
			} else {
				o.Claims = claims
				p.cacheVerified(tok, pv, ks, claims, now)
			}
		}
		ctx.checkBinding(pv, &o, hit) // certbound.go: RFC 8705 cnf x5t#S256, per request
		outcomes[pv.Name] = o
		if judged == "" && !o.Missing {
			judged = pv.Name
		}
	}
	return outcomes, judged, need
}

// waitForKeys pauses the request on every provider whose keys are missing; when none can be
// fetched it decides again at once (those providers then fail with keys_unavailable).
func (ctx *httpContext) waitForKeys(need []*keyState) types.Action {
	if ctx.tried == nil {
		ctx.tried = map[string]bool{}
	}
	waiting := false
	for _, ks := range need {
		ctx.tried[ks.provider.Name] = true
		if ctx.plugin.join(ks, ctx.id) {
			waiting = true
		}
	}
	if !waiting {
		return ctx.run()
	}
	ctx.state = stateCalling
	return types.ActionPause
}

// allow adds the verified providers' headers and strips the token unless it is forwarded.
func (ctx *httpContext) allow(providers []*config.Provider, outcomes map[string]policy.Outcome, f found) {
	forward := false
	for _, pv := range providers {
		if f.token != "" && f.holds(pv.Sources) && pv.Forward {
			forward = true
		}
		claims := outcomes[pv.Name].Claims
		if claims == nil || outcomes[pv.Name].Err != nil {
			continue
		}
		// claim_to_headers, forward_payload_header, identity_header, in that order.
		for _, h := range ctx.reads(pv, claims, false).headers { // claimread.go
			setHeader(h[0], h[1])
		}
	}
	if f.token != "" && !forward {
		ctx.stripToken(f)
	}
}

// claimHeaderValue renders a claim for a header: a string as is, anything else as its JSON
// text. Values with control characters are dropped (no header injection).
func claimHeaderValue(r gjson.Result) (string, bool) {
	if !r.Exists() || r.Type == gjson.Null {
		return "", false
	}
	v := r.Raw
	if r.Type == gjson.String {
		v = r.Str
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return "", false
		}
	}
	return v, true
}

func setHeader(name, value string) {
	if err := proxywasm.ReplaceHttpRequestHeader(name, value); err != nil {
		panic(fmt.Sprintf("setting header %s: %v", name, err))
	}
}

// stripToken removes the token from every place it was found.
func (ctx *httpContext) stripToken(f found) {
	var params, cookies map[string]bool // made only for a token in a parameter or a cookie
	for _, s := range f.where {
		switch s.Kind {
		case config.FromHeader:
			if err := proxywasm.RemoveHttpRequestHeader(s.Name); err != nil {
				panic(fmt.Sprintf("removing header %s: %v", s.Name, err))
			}
		case config.FromParam:
			if params == nil {
				params = map[string]bool{}
			}
			params[s.Name] = true
		case config.FromCookie:
			if cookies == nil {
				cookies = map[string]bool{}
			}
			cookies[s.Name] = true
		}
	}
	if len(params) > 0 {
		setHeader(":path", stripParams(ctx.path, params))
	}
	if len(cookies) > 0 {
		if v := stripCookies(ctx.headers.values("cookie"), cookies); v != "" {
			setHeader("cookie", v)
		} else if err := proxywasm.RemoveHttpRequestHeader("cookie"); err != nil {
			panic(fmt.Sprintf("removing cookie header: %v", err))
		}
	}
}
