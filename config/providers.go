package config

import (
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

var providerFields = []string{
	"issuer", "audiences", "algorithms", "remote_jwks", "local_jwks", "oidc",
	"from_headers", "from_params", "from_cookies", "forward", "forward_payload_header",
	"claim_to_headers", "identity_claim", "clock_skew_seconds", "require_expiration", "max_lifetime",
	"identity_header", "api_keys", "trusted_hops", "require_certificate_binding",
}

// keySources are exclusive, as Envoy's jwks_source_specifier oneof (plus discovery).
var keySources = []string{"local_jwks", "remote_jwks", "oidc", "api_keys"}

// providers parses `providers` and fills ByName, ByIssuer, AnyIssuer.
func (p *parser) providers(v gjson.Result) {
	c := p.cfg
	c.ByName = map[string]*Provider{}
	c.ByIssuer = map[string]*Provider{}
	p.each("providers", v, func(name, path string, pv gjson.Result) {
		p.providerNames = append(p.providerNames, name) // referable even when broken
		pr := p.provider(name, path, pv)
		if pr == nil {
			return
		}
		c.ByName[name] = pr
		c.Providers = append(c.Providers, pr)
		if pr.APIKeys != nil {
			// not a token issuer: the filter looks its credentials up by digest
		} else if pr.Issuer == "" {
			c.AnyIssuer = append(c.AnyIssuer, pr)
		} else if other, dup := c.ByIssuer[pr.Issuer]; dup {
			p.errorf(pv.Get("issuer").Index, join(path, "issuer"), "give each issuer one provider, with all its audiences",
				"%q is also the issuer of provider %s", pr.Issuer, other.Name)
		} else {
			c.ByIssuer[pr.Issuer] = pr
		}
	})
	byName := func(a, b *Provider) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(c.Providers, byName)
	slices.SortFunc(c.AnyIssuer, byName)
}

// provider parses one provider; nil when it is not an object.
func (p *parser) provider(name, path string, v gjson.Result) *Provider {
	pr := &Provider{
		Name:              name,
		IdentityClaim:     DefaultIdentityClaim,
		ClockSkew:         secondsDuration(DefaultClockSkewSeconds),
		RequireExpiration: DefaultRequireExpiration,
	}
	var algs, oidc, trustedHops gjson.Result
	var sources []string
	sourceGiven, sourceEntries := false, 0
	unknown := p.unknown
	ok := p.object(path, v, providerFields, func(key, kpath string, val gjson.Result) {
		switch key {
		case "issuer":
			if s, ok := p.str(kpath, val, true); ok {
				if s == "" {
					p.errorf(val.Index, kpath, "omit issuer to accept any iss, or give the IdP's issuer URL", "must not be empty")
				}
				pr.Issuer = s
			}
		case "audiences":
			pr.Audiences, _ = p.strings(kpath, val)
			if val.IsArray() && len(val.Array()) == 0 {
				p.errorf(val.Index, kpath, "omit audiences to accept any aud", "must not be empty")
			}
		case "algorithms":
			algs = val
		case "local_jwks", "remote_jwks", "oidc", "api_keys":
			for _, s := range sources {
				p.errorf(val.Index, kpath, "keep one key source", "conflicts with %s", s)
			}
			sources = append(sources, key)
			switch key {
			case "local_jwks":
				pr.LocalKeys = p.localJWKS(kpath, val)
			case "remote_jwks":
				pr.RemoteJWKS = p.remoteJWKS(kpath, val)
			case "api_keys":
				pr.APIKeys = p.apiKeys(kpath, val)
			default:
				oidc = val
			}
		case "from_headers":
			sourceGiven, sourceEntries = true, sourceEntries+len(val.Array())
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				if s, ok := p.fromHeader(ipath, e); ok {
					pr.Sources = append(pr.Sources, s)
				}
			})
		case "from_params", "from_cookies":
			sourceGiven, sourceEntries = true, sourceEntries+len(val.Array())
			kind := FromParam
			if key == "from_cookies" {
				kind = FromCookie
			}
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				if s, ok := p.str(ipath, e, false); ok {
					pr.Sources = append(pr.Sources, Source{Kind: kind, Name: s})
				}
			})
		case "forward":
			pr.Forward, _ = p.boolean(kpath, val)
		case "forward_payload_header":
			pr.ForwardPayloadHeader, _ = p.headerName(kpath, val)
		case "claim_to_headers":
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				if ch, ok := p.claimToHeader(ipath, e); ok {
					pr.ClaimToHeaders = append(pr.ClaimToHeaders, ch)
				}
			})
		case "identity_claim":
			if s, ok := p.str(kpath, val, false); ok {
				pr.IdentityClaim = s
			}
		case "clock_skew_seconds":
			if n, ok := p.integer(kpath, val, 0, MaxClockSkewSeconds); ok {
				pr.ClockSkew = secondsDuration(n)
			}
		case "require_expiration":
			pr.RequireExpiration, _ = p.boolean(kpath, val)
		case "max_lifetime":
			pr.MaxLifetime, _ = p.duration(kpath, val, time.Second, 0)
		case "identity_header":
			pr.IdentityHeader, _ = p.headerName(kpath, val)
		case "trusted_hops":
			trustedHops = val
		case "require_certificate_binding":
			pr.RequireCertificateBinding, _ = p.boolean(kpath, val)
		}
	})
	if !ok {
		return nil
	}
	if len(sources) == 0 && p.unknown == unknown { // a misspelt source is reported already
		p.errorf(end(v), path, "add remote_jwks {cluster, uri}, local_jwks, oidc {cluster} or api_keys", "has no key source")
	}
	p.apiKeyProvider(path, v, pr, trustedHops)
	if oidc.Exists() {
		pr.Discovery = p.discovery(join(path, "oidc"), oidc, pr.Issuer, v.Get("issuer").Exists())
	}
	pr.Algorithms = p.algorithms(join(path, "algorithms"), algs, pr.LocalKeys)
	if !sourceGiven {
		pr.Sources = []Source{{Kind: FromHeader, Name: DefaultHeader, ValuePrefix: DefaultValuePrefix}}
	} else if sourceEntries == 0 && (v.Get("from_headers").IsArray() || v.Get("from_params").IsArray() || v.Get("from_cookies").IsArray()) {
		p.errorf(end(v), path, "omit from_headers, from_params and from_cookies for the default Authorization: Bearer", "has no token source")
	}
	return pr
}

