package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// supportedAlgs is what the filter verifies; anything else (none included) is alg_unsupported.
var supportedAlgs = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512"

// hints says, per denial reason, what differs from what the config wants and what to change.
func (x *explanation) hints() []string {
	d := x.decision
	if d.Allow {
		return nil
	}
	pv, err := x.culprit()
	var hs []string
	add := func(format string, args ...any) { hs = append(hs, fmt.Sprintf(format, args...)) }
	claim := func(name string) gjson.Result {
		if x.tok == nil {
			return gjson.Result{}
		}
		return x.tok.UnverifiedClaims().Claim(name)
	}
	if x.parseErr != nil {
		add("the filter cannot parse the token: %v (run `jwtctl decode` on it)", x.parseErr)
		return hs
	}
	if pv == nil && d.Code != jwt.ErrTooLarge.Code() && !slices.Contains(policy.Codes, d.Code) {
		return nil // a token failure no required provider reported: nothing specific to say
	}
	switch d.Code {
	case policy.CodeNoRoute:
		add("no rule matches %s %s%s; add a rule for it, or a `default` rule", x.req.Method, x.req.Host, x.req.Path)
	case policy.CodePathRejected:
		add("the path %q has no single safe reading (encoded '/' or '\\', '#', a bad escape); the filter refuses it before any rule", x.req.Path)
	case policy.CodeTokenMissing:
		var where []string
		for _, p := range x.providers {
			for _, s := range p.Sources {
				where = append(where, describeSource(s))
			}
		}
		add("this route needs a token; the filter looks in: %s", strings.Join(where, ", "))
	case policy.CodeSourceNotAllowed:
		if pv != nil && pv.APIKeys != nil {
			x.keySourceHints(pv, add)
			break
		}
		if x.req.Source.IsValid() {
			add("source address %s is outside the rule's source ranges %v", x.req.Source, x.route.Rule.SourceRanges)
		} else {
			add("the rule allows only source ranges %v; give the client address with -source IP", x.route.Rule.SourceRanges)
		}
	case policy.CodeInsufficientPermissions:
		add("the token is valid, but a condition of %s fails: %s", x.route.Rule.Name, d.Message)
		for _, c := range x.route.Rule.Conditions {
			v := "absent"
			if d.Principal != nil {
				if r := d.Principal.Get(c.Claim); r.Exists() && c.Claim != "" {
					v = r.Raw
				}
			}
			if c.Claim != "" {
				add("condition on claim %q: the token has %s", c.Claim, v)
			}
		}
	case policy.CodeAPIKeyInvalid, policy.CodeAPIKeyExpired, policy.CodeCertificateRequired, policy.CodeCertificateMismatch,
		policy.CodeBodyInvalid, policy.CodeBodyTooLarge:
		x.credentialHints(pv, add) // credhints.go
	case jwt.ErrTooLarge.Code():
		add("the token is %d bytes; limits.max_token_bytes is %d", len(x.token), x.cfg.MaxTokenBytes)
	case jwt.ErrIssuer.Code():
		iss := claim("iss")
		if !iss.Exists() {
			add("the token has no iss claim; provider %s expects issuer %q", pv.Name, pv.Issuer)
			break
		}
		add("token iss %q, but provider %s expects issuer %q", iss.String(), pv.Name, pv.Issuer)
		if other := x.cfg.ByIssuer[iss.String()]; other != nil {
			add("iss %q belongs to provider %s, which this route does not accept (it requires %s)", iss.String(), other.Name, describeRequirement(x.route.Rule.Requires))
		} else {
			add("%s; check for a trailing slash, http vs https, or the realm name", pickedBy(x.cfg, iss.String()))
		}
	case jwt.ErrAudience.Code():
		add("token aud %s, but provider %s accepts audiences %q; have the IdP add one of them (Keycloak: an audience mapper)", orAbsent(claim("aud")), pv.Name, pv.Audiences)
	case jwt.ErrMissingClaim.Code():
		add("%v", err)
		if !claim("aud").Exists() && len(pv.Audiences) > 0 {
			add("provider %s accepts audiences %q but the token has no aud; have the IdP add one (Keycloak: an audience mapper)", pv.Name, pv.Audiences)
		}
		if !claim("iss").Exists() && pv.Issuer != "" {
			add("provider %s expects issuer %q but the token has no iss", pv.Name, pv.Issuer)
		}
		if !claim("exp").Exists() && pv.RequireExpiration {
			add("provider %s requires exp (require_expiration defaults to true); set require_expiration: false only for IdPs that issue tokens without expiry", pv.Name)
		}
	case jwt.ErrClaimType.Code():
		add("%v", err)
	case jwt.ErrExpired.Code():
		exp := claim("exp").Int()
		add("token exp %s; now %s; clock skew allowed %s, so it was accepted until %s",
			describeTime(exp, x.now), x.now.Format(time.RFC3339), pv.ClockSkew, time.Unix(exp, 0).Add(pv.ClockSkew).UTC().Format(time.RFC3339))
		add("get a fresh token; if it was just issued, the proxy's and the IdP's clocks differ by more than the skew (clock_skew_seconds %d)", int(pv.ClockSkew.Seconds()))
	case jwt.ErrNotYetValid.Code():
		nbf := claim("nbf").Int()
		add("token nbf %s; now %s; clock skew allowed %s: the issuer's clock runs ahead of the proxy's, or nbf is set in the future",
			describeTime(nbf, x.now), x.now.Format(time.RFC3339), pv.ClockSkew)
	case jwt.ErrIssuedInFuture.Code():
		iat := claim("iat").Int()
		add("token iat %s; now %s; clock skew allowed %s: the issuer's clock runs ahead of the proxy's (raise clock_skew_seconds or fix the clocks)",
			describeTime(iat, x.now), x.now.Format(time.RFC3339), pv.ClockSkew)
	case jwt.ErrLifetime.Code():
		add("%v; provider %s has max_lifetime %s: issue shorter-lived tokens or raise max_lifetime", err, pv.Name, pv.MaxLifetime)
	case jwt.ErrUnknownKid.Code():
		add("token kid %q; provider %s has %s", x.tok.Kid, pv.Name, kidList(x, pv))
		if pv.LocalKeys == nil {
			add("the filter refetches remote keys once on an unknown kid; if the IdP rotated keys, the JWKS given here is stale, else the token comes from another IdP or environment")
		} else {
			add("add the signing key to local_jwks, or mint with one of the kids above")
		}
	case jwt.ErrAlgNotAllowed.Code():
		add("token alg %s; provider %s allows %s (set `algorithms` to change it)", x.tok.Alg, pv.Name, strings.Join(pv.Algorithms, " "))
	case jwt.ErrUnsupportedAlg.Code():
		add("token alg %q is not one the filter verifies (%s); \"none\" is never accepted", x.tok.Alg, supportedAlgs)
	case jwt.ErrAlgKeyMismatch.Code():
		add("no key of provider %s fits alg %s with kid %q; it has %s", pv.Name, x.tok.Alg, x.tok.Kid, describeSet(x.keys[pv.Name]))
	case jwt.ErrBadSignature.Code():
		add("provider %s's key(s) for kid %q do not verify the signature: the token was signed with another key that has the same kid (another environment?) or was altered", pv.Name, x.tok.Kid)
	case jwt.ErrNoKeys.Code():
		add("provider %s has no keys to verify with: %v", pv.Name, err)
	}
	return hs
}

func orAbsent(r gjson.Result) string {
	if !r.Exists() {
		return "absent"
	}
	return r.Raw
}

func kidList(x *explanation, pv *config.Provider) string {
	set := x.keys[pv.Name]
	if set == nil {
		return "no keys given"
	}
	var kids []string
	for _, k := range set.Keys() {
		if k.ID == "" {
			kids = append(kids, "(no kid)")
		} else {
			kids = append(kids, fmt.Sprintf("%q", k.ID))
		}
	}
	return "kids " + strings.Join(kids, ", ")
}

func describeSource(s config.Source) string {
	switch s.Kind {
	case config.FromHeader:
		if s.ValuePrefix != "" {
			return fmt.Sprintf("header %s (prefix %q)", s.Name, s.ValuePrefix)
		}
		return "header " + s.Name
	case config.FromParam:
		return "query parameter " + s.Name
	case config.FromCookie:
		return "cookie " + s.Name
	}
	return s.Name
}
