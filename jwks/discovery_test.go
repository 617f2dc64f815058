package jwks

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const issuer = "https://idp.example.com/realms/demo"

func discoveryDoc(members ...string) []byte { return []byte("{" + strings.Join(members, ",") + "}") }

var goodDiscovery = discoveryDoc(str("issuer", issuer),
	str("jwks_uri", issuer+"/protocol/openid-connect/certs?v=2"), str("token_endpoint", issuer+"/token"),
	`"response_types_supported":["code"]`)

func TestParseDiscovery(t *testing.T) {
	d, err := ParseDiscovery(goodDiscovery, issuer, Limits{})
	if err != nil {
		t.Fatalf("ParseDiscovery() error = %v", err)
	}
	want := Discovery{Issuer: issuer, JWKSURI: issuer + "/protocol/openid-connect/certs?v=2",
		Authority: "idp.example.com", Path: "/realms/demo/protocol/openid-connect/certs?v=2"}
	if *d != want {
		t.Fatalf("ParseDiscovery() = %+v, want %+v", *d, want)
	}
}

func TestParseDiscovery_Rejects(t *testing.T) {
	uri := str("jwks_uri", "https://idp.example.com/certs")
	tests := []struct {
		name    string
		body    []byte
		wantErr error
		wantMsg string
	}{
		{name: "issuer differs", body: discoveryDoc(str("issuer", "https://evil.example.com"), uri), wantErr: ErrIssuerMismatch,
			wantMsg: `discovery document names another issuer: document says "https://evil.example.com", configured "` + issuer + `"`},
		{name: "issuer with a trailing slash", body: discoveryDoc(str("issuer", issuer+"/"), uri), wantErr: ErrIssuerMismatch},
		{name: "issuer case differs", body: discoveryDoc(str("issuer", strings.ToUpper(issuer)), uri), wantErr: ErrIssuerMismatch},
		{name: "issuer missing", body: discoveryDoc(uri), wantErr: ErrDiscovery},
		{name: "issuer not a string", body: discoveryDoc(`"issuer":1`, uri), wantErr: ErrDiscovery},
		{name: "issuer twice", body: discoveryDoc(str("issuer", "https://evil.example.com"), str("issuer", issuer), uri), wantErr: ErrDiscovery},
		{name: "jwks_uri missing", body: discoveryDoc(str("issuer", issuer)), wantErr: ErrDiscovery},
		{name: "jwks_uri not a string", body: discoveryDoc(str("issuer", issuer), `"jwks_uri":["x"]`), wantErr: ErrDiscovery},
		{name: "jwks_uri relative", body: discoveryDoc(str("issuer", issuer), str("jwks_uri", "/certs")), wantErr: ErrDiscovery},
		{name: "jwks_uri ftp", body: discoveryDoc(str("issuer", issuer), str("jwks_uri", "ftp://idp.example.com/certs")), wantErr: ErrDiscovery},
		{name: "not JSON", body: []byte("<html>"), wantErr: ErrDiscovery},
		{name: "an array", body: []byte(`[]`), wantErr: ErrDiscovery},
		{name: "too large", body: discoveryDoc(str("issuer", issuer), uri, str("pad", strings.Repeat("x", 2048))), wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDiscovery(tc.body, issuer, Limits{MaxBytes: 2048})
			if !errors.Is(err, tc.wantErr) || d != nil {
				t.Fatalf("ParseDiscovery() = %v, %v; want %v", d, err, tc.wantErr)
			}
			if tc.wantMsg != "" && err.Error() != tc.wantMsg {
				t.Fatalf("error text = %q, want %q", err, tc.wantMsg)
			}
		})
	}
}

func TestSplitURL(t *testing.T) {
	tests := []struct {
		name          string
		url           string
		wantAuthority string
		wantPath      string
		wantErr       string
	}{
		{name: "https", url: "https://idp.example.com/certs", wantAuthority: "idp.example.com", wantPath: "/certs"},
		{name: "port and query", url: "http://127.0.0.1:8080/keys?tenant=a&x=%2F", wantAuthority: "127.0.0.1:8080", wantPath: "/keys?tenant=a&x=%2F"},
		{name: "no path", url: "https://idp.example.com", wantAuthority: "idp.example.com", wantPath: "/"},
		{name: "escaped path kept", url: "https://idp.example.com/a%20b/c", wantAuthority: "idp.example.com", wantPath: "/a%20b/c"},
		{name: "scheme case", url: "HTTPS://idp.example.com/k", wantAuthority: "idp.example.com", wantPath: "/k"},
		{name: "relative", url: "/certs", wantErr: `scheme "" is not http or https`},
		{name: "other scheme", url: "file:///etc/keys", wantErr: `scheme "file" is not http or https`},
		{name: "no host", url: "https:///certs", wantErr: "no host"},
		{name: "opaque", url: "https:idp.example.com", wantErr: "no host"},
		{name: "user info", url: "https://u:p@idp.example.com/certs", wantErr: "user info is not allowed"},
		{name: "fragment", url: "https://idp.example.com/certs#x", wantErr: "a fragment is not allowed"},
		{name: "empty fragment", url: "https://idp.example.com/certs#", wantErr: "a fragment is not allowed"},
		{name: "control character", url: "https://idp.example.com/\r\nx: y", wantErr: "not a URL"},
		{name: "space in the query", url: "https://idp.example.com/k?a b", wantErr: "not a URL"},
		{name: "too long", url: "https://idp.example.com/" + strings.Repeat("a", 2048), wantErr: "URL of 2072 bytes, limit 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			authority, path, err := SplitURL(tc.url)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("SplitURL() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || authority != tc.wantAuthority || path != tc.wantPath {
				t.Fatalf("SplitURL() = %q, %q, %v; want %q, %q", authority, path, err, tc.wantAuthority, tc.wantPath)
			}
		})
	}
}

