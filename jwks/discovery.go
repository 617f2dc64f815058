package jwks

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// Discovery is what we use of an OpenID Provider Configuration document (OpenID Connect
// Discovery 1.0, section 3): the issuer, checked, and where its keys are.
type Discovery struct {
	Issuer    string
	JWKSURI   string
	Authority string // host[:port] of JWKSURI, for :authority
	Path      string // path and query of JWKSURI, for :path
}

var (
	ErrDiscovery      = errors.New("discovery document is invalid")
	ErrIssuerMismatch = errors.New("discovery document names another issuer")
)

// maxURL bounds the jwks_uri we accept (and the shared record's Source).
const maxURL = maxSharedSource

// DiscoveryURL is where issuer publishes its configuration (Discovery section 4: the issuer
// without a trailing slash, then /.well-known/openid-configuration).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// ParseDiscovery reads a discovery document. Its "issuer" must equal issuer exactly
// (Discovery section 4.3: otherwise the document must not be used) else ErrIssuerMismatch,
// naming both; "jwks_uri" must be an absolute http(s) URL. Other failures: ErrTooLarge
// (over lim.MaxBytes), ErrDiscovery (not a JSON object, a member twice, a member missing or
// not a string, a bad jwks_uri).
func ParseDiscovery(body []byte, issuer string, lim Limits) (*Discovery, error) {
	lim = lim.withDefaults()
	if len(body) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), lim.MaxBytes)
	}
	if err := validJSON(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDiscovery, err)
	}
	doc := gjson.ParseBytes(body)
	if !doc.IsObject() {
		return nil, fmt.Errorf("%w: not a JSON object", ErrDiscovery)
	}
	var iss, uri gjson.Result
	if err := members(doc, func(name string, v gjson.Result) {
		switch name {
		case "issuer":
			iss = v
		case "jwks_uri":
			uri = v
		}
	}); err != nil {
		return nil, fmt.Errorf("%w: %v (ambiguous)", ErrDiscovery, err)
	}
	if iss.Type != gjson.String || iss.Str == "" {
		return nil, fmt.Errorf("%w: no \"issuer\" string", ErrDiscovery)
	}
	if iss.Str != issuer {
		return nil, fmt.Errorf("%w: document says %q, configured %q", ErrIssuerMismatch, clip(iss.Str, maxURL), issuer)
	}
	if uri.Type != gjson.String {
		return nil, fmt.Errorf("%w: no \"jwks_uri\" string", ErrDiscovery)
	}
	authority, path, err := SplitURL(uri.Str)
	if err != nil {
		return nil, fmt.Errorf("%w: jwks_uri: %v", ErrDiscovery, err)
	}
	return &Discovery{Issuer: iss.Str, JWKSURI: uri.Str, Authority: authority, Path: path}, nil
}

// SplitURL splits an absolute http(s) URL into the :authority and :path of a callout. It
// refuses relative URLs, other schemes, user info, fragments, spaces and control
// characters, and URLs over 2 KiB. (Discovery
// requires https for jwks_uri; http is allowed because TLS is the Envoy cluster's job, and
// the callout goes through the configured cluster whatever the scheme says.)
func SplitURL(raw string) (authority, path string, err error) {
	if len(raw) > maxURL {
		return "", "", fmt.Errorf("URL of %d bytes, limit %d", len(raw), maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", "", errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "", fmt.Errorf("scheme %q is not http or https", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return "", "", errors.New("no host")
	case u.User != nil:
		return "", "", errors.New("user info is not allowed")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", "", errors.New("a fragment is not allowed")
	}
	path = u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return u.Host, path, nil
}

// NewDiscoveryCache returns a cache of the discovery document at uri (DiscoveryURL(issuer)
// by default), whose issuer must be issuer. Its value's JWKSURI feeds the key cache's SetURL.
func NewDiscoveryCache(uri, issuer string, opt Options) *Cache[*Discovery] {
	o := opt.withDefaults()
	if uri == "" {
		uri = DiscoveryURL(issuer)
	}
	return NewCache(uri, o, func(b []byte) (*Discovery, []error, error) {
		d, err := ParseDiscovery(b, issuer, o.Limits)
		return d, nil, err
	})
}
