package config

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// Bounds of an api_keys provider.
const (
	MaxAPIKeys     = 1000 // keys per provider: a scan of all digests stays cheap
	MaxTrustedHops = 10
)

// APIKeys is a provider of kind api_keys: opaque bearer credentials (Infracast's
// "ic_live_..."), known by their SHA-256 digest only.
type APIKeys struct {
	Keys []APIKey
	// TrustedHops is how many proxies in front of Envoy append to x-forwarded-for: 0 (the
	// default) takes the source address from the connection (the source.address property)
	// and ignores the header; N takes the N-th address from the right of x-forwarded-for.
	TrustedHops int
}

// APIKey is one configured key.
type APIKey struct {
	Name        string
	Digest      [sha256.Size]byte
	Permissions []string
	Tenants     []string
	SourceIPs   []netip.Prefix // empty = any source
	ExpiresAt   time.Time      // zero = never
	claims      *jwt.Claims    // {"sub": Name, "permissions": [...], "tenants": [...]}, built once
}

// Claims are the principal's claims when this key authenticates a request.
func (k *APIKey) Claims() *jwt.Claims { return k.claims }

// The failures of an API key, reported by policy as given.
var (
	ErrAPIKeyInvalid = &policy.Denial{Status: 401, Code: policy.CodeAPIKeyInvalid, Message: "API key is invalid"}
	ErrAPIKeyExpired = &policy.Denial{Status: 401, Code: policy.CodeAPIKeyExpired, Message: "API key is expired"}
	ErrKeySource     = &policy.Denial{Status: 403, Code: policy.CodeSourceNotAllowed, Message: "API key is not allowed from this source address"}
)

// LooksLikeJWT reports whether a bearer credential has the JWS compact shape (two dots);
// anything else is looked up as an API key.
func LooksLikeJWT(cred string) bool { return strings.Count(cred, ".") == 2 }

// Authenticate finds the key whose digest is SHA-256(cred), comparing every digest in
// constant time (no early exit, so timing does not tell how many keys share a prefix), then
// checks its expiry against now and its source networks against src (invalid = unknown,
// which no allowlist admits).
func (a *APIKeys) Authenticate(cred string, src netip.Addr, now time.Time) (*APIKey, error) {
	sum := sha256.Sum256([]byte(cred))
	found := -1
	for i := range a.Keys {
		if subtle.ConstantTimeCompare(sum[:], a.Keys[i].Digest[:]) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return nil, ErrAPIKeyInvalid
	}
	k := &a.Keys[found]
	if !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) {
		return nil, ErrAPIKeyExpired
	}
	if len(k.SourceIPs) > 0 {
		ok := false
		if src.IsValid() {
			s := src.Unmap()
			for _, p := range k.SourceIPs {
				ok = ok || p.Contains(s)
			}
		}
		if !ok {
			return nil, ErrKeySource
		}
	}
	return k, nil
}

var apiKeyFields = []string{"name", "sha256", "permissions", "tenants", "source_ips", "expires_at"}

// apiKeys parses `api_keys`: a non-empty list of keys with unique names and digests.
func (p *parser) apiKeys(path string, v gjson.Result) *APIKeys {
	a := &APIKeys{}
	names, digests := map[string]bool{}, map[[sha256.Size]byte]string{}
	p.array(path, v, func(_ int, ipath string, e gjson.Result) {
		k, ok := p.apiKey(ipath, e)
		if !ok {
			return
		}
		if names[k.Name] {
			p.errorf(e.Get("name").Index, join(ipath, "name"), "give each key its own name", "%q names another key too", k.Name)
			return
		}
		if other, dup := digests[k.Digest]; dup {
			p.errorf(e.Get("sha256").Index, join(ipath, "sha256"), "generate a new key; two entries cannot share one", "is also the digest of key %q", other)
			return
		}
		names[k.Name], digests[k.Digest] = true, k.Name
		a.Keys = append(a.Keys, k)
	})
	if n := len(v.Array()); v.IsArray() && n == 0 {
		p.errorf(v.Index, path, `list keys: [{"name": "ci-cd-integration", "sha256": "sha256:<hex>", "permissions": ["nodes:read"]}]`, "must not be empty")
	} else if n > MaxAPIKeys {
		p.errorf(v.Index, path, "split them over providers or use tokens", "has %d keys, at most %d", n, MaxAPIKeys)
	}
	return a
}

