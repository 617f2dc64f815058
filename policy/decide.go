package policy

import (
	"errors"
	"slices"
	"sort"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// Stable codes of the decisions policy makes itself; token failures use jwt.Error codes.
const (
	CodeTokenMissing            = "token_missing"
	CodeTokenInvalid            = "token_invalid" // a failure that carries no *jwt.Error
	CodeInsufficientPermissions = "insufficient_permissions"
	CodeSourceNotAllowed        = "source_not_allowed"
	CodeNoRoute                 = "no_route"
	CodePathRejected            = "path_rejected"
)

// Codes lists every code policy itself emits, for metrics registration and tests.
var Codes = []string{CodeTokenMissing, CodeTokenInvalid, CodeInsufficientPermissions, CodeSourceNotAllowed, CodeNoRoute, CodePathRejected,
	CodeAPIKeyInvalid, CodeAPIKeyExpired, CodeCertificateMismatch, CodeCertificateRequired, CodeBodyInvalid, CodeBodyTooLarge}

// verdict is one requirement's result: ok with a principal (possibly none), or a failure.
type verdict struct {
	ok       bool
	provider string
	claims   *jwt.Claims
	err      error // nil with !ok: token missing
}

func (e *Engine) decide(route Route, outcomes map[string]Outcome, r *Request) Decision {
	rule := route.Rule
	if rule == nil {
		if route.Err != nil {
			return Decision{Status: 400, Code: CodePathRejected, Message: "request path is ambiguous (encoded '/' or '\\', '#', or a bad escape)"}
		}
		return Decision{Status: 403, Code: CodeNoRoute, Message: "no rule matches the request"}
	}
	v := verdict{ok: true}
	if rule.Requires != nil {
		v = evaluate(rule.Requires, outcomes)
		if !v.ok {
			return tokenDenial(v.err)
		}
	}
	if len(rule.SourceRanges) > 0 && !sourceAllowed(rule, r) {
		return Decision{Status: 403, Code: CodeSourceNotAllowed, Message: "request source address is not allowed",
			Provider: v.provider, Principal: v.claims}
	}
	// The guard spares most requests a call returning a Decision (~80 ns in wasm).
	if len(rule.Conditions) > 0 && rule.NeedsBody() {
		if d, bad := bodyDenial(rule, r); bad {
			d.Provider, d.Principal = v.provider, v.claims
			return d
		}
	}
	if len(rule.Conditions) > 0 {
		if v.claims == nil {
			// Allow-missing let an unauthenticated request through, but conditions can only
			// hold on verified claims: ask for a (valid) token instead of allowing.
			return tokenDenial(firstFailure(outcomes))
		}
		for i := range rule.Conditions {
			c := &rule.Conditions[i]
			if len(c.Providers) > 0 && !slices.Contains(c.Providers, v.provider) {
				continue // a condition for another provider's principals
			}
			var ok bool
			if r != nil && r.Memo != nil {
				ok = e.holdsMemo(rule, i, v.provider, v.claims, route, r)
			} else {
				ok = e.holds(c, v.provider, v.claims, route, r)
			}
			if !ok {
				return Decision{Status: 403, Code: CodeInsufficientPermissions, Message: denialMessage(c, route, r, rule.Format.NameMissing),
					Provider: v.provider, Principal: v.claims}
			}
		}
	}
	return Decision{Allow: true, Status: 200, Provider: v.provider, Principal: v.claims}
}

// holdsMemo is holds for the rule's condition i through r.Memo (not nil), when the condition
// depends only on the claims (rule.memo, computed by New).
func (e *Engine) holdsMemo(rule *Rule, i int, provider string, claims *jwt.Claims, route Route, r *Request) bool {
	c := &rule.Conditions[i]
	if i >= len(rule.memo) || !rule.memo[i] {
		return e.holds(c, provider, claims, route, r)
	}
	k := memoKey{claims: claims, cond: c, provider: provider}
	if ok, found := r.Memo.lookup(e, k); found {
		return ok
	}
	ok := e.holds(c, provider, claims, route, r)
	r.Memo.store(e, k, ok)
	return ok
}

func sourceAllowed(rule *Rule, r *Request) bool {
	if !r.Source.IsValid() {
		return false
	}
	a := r.Source.Unmap()
	for _, p := range rule.SourceRanges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// tokenDenial is the 401 for a missing (err nil) or failed token.
func tokenDenial(err error) Decision {
	if err == nil {
		return Decision{Status: 401, Code: CodeTokenMissing, Message: "a bearer token is required"}
	}
	var pd *Denial
	if errors.As(err, &pd) {
		return Decision{Status: pd.Status, Code: pd.Code, Message: pd.Message}
	}
	var je *jwt.Error
	if errors.As(err, &je) {
		return Decision{Status: 401, Code: je.Code(), Message: je.Description()}
	}
	return Decision{Status: 401, Code: CodeTokenInvalid, Message: "token is invalid"}
}

// evaluate follows Envoy's verifiers: a provider needs its own verified token; any_of takes
// the first alternative that holds; all_of needs every one; allow_missing accepts no token
// but rejects a bad one; allow_missing_or_failed accepts anything. The principal is the first
// verified provider in requirement order.
func evaluate(q *Requirement, outcomes map[string]Outcome) verdict {
	switch {
	case q.Provider != "":
		o, ok := outcomes[q.Provider]
		switch {
		case !ok || o.Missing:
			if ok && o.Err != nil { // inconsistent outcome: a failure wins
				return verdict{err: o.Err}
			}
			return verdict{}
		case o.Err != nil:
			return verdict{err: o.Err}
		case o.Claims == nil:
			return verdict{err: errNoClaims}
		}
		return verdict{ok: true, provider: q.Provider, claims: o.Claims}
	case len(q.AnyOf) > 0:
		var worst verdict
		for _, c := range q.AnyOf {
			v := evaluate(c, outcomes)
			if v.ok {
				return v
			}
			if worst.err == nil || errors.Is(worst.err, jwt.ErrIssuer) && v.err != nil && !errors.Is(v.err, jwt.ErrIssuer) {
				// A failure is more specific than a missing token, and the verdict of the
				// provider the token was issued for more than another's "not my issuer"
				// (so an expired token reads token_expired); else the first failure stays.
				worst = v
			}
		}
		return worst
	case len(q.AllOf) > 0:
		var principal, fail verdict
		failed := false
		for _, c := range q.AllOf {
			v := evaluate(c, outcomes)
			switch {
			case !v.ok && (!failed || fail.err == nil && v.err != nil):
				fail, failed = v, true // the first failure, or the first real one after a missing
			case v.ok && principal.claims == nil:
				principal = v
			}
		}
		if failed {
			return fail
		}
		principal.ok = true
		return principal
	case q.AllowMissing:
		for _, name := range sortedNames(outcomes) {
			if o := outcomes[name]; o.Err != nil || !o.Missing && o.Claims == nil {
				return verdict{err: orNoClaims(o.Err)}
			}
		}
		return firstVerified(outcomes)
	case q.AllowMissingOrFailed:
		return firstVerified(outcomes)
	}
	return verdict{err: errNoClaims} // New refuses empty requirements; never allow one
}

var errNoClaims = errors.New("verification gave no claims")

func orNoClaims(err error) error {
	if err == nil {
		return errNoClaims
	}
	return err
}

// firstFailure is the failure to report when conditions need claims that allow-missing let go
// without: the first token failure, else "missing".
func firstFailure(outcomes map[string]Outcome) error {
	for _, name := range sortedNames(outcomes) {
		if err := outcomes[name].Err; err != nil {
			return err
		}
	}
	return nil
}

func firstVerified(outcomes map[string]Outcome) verdict {
	for _, name := range sortedNames(outcomes) {
		if o := outcomes[name]; o.Err == nil && !o.Missing && o.Claims != nil {
			return verdict{ok: true, provider: name, claims: o.Claims}
		}
	}
	return verdict{ok: true}
}

// sortedNames makes map iteration deterministic; outcome maps hold a handful of providers.
func sortedNames(outcomes map[string]Outcome) []string {
	if len(outcomes) == 0 {
		return nil
	}
	names := make([]string, 0, len(outcomes))
	for n := range outcomes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
