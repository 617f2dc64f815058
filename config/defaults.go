package config

import (
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/tokencache"
)

// Every default and bound of the configuration, each with its reason. REFERENCE.md (and the
// README table) repeat these words; change both together.
const (
	// Envoy jwt_authn's default: tokens come from `Authorization: Bearer <token>` (RFC 6750 2.1).
	DefaultHeader      = "authorization"
	DefaultValuePrefix = "Bearer "

	// Envoy's default clock_skew_seconds: 60 s, enough for NTP-synced hosts.
	DefaultClockSkewSeconds = 60
	// A larger skew than an hour makes exp meaningless; it is almost surely a unit mistake.
	MaxClockSkewSeconds = 3600

	// OIDC's own name for the caller (sub); AIP-style setups set azp, appid or email instead.
	DefaultIdentityClaim = "sub"

	// Envoy makes http_uri.timeout required; we default it instead. 5 s lets an IdP behind a
	// cold cluster (Keycloak in a Kind cluster, the AIP guide) answer, and a request paused for
	// keys waits at most this long.
	DefaultTimeout = 5 * time.Second
	// A longer timeout holds paused requests for too long; fail closed sooner.
	MaxTimeout = 60 * time.Second

	// Envoy's default cache_duration: 600 s (10 minutes).
	DefaultCacheDuration = 600 * time.Second
	// Below one second the filter would fetch keys on nearly every request.
	MinCacheDuration = time.Second

	// Remote key fetching (FetchPolicy); the defaults equal jwks.Defaults.
	// Access tokens live 5-60 min: with an hour of grace, tokens issued before an IdP outage
	// run their course. "0s" drops keys when their lifetime ends.
	DefaultGracePeriod = time.Hour
	// Serving keys the IdP may have revoked for more than a day is an outage to fix, not to ride out.
	MaxGracePeriod = 24 * time.Hour
	// Forged tokens with random kids cause at most 2 fetches a minute.
	DefaultRefetchCooldown = 30 * time.Second
	// Under a second a kid burst hammers the IdP; over an hour rotated keys are refused too long.
	MinRefetchCooldown = time.Second
	MaxRefetchCooldown = time.Hour
	// Bounds applied to the IdP's Cache-Control max-age: a max-age of 0 or no-store must not
	// turn into a fetch per request, and rotated keys must show up within a day whatever the
	// IdP says.
	DefaultMinCacheDuration = 30 * time.Second
	DefaultMaxCacheDuration = 24 * time.Hour
	// Neither bound may exceed a week: revoked keys must leave the cache eventually.
	MaxCacheBound = 7 * 24 * time.Hour
	// Every IdP we know of publishes under 10 keys (a few KiB); 256 KiB leaves room and bounds
	// what one response costs every VM that parses it.
	DefaultMaxResponseBytes = 256 << 10
	MinMaxResponseBytes     = 1 << 10 // a JWKS with one RSA key needs about 500 bytes
	MaxMaxResponseBytes     = 4 << 20

	// Bounds on a single token; jwt.MaxTokenBytes (16 KiB) fits every IdP token we know of
	// (Keycloak tokens with many roles stay under 8 KiB).
	DefaultMaxTokenBytes = jwt.MaxTokenBytes
	MinMaxTokenBytes     = 256     // smaller cannot hold a signed RS256 token
	MaxMaxTokenBytes     = 1 << 20 // anything bigger is not a bearer token

	// Envoy's default max_request_headers_kb is 60 KiB, so no single header exceeds 64 KiB
	// unless the operator raised that limit too; the filter then answers 431 itself.
	DefaultMaxHeaderBytes = 64 << 10
	MaxMaxHeaderBytes     = 1 << 20

	// Rules with body conditions buffer the body inside the VM (one per worker and request):
	// 64 KiB by default, 4 MiB at most.
	DefaultMaxBodyBytes = 64 << 10
	MaxMaxBodyBytes     = 4 << 20

	// The verified-token cache (token_cache), one per VM: the defaults are tokencache's. An
	// entry costs the token, its payload and ~0.4 KB, so 10,000 ~1 KB tokens fit in 8 MiB.
	// 0 entries disables the cache. A million entries is far past any worker's hot set; under
	// 64 KiB a generation holds a few tokens only; 256 MiB is a VM's whole heap and more.
	DefaultTokenCacheEntries = tokencache.DefaultMaxEntries
	MaxTokenCacheEntries     = 1_000_000
	DefaultTokenCacheBytes   = tokencache.DefaultMaxBytes
	MinTokenCacheBytes       = 64 << 10
	MaxTokenCacheBytes       = 256 << 20

	// Inmanta asks for a key "with minimal length equal to the length of the HMAC (HS256 ==
	// 256)"; RFC 7518 3.2 requires it: a shorter HMAC secret is refused.
	MinSecretBytes = 32

	// The plugin configuration lives in a WasmPlugin/Envoy resource; 1 MiB holds many inline
	// key sets and a thousand rules, and bounds what a bad config costs to parse.
	MaxConfigBytes = 1 << 20
	// Nesting deeper than this is never a real configuration.
	maxDepth = 32
	// requires_any/requires_all nest at most this deep; Envoy configs use two levels.
	maxRequirementDepth = 4
)

// RequireExpiration defaults to true: a token without exp never expires, and a leaked one
// stays valid forever. Envoy accepts such tokens unless require_expiration is set; the
// guides' IdPs (Keycloak, Dex, Okta, Auth0, Azure AD) always set exp, and Inmanta issues
// non-expiring tokens only on request (expire = 0), so operators opt in per provider with
// "require_expiration": false.
const DefaultRequireExpiration = true

// DefaultAlgorithms are allowed when a provider names none: every asymmetric JWS algorithm we
// verify (DESIGN.md). HMAC is added only when the provider's local keys hold an oct key,
// since an HS* token verified against a public key is the classic confusion attack.
var DefaultAlgorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

// HMACAlgorithms are allowed only with an oct key in local_jwks.
var HMACAlgorithms = []string{"HS256", "HS384", "HS512"}

// WellKnownOpenIDConfiguration is appended to the issuer when oidc.uri is absent (OIDC
// Discovery 1.0, section 4).
const WellKnownOpenIDConfiguration = "/.well-known/openid-configuration"

// minimalConfig is shown when the configuration is empty.
const minimalConfig = `{"providers":{"idp":{"issuer":"https://idp.example.com",` +
	`"remote_jwks":{"cluster":"idp","uri":"https://idp.example.com/jwks"}}},` +
	`"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"idp"}}]}`