func TestDiscoveryURL(t *testing.T) {
	for _, iss := range []string{issuer, issuer + "/"} {
		if got, want := DiscoveryURL(iss), issuer+"/.well-known/openid-configuration"; got != want {
			t.Errorf("DiscoveryURL(%q) = %q, want %q", iss, got, want)
		}
	}
}

// Discovery and keys run on the same machine: discovery first, then the keys at its jwks_uri.
func TestDiscoveryCache_FeedsKeyCache(t *testing.T) {
	disc := NewDiscoveryCache("", issuer, Options{Rand: noJitter})
	keys := NewKeyCache("", Options{Rand: noJitter})
	if _, act := keys.Get(clock0); act != Reject {
		t.Fatalf("keys.Get() without a URL = %v, want reject", act)
	}
	url, due := disc.NextFetch(clock0)
	if url != issuer+"/.well-known/openid-configuration" || !due {
		t.Fatalf("disc.NextFetch() = %q, %v", url, due)
	}
	if err := disc.ApplyResponse(Response{Status: 200, Body: goodDiscovery, CacheControl: "max-age=3600"}, clock0); err != nil {
		t.Fatal(err)
	}
	d, act := disc.Get(clock0)
	if act != Use {
		t.Fatalf("disc.Get() = %v", act)
	}
	keys.SetURL(d.JWKSURI)
	if url, due := keys.NextFetch(clock0); url != d.JWKSURI || !due {
		t.Fatalf("keys.NextFetch() = %q, %v", url, due)
	}
	if err := keys.Apply(200, keysA, clock0); err != nil {
		t.Fatal(err)
	}
	// The discovery document is refreshed like keys: at 80% of its hour.
	if _, due := disc.NextFetch(clock0.Add(48 * time.Minute)); !due {
		t.Fatal("discovery refresh not due at 48 min")
	}
	// The IdP now names another issuer: refused, the checked document stays in use.
	evil := discoveryDoc(str("issuer", "https://evil.example.com"), str("jwks_uri", "https://evil.example.com/keys"))
	if err := disc.Apply(200, evil, clock0.Add(48*time.Minute)); !errors.Is(err, ErrIssuerMismatch) || Result(err) != "issuer_mismatch" {
		t.Fatalf("disc.Apply(other issuer) error = %v (%s)", err, Result(err))
	}
	if d2, act := disc.Get(clock0.Add(48 * time.Minute)); act != Use || d2.JWKSURI != d.JWKSURI {
		t.Fatalf("disc.Get() after a refused refresh = %v, %v", d2, act)
	}
	// A new jwks_uri: the old keys serve until the new ones land.
	keys.SetURL("https://idp.example.com/new-certs")
	if _, act := keys.Get(clock0.Add(time.Minute)); act != Use {
		t.Fatalf("keys.Get() after SetURL = %v, want use", act)
	}
	if url, due := keys.NextFetch(clock0.Add(time.Minute)); !due || url != "https://idp.example.com/new-certs" {
		t.Fatalf("keys.NextFetch() after SetURL = %q, %v", url, due)
	}
}

func TestDiscoveryCache_Result(t *testing.T) {
	disc := NewDiscoveryCache("https://idp.example.com/custom", issuer, Options{Rand: noJitter})
	disc.NextFetch(clock0)
	if err := disc.Apply(200, []byte(`{"issuer":"`+issuer+`"}`), clock0); !errors.Is(err, ErrDiscovery) || Result(err) != "bad_discovery" {
		t.Fatalf("Apply() error = %v (%s)", err, Result(err))
	}
}

func FuzzParseDiscovery(f *testing.F) {
	f.Add(goodDiscovery)
	f.Add(discoveryDoc(str("issuer", issuer), str("jwks_uri", "https://u@h/#")))
	f.Add(discoveryDoc(str("issuer", issuer), str("jwks_uri", "http://[::1]:80/k?q")))
	f.Add([]byte(`{"issuer":"a","issuer":"b"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := ParseDiscovery(body, issuer, Limits{MaxBytes: 4096})
		if err != nil {
			if d != nil || !isOneOf(err, ErrDiscovery, ErrIssuerMismatch, ErrTooLarge) {
				t.Fatalf("ParseDiscovery() = %v, %v", d, err)
			}
			return
		}
		if d == nil || d.Issuer != issuer || d.Authority == "" || !strings.HasPrefix(d.Path, "/") {
			t.Fatalf("ParseDiscovery() = %+v", d)
		}
		if strings.ContainsAny(d.Authority+d.Path, "\r\n\x00 #@") {
			t.Fatalf("callout headers from %q: %q %q", d.JWKSURI, d.Authority, d.Path)
		}
	})
}