func secondsDuration(n int) time.Duration { return time.Duration(n) * time.Second }

func (p *parser) fromHeader(path string, v gjson.Result) (Source, bool) {
	s := Source{Kind: FromHeader}
	var hasName bool
	ok := p.object(path, v, []string{"name", "value_prefix"}, func(key, kpath string, val gjson.Result) {
		if key == "name" {
			s.Name, hasName = p.headerName(kpath, val)
		} else {
			s.ValuePrefix, _ = p.str(kpath, val, true)
		}
	})
	if ok && !v.Get("name").Exists() {
		p.errorf(end(v), join(path, "name"), `name the header, e.g. "authorization"`, "required")
	}
	return s, ok && hasName
}

func (p *parser) claimToHeader(path string, v gjson.Result) (ClaimToHeader, bool) {
	var ch ClaimToHeader
	good := 0
	ok := p.object(path, v, []string{"header_name", "claim_name"}, func(key, kpath string, val gjson.Result) {
		var ok bool
		if key == "header_name" {
			ch.Header, ok = p.headerName(kpath, val)
		} else {
			ch.Claim, ok = p.claimPath(kpath, val)
		}
		if ok {
			good++
		}
	})
	if !ok {
		return ch, false
	}
	for _, f := range []string{"header_name", "claim_name"} {
		if !v.Get(f).Exists() {
			p.errorf(end(v), join(path, f), "claim_to_headers entries need header_name and claim_name", "required")
		}
	}
	return ch, good == 2
}

var knownAlgorithms = append(append(slices.Clone(DefaultAlgorithms), HMACAlgorithms...), "none")

// algorithms validates the allowlist, or builds the default one.
func (p *parser) algorithms(path string, v gjson.Result, local *jwks.Set) []string {
	hasOct := local != nil && local.HasSecret()
	if !v.Exists() {
		out := slices.Clone(DefaultAlgorithms)
		if hasOct {
			out = append(out, HMACAlgorithms...)
		}
		return out
	}
	var out []string
	p.array(path, v, func(_ int, ipath string, e gjson.Result) {
		a, ok := p.str(ipath, e, false)
		if !ok {
			return
		}
		isHMAC := slices.Contains(HMACAlgorithms, a)
		switch {
		case strings.EqualFold(a, "none"):
			p.errorf(e.Index, ipath, "remove it: unsigned tokens are never accepted", `"none" is never allowed`)
		case !slices.Contains(knownAlgorithms, a):
			p.errorf(e.Index, ipath, suggest(a, knownAlgorithms[:len(knownAlgorithms)-1]), "%q is not a supported algorithm", a)
		case slices.Contains(out, a):
			p.errorf(e.Index, ipath, "list it once", "%q is listed twice", a)
		case isHMAC && !hasOct:
			p.errorf(e.Index, ipath, "HMAC next to public keys invites key confusion: put the shared secret in local_jwks.secret, or remove "+a,
				"%s needs an oct key in local_jwks", a)
		case local != nil && !fitsAny(local, a):
			p.errorf(e.Index, ipath, "remove it or add a key of that type", "no key in local_jwks fits %s", a)
		default:
			out = append(out, a)
		}
	})
	if v.IsArray() && len(v.Array()) == 0 {
		p.errorf(v.Index, path, "omit algorithms for the defaults", "must not be empty")
	}
	return out
}

func fitsAny(set *jwks.Set, alg string) bool {
	for _, k := range set.Keys() {
		if k.Fits(alg) {
			return true
		}
	}
	return false
}
