package config

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// localJWKS parses exactly one of inline (JWKS string or object), inline_string (Envoy's
// name), pem or secret. Keys the set would skip are errors here: the operator controls them.
func (p *parser) localJWKS(path string, v gjson.Result) *jwks.Set {
	var set *jwks.Set
	n := 0
	unknown := p.unknown
	ok := p.object(path, v, []string{"inline", "inline_string", "pem", "secret"}, func(key, kpath string, val gjson.Result) {
		if n++; n > 1 {
			p.errorf(val.Index, kpath, "keep one of inline, pem, secret", "conflicts with another key form")
			return
		}
		var body string
		switch {
		case key == "inline" && val.IsObject():
			body = val.Raw
		default:
			s, ok := p.str(kpath, val, false)
			if !ok {
				return
			}
			body = s
		}
		switch key {
		case "inline", "inline_string":
			s, skipped, err := jwks.ParseSet([]byte(body), jwks.DefaultLimits)
			for _, e := range skipped {
				p.errorf(val.Index, kpath, "fix or remove that key", "%v", e)
			}
			if err != nil {
				if len(skipped) == 0 { // else the skipped keys say why none is usable
					p.errorf(val.Index, kpath, "give a JWKS: {\"keys\":[...]}", "%v", err)
				}
				return
			}
			if len(skipped) == 0 {
				set = s
			}
		case "pem":
			s, err := jwks.ParsePEM([]byte(body))
			if err != nil {
				p.errorf(val.Index, kpath, "", "%v", err)
				return
			}
			set = s
		case "secret":
			set = p.secret(kpath, val, body)
		}
	})
	if ok && n == 0 && p.unknown == unknown {
		p.errorf(end(v), path, "add inline (a JWKS), pem or secret", "has no keys")
	}
	return set
}

// secret decodes an Inmanta-style HMAC key: base64url, padding optional.
func (p *parser) secret(path string, v gjson.Result, s string) *jwks.Set {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		p.errorf(v.Index, path, "encode the key as base64url, e.g. openssl rand 32 | basenc --base64url", "is not base64url")
		return nil
	}
	if len(b) < MinSecretBytes {
		p.errorf(v.Index, path, fmt.Sprintf("use a random key of at least %d bytes", MinSecretBytes), "is %d bytes, too short for HMAC", len(b))
		return nil
	}
	k, err := jwks.NewSecretKey(b, "")
	if err != nil {
		p.errorf(v.Index, path, fmt.Sprintf("use a random key of at least %d bytes", MinSecretBytes), "%v", err)
		return nil
	}
	return jwks.NewSet(k)
}

func (p *parser) remoteJWKS(path string, v gjson.Result) *RemoteJWKS {
	r := &RemoteJWKS{Fetch: defaultFetch()}
	var cluster, uri bool
	field := func(key, kpath string, val gjson.Result) { p.fetchField(&r.Fetch, &cluster, &uri, key, kpath, val) }
	keys := append([]string{"cluster", "uri", "timeout", "cache_duration", "http_uri"}, fetchPolicyKeys...)
	ok := p.object(path, v, keys, func(key, kpath string, val gjson.Result) {
		if key != "http_uri" {
			field(key, kpath, val)
			return
		}
		// Envoy's nesting: remote_jwks.http_uri {uri, cluster, timeout}.
		p.object(kpath, val, []string{"uri", "cluster", "timeout"}, func(k, kp string, vv gjson.Result) {
			if v.Get(k).Exists() {
				p.errorf(vv.Index, kp, "keep one", "conflicts with remote_jwks.%s", k)
				return
			}
			field(k, kp, vv)
		})
	})
	if !ok {
		return nil
	}
	p.checkFetchPolicy(r.FetchPolicy, path, v)
	if !cluster {
		p.errorf(end(v), join(path, "cluster"), "name the Envoy cluster that reaches the JWKS host", "required")
	}
	if !uri {
		p.errorf(end(v), join(path, "uri"), "give the JWKS URL, e.g. https://idp.example.com/realms/x/protocol/openid-connect/certs", "required")
	}
	return r
}

func defaultFetch() Fetch {
	return Fetch{Timeout: DefaultTimeout, CacheDuration: DefaultCacheDuration, FetchPolicy: defaultFetchPolicy()}
}

// fetchField parses one member shared by remote_jwks and oidc; cluster and uri record presence.
func (p *parser) fetchField(f *Fetch, cluster, uri *bool, key, kpath string, val gjson.Result) {
	switch key {
	case "cluster":
		f.Cluster, _ = p.str(kpath, val, false)
		*cluster = true
	case "uri":
		*uri = true
		if ep, ok := p.endpoint(kpath, val); ok {
			f.URI, f.Authority, f.Path = ep.URI, ep.Authority, ep.Path
		}
	case "timeout":
		f.Timeout, _ = p.duration(kpath, val, time.Millisecond, MaxTimeout)
	case "cache_duration":
		f.CacheDuration, _ = p.duration(kpath, val, MinCacheDuration, 0)
	default:
		p.fetchPolicyField(&f.FetchPolicy, key, kpath, val)
	}
}

func (p *parser) endpoint(path string, v gjson.Result) (endpoint, bool) {
	s, ok := p.str(path, v, false)
	if !ok {
		return endpoint{}, false
	}
	ep, problem := parseURI(s)
	if problem != "" {
		p.errorf(v.Index, path, "give an absolute http or https URL", "%q %s", s, problem)
		return endpoint{}, false
	}
	return ep, true
}

// discovery parses oidc {cluster, uri, timeout, cache_duration} and the FetchPolicy members;
// the URI defaults to the issuer's well-known document, and the issuer is required since
// discovery checks it.
func (p *parser) discovery(path string, v gjson.Result, issuer string, issuerGiven bool) *Discovery {
	d := &Discovery{Fetch: defaultFetch()}
	var cluster, uri bool
	keys := append([]string{"cluster", "uri", "timeout", "cache_duration"}, fetchPolicyKeys...)
	ok := p.object(path, v, keys, func(key, kpath string, val gjson.Result) {
		p.fetchField(&d.Fetch, &cluster, &uri, key, kpath, val)
	})
	if !ok {
		return nil
	}
	p.checkFetchPolicy(d.FetchPolicy, path, v)
	if !cluster {
		p.errorf(end(v), join(path, "cluster"), "name the Envoy cluster that reaches the issuer", "required")
	}
	switch {
	case !issuerGiven:
		p.errorf(end(v), path, "set the provider's issuer: discovery checks the document's issuer against it", "needs an issuer")
	case !uri && issuer != "":
		ep, problem := parseURI(strings.TrimSuffix(issuer, "/") + WellKnownOpenIDConfiguration)
		if problem != "" {
			p.errorf(end(v), join(path, "uri"), "give the discovery document's URL", "required: the issuer %q is not an http(s) URL", issuer)
		} else {
			d.URI, d.Authority, d.Path = ep.URI, ep.Authority, ep.Path
		}
	}
	return d
}
