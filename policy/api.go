// Package policy decides requests: which rule a request matches, which providers it requires,
// what the verified claims must satisfy, and what the client is answered. Pure Go.
//
// Paths are matched after normalisation as Envoy's normalize_path + merge_slashes forward
// them ("/public/../admin" is matched as "/admin", "//a" as "/a", "/%61" as "/a"); paths with
// no single safe reading (encoded '/' or '\', raw '\', '#', control characters, bad escapes)
// match nothing and are denied with 400 "path_rejected". The index (exact paths in a map,
// other rules in a trie over their literal and capture segments) keeps matching cost nearly
// flat in the number of rules; rules with a regex lacking a literal first segment, and rules
// without a path matcher, are checked for every request.
//
// Fail closed: an absent claim, an unreadable claim type or a request value that is absent
// never satisfies a condition, negated or not; allow_missing(_or_failed) rules that have
// conditions ask for a token (401) instead of allowing without claims.
package policy

import (
	"net/netip"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// Request is what the filter knows of a request when it decides.
type Request struct {
	Method string
	Scheme string
	Host   string                           // :authority, lower-case, port kept
	Path   string                           // :path without the query string, as sent (not unescaped)
	Query  string                           // raw query after '?', "" when none
	Header func(name string) (string, bool) // lower-case names; nil means no headers
	Source netip.Addr                       // downstream address; invalid when unknown
	// Body is the whole request body, for rules with body conditions (see body.go).
	// BodyPending: the body is still to come; body conditions are not judged yet.
	Body        []byte
	BodyPending bool
	// Memo (optional) remembers the results of conditions that read only the claims, per
	// verified claims (see Memo); nil evaluates every condition.
	Memo *Memo
}

// Rule is one entry of the configuration's `rules`, compiled by config.
type Rule struct {
	Name string // "rules[3]" or the operator's `name`

	// Match: all set fields must hold. Exactly one of Path, Prefix, Template, Regex (or none: any path).
	Path     string   // exact
	Prefix   string   // prefix
	Template string   // "/api/v1/tenants/{tenant}/nodes", "{name}" = one segment, "{name...}" = rest (last only)
	Regex    string   // RE2 over the path
	Methods  []string // upper-case; empty = any
	Hosts    []string // exact (lower-case) or "*.example.com"; empty = any

	// SourceRanges allowlists the downstream address; empty = any. A request from elsewhere is
	// denied (403, code "source_not_allowed") after authentication.
	SourceRanges []netip.Prefix

	Requires   *Requirement // nil: public, no token needed
	providers  []string     // Requires.Providers(), computed once by New
	memo       []bool       // per condition: its result may be remembered (memoizable), set by New
	Conditions []Condition  // all must hold on the principal's claims; none when public
	Format     Format
}

// Requirement follows Envoy jwt_authn's JwtRequirement. Exactly one form is set.
type Requirement struct {
	Provider             string
	AnyOf                []*Requirement
	AllOf                []*Requirement
	AllowMissing         bool // no token: allowed; a bad token: rejected
	AllowMissingOrFailed bool // always allowed; verified claims still forwarded
}

// Condition is one claim rule. Claim is a gjson path into the principal's claims.
type Condition struct {
	Claim    string
	Identity bool // compare the principal's identity claim instead (Options.IdentityClaims)
	Op       Op
	// Values to compare with; each is a literal or taken from the request.
	Values []Value
	// Delimiter splits a string claim into members for OpContains/OpHasPermission:
	// " " for "scope", "," for "urn:inmanta:ct"; "" treats a string claim as one member.
	// Array claims are always taken member by member.
	Delimiter string
	Negate    bool // "must differ": no self-approval
	// Optional: an absent (or null) claim satisfies the condition; a present one must hold.
	// Inmanta's urn:inmanta:env scopes a token only when present.
	Optional bool
	// Providers: the condition applies only when the principal comes from one of these
	// providers (API keys and user tokens with different claim shapes on one route); empty =
	// always.
	Providers []string
	// Select narrows an array claim to one element's field before comparing (per-tenant roles).
	Select *Select
	// Roles: the claim's members are role names, each standing for its permissions in
	// Options.RolePermissions (with OpHasPermission).
	Roles   bool
	Message string // 403 description ("agent role required"); default names the condition
}

// Op is a comparison.
type Op uint8

const (
	OpEquals        Op = iota + 1 // claim (string/number/bool as text) equals one of Values
	OpExists                      // claim is present and not null
	OpPrefix                      // claim string starts with one of Values
	OpContains                    // some member of the claim equals one of Values
	OpHasPermission               // some member grants one of Values ("admin:*" grants "admin:write"; Superuser grants all)
)

// Value is a literal or a value read from the request at decision time.
type Value struct {
	Literal string
	Capture string // path template capture name ("tenant")
	Header  string // request header (lower-case)
	Query   string // query parameter
	Body    string // gjson path into the JSON request body ("agentIdentity")
}

// Format is how a denial is written.
type Format struct {
	Kind        FormatKind
	Realm       string // WWW-Authenticate realm; "" = the request URL, as Envoy does
	HideDetails bool   // send generic messages only
	NameMissing bool   // name the missing scope/permission in 403s (HideDetails wins)
}

type FormatKind uint8

const (
	FormatJSON    FormatKind = iota // {"error":{"code":"UNAUTHORIZED","message":"..."}}
	FormatJSONRPC                   // {"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"..."}}
	FormatText                      // text/plain
)

// Engine holds the compiled rules; safe for concurrent reads.
type Engine struct {
	opts  Options
	rules []*compiled
	def   *compiled
	root  *node            // rules by literal leading segments
	exact map[string][]int // exact-path rules by path
	// identity is IdentityClaims as gjson paths (names escaped: "https://x/id" is one claim)
	identity map[string]string
}

// Options configure an Engine.
type Options struct {
	Rules     []*Rule
	Default   *Rule  // for unmatched requests; nil = deny (403 "no rule matches")
	Superuser string // permission that grants every permission ("admin:*"), "" = none
	// IdentityClaims names, per provider, the claim that identifies the caller (azp, sub,
	// appid, email); a provider absent here uses "sub".
	IdentityClaims map[string]string
	// Reply is the configuration's global reply format, for denials without a rule (no match,
	// refused path) when there is no default rule.
	Reply Format
	// RolePermissions maps role names to the permissions they grant, for conditions with
	// Roles set (Infracast's per-tenant roles: "admin" -> ["admin:*"]).
	RolePermissions map[string][]string
}

// New compiles the rules (templates, regexes). Errors name the rule. See engine.go.
func New(opts Options) (*Engine, error) { return newEngine(opts) }

// Route is a matched rule and its path captures.
type Route struct {
	Rule     *Rule
	Captures []Capture
	Err      error // ErrPathRejected when the path was refused (Rule is nil then)
}

type Capture struct{ Name, Value string }

// ReplyFormat is how a denial on route is written: the rule's format, else the default
// rule's (a refused path or no match), else Options.Reply (JSON by default).
func (e *Engine) ReplyFormat(route Route) Format {
	switch {
	case route.Rule != nil:
		return route.Rule.Format
	case e.def != nil:
		return e.def.rule.Format
	}
	return e.opts.Reply
}

// Match returns the first rule that matches, or the default; ok is false when neither exists,
// and also when the path is refused (see normalizePath): Decide on a Route without a Rule
// gives the denial (403 "no_route", or 400 "path_rejected").
func (e *Engine) Match(r *Request) (route Route, ok bool) { return e.match(r) }

// Outcome is what verification gave for one provider.
type Outcome struct {
	Missing bool        // no token for this provider
	Claims  *jwt.Claims // verified claims (nil unless verified)
	Err     error       // verification failure (a *jwt.Error class wrapped)
}

// Decide evaluates the route's requirement over the outcomes (keyed by provider name; absent =
// Missing), then its conditions on the principal (the first verified provider in requirement
// order). It never allows on an error path.
//
// A Route without a Rule (Match gave ok == false) is denied: 400 "path_rejected" when the
// path was refused, else 403 "no_route". Codes are listed in Codes and decide.go.
//
// With r.Memo set, conditions that read only the claims are judged once per (claims,
// condition, provider) and then looked up: the decision is the same as without (see Memo).
func (e *Engine) Decide(route Route, outcomes map[string]Outcome, r *Request) Decision {
	return e.decide(route, outcomes, r)
}

// Decision is the verdict and its reason.
type Decision struct {
	Allow     bool
	Status    int    // 200, 401, 403
	Code      string // stable machine code: "token_missing", a jwt Error code, "insufficient_permissions", "no_route"
	Message   string // human description (error_description)
	Provider  string // principal's provider ("" when none)
	Principal *jwt.Claims
}

// Reply is a local response.
type Reply struct {
	Status  int
	Headers [][2]string
	Body    []byte
}

// Render writes the local response for a denial in the route's format. Missing token -> 401
// `WWW-Authenticate: Bearer realm="..."` without error (RFC 6750 3.1, as Envoy); bad token ->
// 401 `..., error="invalid_token"`; 403 -> `..., error="insufficient_scope"`.
// Bodies: JSON {"error":{"code":"UNAUTHORIZED","message":"...","reason":"token_expired"}},
// JSON-RPC {"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"...","data":{"reason":"..."}}},
// or the message as text/plain then a line "reason: token_expired". HideDetails sends generic messages and no reason.
func Render(d Decision, f Format, r *Request) Reply { return render(d, f, r) }