func (p *parser) apiKey(path string, v gjson.Result) (APIKey, bool) {
	var k APIKey
	before := len(p.errs)
	ok := p.object(path, v, apiKeyFields, func(key, kpath string, val gjson.Result) {
		switch key {
		case "name":
			k.Name, _ = p.str(kpath, val, false)
		case "sha256":
			if s, ok := p.str(kpath, val, false); ok {
				k.Digest, ok = parseDigest(s)
				if !ok {
					p.errorf(val.Index, kpath, `write "sha256:" and 64 hex digits, as "jwtctl hash-key -" prints; never the key itself`, "is not a SHA-256 digest")
				}
			}
		case "permissions":
			k.Permissions, _ = p.strings(kpath, val)
		case "tenants":
			k.Tenants, _ = p.strings(kpath, val)
		case "source_ips":
			p.array(kpath, val, func(_ int, ipath string, e gjson.Result) {
				if pf, ok := p.prefix(ipath, e); ok {
					k.SourceIPs = append(k.SourceIPs, pf)
				}
			})
			if val.IsArray() && len(val.Array()) == 0 {
				p.errorf(val.Index, kpath, "omit source_ips to allow any source", "must not be empty")
			}
		case "expires_at":
			if s, ok := p.str(kpath, val, false); ok {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					p.errorf(val.Index, kpath, `write an RFC 3339 time such as "2025-03-16T00:00:00Z"`, "%q is not an RFC 3339 time", s)
				}
				k.ExpiresAt = t
			}
		}
	})
	if !ok {
		return k, false
	}
	for _, f := range []string{"name", "sha256"} {
		if !v.Get(f).Exists() {
			p.errorf(end(v), join(path, f), `api_keys entries need name and sha256 ("jwtctl hash-key -" prints it)`, "required")
		}
	}
	if len(p.errs) > before {
		return k, false
	}
	k.claims = jwt.NewClaims(keyClaims(&k))
	return k, true
}

// parseDigest reads "sha256:<64 hex>" (either case).
func parseDigest(s string) (d [sha256.Size]byte, ok bool) {
	h, found := strings.CutPrefix(s, "sha256:")
	if !found || len(h) != 2*sha256.Size {
		return d, false
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, false
	}
	return d, true
}

// keyClaims writes the key's principal as JSON: sub, permissions, tenants.
func keyClaims(k *APIKey) []byte {
	var b strings.Builder
	b.WriteString(`{"sub":`)
	writeJSON(&b, k.Name)
	for _, f := range []struct {
		name string
		vals []string
	}{{"permissions", k.Permissions}, {"tenants", k.Tenants}} {
		b.WriteString(`,"` + f.name + `":[`)
		for i, s := range f.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(&b, s)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// writeJSON writes s as a JSON string (config strings are valid UTF-8, as gjson decoded them).
func writeJSON(b *strings.Builder, s string) {
	const hexd = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// jwtOnlyFields make no sense for an api_keys provider.
var jwtOnlyFields = []string{"issuer", "audiences", "algorithms", "forward_payload_header", "clock_skew_seconds",
	"require_expiration", "max_lifetime", "require_certificate_binding"}

// apiKeyProvider checks the fields that depend on the provider's kind.
func (p *parser) apiKeyProvider(path string, v gjson.Result, pr *Provider, hops gjson.Result) {
	if pr.APIKeys == nil {
		if hops.Exists() {
			p.errorf(hops.Index, join(path, "trusted_hops"), "use it with api_keys; rules have source_ips for tokens", "has no effect without api_keys")
		}
		return
	}
	for _, f := range jwtOnlyFields {
		if fv := v.Get(f); fv.Exists() {
			p.errorf(fv.Index, join(path, f), "remove it, or put JWTs in a provider of their own (rules combine both with requires_any)",
				"does not apply to api_keys")
		}
	}
	if hops.Exists() {
		if n, ok := p.integer(join(path, "trusted_hops"), hops, 0, MaxTrustedHops); ok {
			pr.APIKeys.TrustedHops = n
		}
	}
}
