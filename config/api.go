// Package config turns the plugin configuration (JSON) into validated, immutable structs.
// Parsing is pure; every problem is reported at once, each naming its JSON path and the fix.
package config

import (
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Config is the whole plugin configuration, validated.
type Config struct {
	Providers []*Provider          // sorted by name
	ByName    map[string]*Provider //
	ByIssuer  map[string]*Provider // providers with an issuer; the rest are in AnyIssuer
	AnyIssuer []*Provider          // providers without `issuer` (accept any iss), sorted by name
	Policy    *policy.Engine
	Reply     policy.Format // the global `reply`; Policy.ReplyFormat falls back to it

	MaxTokenBytes  int // longer tokens are rejected before parsing (401)
	MaxHeaderBytes int // a credential header longer than this -> 431
	MaxBodyBytes   int // rules with body conditions buffer at most this much; more -> 413

	// The verified-token cache per VM (token_cache): at most TokenCacheEntries entries and
	// about TokenCacheBytes bytes. TokenCacheEntries == 0 means no cache: every token is
	// verified on every request (TokenCacheDisabled).
	TokenCacheEntries int
	TokenCacheBytes   int
}

// TokenCacheDisabled reports whether token_cache.max_entries is 0: no cache lookups, no stores.
func (c *Config) TokenCacheDisabled() bool { return c.TokenCacheEntries <= 0 }

// Provider is one token issuer, as in Envoy jwt_authn's JwtProvider.
type Provider struct {
	Name       string
	Issuer     string
	Audiences  []string
	Algorithms []string // effective allowlist (defaults filled in)

	LocalKeys  *jwks.Set   // local_jwks (inline JWKS string/object, PEM, secret); nil when remote
	RemoteJWKS *RemoteJWKS // nil when local
	Discovery  *Discovery  // oidc discovery; nil when not configured

	Sources              []Source // where the token is looked for, in order
	Forward              bool     // keep the token in the request sent upstream
	ForwardPayloadHeader string   // header receiving the base64url payload, "" = none
	ClaimToHeaders       []ClaimToHeader
	IdentityClaim        string // claim naming the caller (default "sub")
	IdentityHeader       string // header receiving the identity claim's value upstream; "" = none

	// APIKeys makes this a provider of kind api_keys (no JWT keys, no issuer); nil otherwise.
	APIKeys *APIKeys
	// RequireCertificateBinding: tokens must carry cnf["x5t#S256"] matching the client
	// certificate (RFC 8705). Without it, a token that carries the claim is still checked.
	RequireCertificateBinding bool

	ClockSkew         time.Duration
	RequireExpiration bool
	MaxLifetime       time.Duration
}

// RemoteJWKS is fetched through an Envoy cluster by an HTTP callout.
type RemoteJWKS struct {
	Fetch // URI as configured
}

// Discovery fetches /.well-known/openid-configuration, checks its issuer, then its jwks_uri.
// URI defaults to Issuer + "/.well-known/openid-configuration"; the Fetch settings apply to
// the discovery document and to the keys it names.
type Discovery struct {
	Fetch
}

// Fetch is a document fetched by an HTTP callout through an Envoy cluster.
type Fetch struct {
	Cluster       string
	URI           string
	Authority     string // host[:port] of URI, sent as :authority
	Path          string // path and query of URI, sent as :path
	Timeout       time.Duration
	CacheDuration time.Duration
	FetchPolicy   // grace_period, refetch_cooldown, min/max_cache_duration, max_response_bytes
}

// SourceKind is where a token is carried.
type SourceKind uint8

const (
	FromHeader SourceKind = iota + 1
	FromParam
	FromCookie
)

// Source is one token location. Default: header "authorization" with prefix "Bearer ".
type Source struct {
	Kind        SourceKind
	Name        string // header names lower-case
	ValuePrefix string // for headers; matched case-insensitively, e.g. "Bearer "
}

// ClaimToHeader copies a claim to a request header sent upstream.
type ClaimToHeader struct {
	Header string // lower-case
	Claim  string // gjson path
}

// Expected builds what jwt.Verify checks for this provider at time now.
func (p *Provider) Expected(now time.Time) *jwt.Expected {
	return &jwt.Expected{
		Issuer:            p.Issuer,
		Audiences:         p.Audiences,
		Algorithms:        p.Algorithms,
		ClockSkew:         p.ClockSkew,
		RequireExpiration: p.RequireExpiration,
		MaxLifetime:       p.MaxLifetime,
		Now:               now,
	}
}

// FieldError is one problem: `path: problem (fix)`.
type FieldError struct {
	Path    string // "providers.kc.remote_jwks.cluster", "rules[2].requires.provider_name"
	Problem string
	Fix     string
}

func (e *FieldError) Error() string {
	if e.Fix == "" {
		return e.Path + ": " + e.Problem
	}
	return e.Path + ": " + e.Problem + " (" + e.Fix + ")"
}
