package filter

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Metric names, all under one prefix; Envoy lists proxy-wasm metrics under its "wasmcustom."
// stats scope, so the full Envoy name is wasmcustom.jwt_proxy_wasm.…. Counters:
//
//	jwt_proxy_wasm.allowed                          every request let through (public routes too)
//	jwt_proxy_wasm.allowed.public                   of those, requests on a public route
//	jwt_proxy_wasm.denied                           every local reply (401, 403, 431, 500)
//	jwt_proxy_wasm.denied.<code>                    denials by reason code (token_missing, token_expired, ...)
//	jwt_proxy_wasm.provider.<name>.allowed          allowed with a token verified by provider <name>
//	jwt_proxy_wasm.provider.<name>.denied           denied while provider <name> judged the token
//	jwt_proxy_wasm.provider.<name>.jwks_fetch_ok    remote key set fetched and parsed
//	jwt_proxy_wasm.provider.<name>.jwks_fetch_failed remote key set fetch failed (status, body, timeout)
//	jwt_proxy_wasm.provider.<name>.jwks_fetch.<result>      key set fetches by jwks.Result (remote.go)
//	jwt_proxy_wasm.provider.<name>.discovery_fetch.<result> OIDC discovery fetches by result (oidc providers)
//
// where <result> is one of fetchResults (refresh.go; all declared at start): ok, no_response,
// http_status, too_large, too_many_keys, no_usable_keys, malformed, issuer_mismatch,
// bad_discovery, url_changed, error.
//
// Gauges, per provider with remote keys (refresh.go; set on every tick and when keys change):
//
//	jwt_proxy_wasm.provider.<name>.jwks_keys        keys in the set in use (0: none usable)
//	jwt_proxy_wasm.provider.<name>.jwks_age_seconds age of that set
//	jwt_proxy_wasm.provider.<name>.jwks_state       1 empty, 2 fetching, 3 fresh, 4 stale (in grace), 5 failed
const metricPrefix = "jwt_proxy_wasm."

// Codes the filter itself answers with (the rest come from jwt.AllErrors and policy.Codes).
const (
	codeTokenAmbiguous = "token_ambiguous"
	codeHeaderTooLarge = "header_too_large"
	codeNoRoute        = policy.CodeNoRoute
	codeInternal       = "internal_error"
)

// knownCodes are defined at plugin start, so dashboards see zeros instead of missing series.
func knownCodes() []string {
	codes := []string{codeTokenAmbiguous, codeHeaderTooLarge, codeInternal}
	codes = append(codes, policy.Codes...)
	for _, e := range jwt.AllErrors {
		codes = append(codes, e.Code())
	}
	return codes
}

// maxMetrics bounds how many names one plugin defines: codes come from closed lists, but a
// bug there must not turn into unbounded host memory.
const maxMetrics = 512

// counter is a proxy-wasm counter (an interface so metrics can be tested without a host).
type counter interface{ Increment(offset uint64) }

type metrics struct {
	define func(name string) counter
	byName map[string]counter
	// The counters of the request path, resolved once: in wasm, building "provider.<p>.allowed"
	// and hashing it on every request cost as much as the two increments themselves.
	allowedC, publicC, deniedC counter
	byProvider                 map[string]providerCounters // provider name -> its counters
	byCode                     map[string]counter          // reason code as given -> denied.<code>
}

type providerCounters struct{ allowed, denied counter }

func newMetrics(define func(name string) counter) *metrics {
	if define == nil {
		define = func(name string) counter { return proxywasm.DefineCounterMetric(name) }
	}
	return &metrics{define: define, byName: map[string]counter{},
		byProvider: map[string]providerCounters{}, byCode: map[string]counter{}}
}

// declare defines the counters known at plugin start.
func (m *metrics) declare(providers []string) {
	m.get("allowed")
	m.get("allowed.public")
	m.get("denied")
	for _, c := range knownCodes() {
		m.get("denied." + c)
	}
	for _, p := range providers {
		for _, s := range []string{"allowed", "denied", "jwks_fetch_ok", "jwks_fetch_failed"} {
			m.get("provider." + p + "." + s)
		}
	}
}

// get returns the counter named metricPrefix+name, defining it once.
func (m *metrics) get(name string) counter {
	if c, ok := m.byName[name]; ok {
		return c
	}
	if len(m.byName) >= maxMetrics {
		name = "overflow"
		if c, ok := m.byName[name]; ok {
			return c
		}
	}
	c := m.define(metricPrefix + name)
	m.byName[name] = c
	return c
}

func (m *metrics) inc(name string) { m.get(name).Increment(1) }

// allowed counts a request let through; provider is "" for public routes or no principal.
func (m *metrics) allowed(provider string, public bool) {
	if m.allowedC == nil {
		m.allowedC, m.publicC, m.deniedC = m.get("allowed"), m.get("allowed.public"), m.get("denied")
	}
	m.allowedC.Increment(1)
	if public {
		m.publicC.Increment(1)
	}
	if provider != "" {
		m.provider(provider).allowed.Increment(1)
	}
}

// denied counts a local reply by reason code, and against the provider that judged the token.
func (m *metrics) denied(code, provider string) {
	if m.allowedC == nil {
		m.allowedC, m.publicC, m.deniedC = m.get("allowed"), m.get("allowed.public"), m.get("denied")
	}
	m.deniedC.Increment(1)
	c, ok := m.byCode[code]
	if !ok {
		c = m.get("denied." + metricSafe(code))
		if len(m.byCode) < maxMetrics { // codes come from closed lists; the bound is a backstop
			m.byCode[code] = c
		}
	}
	c.Increment(1)
	if provider != "" {
		m.provider(provider).denied.Increment(1)
	}
}

// provider returns the request-path counters of a provider, resolved once.
func (m *metrics) provider(name string) providerCounters {
	pc, ok := m.byProvider[name]
	if !ok {
		pc = providerCounters{m.get("provider." + name + ".allowed"), m.get("provider." + name + ".denied")}
		if len(m.byProvider) < maxMetrics {
			m.byProvider[name] = pc
		}
	}
	return pc
}

// metricSafe keeps a code to [a-z0-9_] so a surprising code cannot forge a metric path.
func metricSafe(code string) string {
	if code == "" {
		return "unknown"
	}
	b := []byte(code)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
