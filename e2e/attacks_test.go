package e2e

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// The attack catalogue (issue 8; SECURITY.md lists it): every case runs on a fresh host, so
// the metrics, upstream hits and callouts it reads are its own. A rejected request must be a
// local reply with the expected status and reason code, never reach the upstream, and make
// no callout. A few cases are the accepted side of a boundary (status 200); they say why.

// attack is one catalogue entry.
type attack struct {
	name   string
	config func(t *testing.T) cfg // nil: the RSA/EC/Ed25519 provider with default algorithms
	req    func(t *testing.T) harness.Request
	status int
	code   string // the reason: body "reason" (JSON replies) and metric denied.<code>
}

// Raw tokens: the header and payload are JSON text exactly as given (duplicate members,
// odd numbers), signed by sign over the signing input.
func rawToken(header, payload string, sign func(input string) []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	return input + "." + b64.EncodeToString(sign(input))
}

func signRS256(k *rsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		sum := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// signES256 signs raw r||s (RFC 7518 3.4), or ASN.1 DER as crypto/ecdsa and OpenSSL emit it.
func signES256(k *ecdsa.PrivateKey, der bool) func(string) []byte {
	return func(input string) []byte {
		sum := sha256.Sum256([]byte(input))
		if der {
			sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
			if err != nil {
				panic(err)
			}
			return sig
		}
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			panic(err)
		}
		return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
}

func signHS256(secret []byte) func(string) []byte {
	return func(input string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return m.Sum(nil)
	}
}

func noSignature(string) []byte { return nil }

// payload is a valid claim set for the main provider with members replaced by raw JSON
// values (name, value pairs; an empty value drops the member).
func payload(overrides ...string) string {
	members := [][2]string{
		{"iss", fmt.Sprintf("%q", issuer)}, {"aud", `"api"`}, {"sub", `"alice"`},
		{"iat", fmt.Sprint(now.Unix())}, {"exp", fmt.Sprint(now.Add(time.Hour).Unix())},
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		found := false
		for j := range members {
			if members[j][0] == overrides[i] {
				members[j][1], found = overrides[i+1], true
			}
		}
		if !found {
			members = append(members, [2]string{overrides[i], overrides[i+1]})
		}
	}
	var b strings.Builder
	b.WriteByte('{')
	for _, m := range members {
		if m[1] == "" {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", m[0], m[1])
	}
	return b.String() + "}"
}

const rsHeader = `{"alg":"RS256","typ":"JWT","kid":"k-RS256"}`

// rs is an RS256 token by our IdP's key with the given header and payload text.
func rs(t *testing.T, header, body string) string {
	return rawToken(header, body, signRS256(testKeys(t).rsa))
}

// auth is a request to the protected route with the given Authorization values.
func auth(values ...string) func(*testing.T) harness.Request {
	return func(*testing.T) harness.Request {
		r := get("/api/nodes")
		for _, v := range values {
			r.Headers = append(r.Headers, [2]string{"authorization", v})
		}
		return r
	}
}

// tok is a request carrying the token built by mk as "Bearer <token>".
func tok(mk func(t *testing.T) string) func(*testing.T) harness.Request {
	return func(t *testing.T) harness.Request { return bearer(mk(t)) }
}

// attackerKey signs tokens that name their own key (jwk, jku, x5u, x5c); generated per test.
func attackerKey(t *testing.T) (*ecdsa.PrivateKey, string, string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q}`,
		b64.EncodeToString(k.X.FillBytes(make([]byte, 32))), b64.EncodeToString(k.Y.FillBytes(make([]byte, 32))))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return k, jwk, base64.StdEncoding.EncodeToString(der)
}

// rsaPublicForms are the forms in which an attacker finds our RSA public key, used as an
// HMAC secret: PKIX PEM, PKCS #1 PEM, and the JWK as the JWKS publishes it.
func rsaPublicForms(t *testing.T) map[string][]byte {
	k := testKeys(t)
	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(k.publicJWKS(), &set); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"PEM":       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"PKCS1 PEM": pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)}),
		"JWK":       set.Keys[0], // the RS256 key, byte for byte as fetched
	}
}

// hmacProvider: the same issuer verified with an HS256 shared secret only (Inmanta style).
func hmacProvider(t *testing.T) cfg {
	return baseConfig("local_jwks", map[string]any{"secret": testKeys(t).secretB64()},
		map[string]any{"algorithms": []string{"HS256"}})
}

// withProvider is the default provider plus the given provider settings.
func withProvider(extra map[string]any) func(t *testing.T) cfg {
	return func(t *testing.T) cfg { return baseConfig("local_jwks", localJWKS(t), extra) }
}

// withLimits sets the plugin's size limits.
func withLimits(maxHeader, maxToken int) func(t *testing.T) cfg {
	return func(t *testing.T) cfg {
		c := baseConfig("local_jwks", localJWKS(t), nil)
		c["limits"] = map[string]any{"max_header_bytes": maxHeader, "max_token_bytes": maxToken}
		return c
	}
}

// runAttacks runs a catalogue table (see attack).
func runAttacks(t *testing.T, tests []attack) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := baseConfig("local_jwks", localJWKS(t), nil)
			if tc.config != nil {
				c = tc.config(t)
			}
			h := start(t, c.json(t))

			resp := do(t, h, tc.req(t))

			if resp.Status != tc.status {
				t.Fatalf("status = %d (%s), want %d %s", resp.Status, resp.Body, tc.status, tc.code)
			}
			if n := len(h.Callouts()); n != 0 {
				t.Errorf("%d callouts were made (%+v), want none", n, h.Callouts())
			}
			if tc.status == 200 {
				if resp.Upstream == nil || h.UpstreamHits() != 1 {
					t.Errorf("accepted request: upstream reached %v, hits %d; want once", resp.Upstream != nil, h.UpstreamHits())
				}
				return
			}
			wantNoUpstream(t, h, resp)
			if tc.status == 401 {
				// RFC 6750 section 3.1: no error code when no token was sent.
				wa := resp.Header("www-authenticate")
				if !strings.HasPrefix(wa, "Bearer realm=") || strings.Contains(wa, `error="invalid_token"`) == (tc.code == "token_missing") {
					t.Errorf("www-authenticate = %q for %s", wa, tc.code)
				}
			}
			want := `"reason":"` + tc.code + `"`
			if tc.status == 431 { // a plain-text reply, in the text format
				want = "\nreason: " + tc.code + "\n"
			}
			if !strings.Contains(string(resp.Body), want) {
				t.Errorf("body %s does not hold %s", resp.Body, want)
			}
			if got, ok := h.Metric("jwt_proxy_wasm.denied." + tc.code); !ok || got != 1 {
				t.Errorf("denied.%s = %d (defined %v), want 1", tc.code, got, ok)
			}
		})
	}
}

// TestAttack_Algorithms: unsigned tokens, key confusion and signature format tricks.
func TestAttack_Algorithms(t *testing.T) {
	tests := []attack{
		{name: "HS256 against an asymmetric provider", req: tok(func(t *testing.T) string { return mint(t, "HS256", good(nil), nil) }), status: 401, code: "alg_not_allowed"},
		{name: "alg rs256 (lower case)", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"rs256","typ":"JWT","kid":"k-RS256"}`, payload())
		}), status: 401, code: "alg_unsupported"},
		{name: "ES256 with a DER signature", req: tok(func(t *testing.T) string {
			return rawToken(`{"alg":"ES256","typ":"JWT","kid":"k-ES256"}`, payload(), signES256(testKeys(t).ec, true))
		}), status: 401, code: "signature_invalid"},
		{name: "ES256 with a raw signature (control)", req: tok(func(t *testing.T) string {
			return rawToken(`{"alg":"ES256","typ":"JWT","kid":"k-ES256"}`, payload(), signES256(testKeys(t).ec, false))
		}), status: 200},
		{name: "signature stripped, empty third segment", req: tok(func(t *testing.T) string {
			return rawToken(rsHeader, payload(), noSignature)
		}), status: 401, code: "signature_invalid"},
		{name: "signature stripped, two segments", req: tok(func(t *testing.T) string {
			s := rs(t, rsHeader, payload())
			return s[:strings.LastIndexByte(s, '.')]
		}), status: 401, code: "token_malformed"},
		{name: "signature of another token", req: tok(func(t *testing.T) string {
			a, b := rs(t, rsHeader, payload()), rs(t, rsHeader, payload("sub", `"admin"`))
			return b[:strings.LastIndexByte(b, '.')] + a[strings.LastIndexByte(a, '.'):]
		}), status: 401, code: "signature_invalid"},
		{name: "JWE compact token (5 segments)", req: tok(func(*testing.T) string {
			seg := func(s string) string { return b64.EncodeToString([]byte(s)) }
			return seg(`{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k-RS256"}`) + "." + seg("encrypted-key") + "." +
				seg("iv-iv-iv-iv") + "." + seg(payload()) + "." + seg("tag-tag-tag-tag")
		}), status: 401, code: "token_encrypted"},
		{name: "nested JWT (cty JWT)", req: tok(func(t *testing.T) string {
			inner := rs(t, rsHeader, payload())
			return rs(t, `{"alg":"RS256","typ":"JWT","kid":"k-RS256","cty":"JWT"}`, inner)
		}), status: 401, code: "token_malformed"},
		{name: "nested JWT (cty jwt) with a JSON payload", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","typ":"JWT","kid":"k-RS256","cty":"jwt"}`, payload())
		}), status: 401, code: "token_malformed"},
	}
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		tests = append(tests,
			attack{name: "alg " + alg, req: tok(func(*testing.T) string {
				return rawToken(`{"alg":"`+alg+`","typ":"JWT"}`, payload(), noSignature)
			}), status: 401, code: "alg_unsupported"},
			attack{name: "alg " + alg + " with our kid and a real signature", req: tok(func(t *testing.T) string {
				return rs(t, `{"alg":"`+alg+`","typ":"JWT","kid":"k-RS256"}`, payload())
			}), status: 401, code: "alg_unsupported"})
	}
	for _, form := range []string{"PEM", "PKCS1 PEM", "JWK"} {
		sign := func(t *testing.T) func(string) []byte { return signHS256(rsaPublicForms(t)[form]) }
		tests = append(tests,
			attack{name: "HS256 keyed with the RSA public key " + form, req: tok(func(t *testing.T) string {
				return rawToken(`{"alg":"HS256","typ":"JWT","kid":"k-RS256"}`, payload(), sign(t))
			}), status: 401, code: "alg_not_allowed"},
			attack{name: "HS256 keyed with the RSA public key " + form + " against an HMAC provider", config: hmacProvider,
				req: tok(func(t *testing.T) string {
					return rawToken(`{"alg":"HS256","typ":"JWT"}`, payload(), sign(t))
				}), status: 401, code: "signature_invalid"})
	}
	runAttacks(t, tests)
}

// TestAttack_Header: what the JOSE header may name. Keys named by the token are never used
// (no callout: runAttacks asserts Host.Callouts() is empty), so a token signed by an
// attacker's key fails like any other foreign signature.
func TestAttack_Header(t *testing.T) {
	embedded := func(member func(jwk, x5c string) string) func(*testing.T) harness.Request {
		return tok(func(t *testing.T) string {
			k, jwk, x5c := attackerKey(t)
			return rawToken(`{"alg":"ES256","typ":"JWT",`+member(jwk, x5c)+`}`, payload(), signES256(k, false))
		})
	}
	tests := []attack{
		{name: "kid path traversal", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"../../../../../../dev/null"}`, payload())
		}), status: 401, code: "kid_unknown"},
		{name: "kid SQL injection", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"x' UNION SELECT 'k-RS256' --"}`, payload())
		}), status: 401, code: "kid_unknown"},
		{name: "kid 10 KB", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"`+strings.Repeat("k", 10<<10)+`"}`, payload())
		}), status: 401, code: "kid_unknown"},
		{name: "kid with a NUL byte", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"k-RS256\u0000"}`, payload())
		}), status: 401, code: "kid_unknown"},
		{name: "embedded jwk, attacker kid", req: embedded(func(jwk, _ string) string { return `"kid":"attacker","jwk":` + jwk }), status: 401, code: "kid_unknown"},
		{name: "embedded jwk, our kid", req: embedded(func(jwk, _ string) string { return `"kid":"k-ES256","jwk":` + jwk }), status: 401, code: "signature_invalid"},
		{name: "embedded jwk, no kid", req: embedded(func(jwk, _ string) string { return `"jwk":` + jwk }), status: 401, code: "signature_invalid"},
		{name: "jku pointing elsewhere", req: embedded(func(string, string) string {
			return `"kid":"attacker","jku":"http://127.0.0.1:1/jwks.json"`
		}), status: 401, code: "kid_unknown"},
		{name: "x5u pointing elsewhere", req: embedded(func(string, string) string {
			return `"kid":"k-ES256","x5u":"http://127.0.0.1:1/cert.pem"`
		}), status: 401, code: "signature_invalid"},
		{name: "x5c with the attacker's certificate", req: embedded(func(_, x5c string) string { return `"x5c":["` + x5c + `"]` }), status: 401, code: "signature_invalid"},
		{name: "crit with an unknown name", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"k-RS256","crit":["urn:example:must-understand"],"urn:example:must-understand":1}`, payload())
		}), status: 401, code: "token_crit_unsupported"},
		{name: "crit b64 false (unencoded payload)", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"k-RS256","crit":["b64"],"b64":false}`, payload())
		}), status: 401, code: "token_crit_unsupported"},
		{name: "duplicate alg in the header", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"none","kid":"k-RS256","alg":"RS256"}`, payload())
		}), status: 401, code: "token_malformed"},
		{name: "duplicate alg, one escaped", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"k-RS256","\u0061lg":"none"}`, payload())
		}), status: 401, code: "token_malformed"},
		{name: "duplicate kid in the header", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"k-RS256","kid":"other"}`, payload())
		}), status: 401, code: "token_malformed"},
		{name: "duplicate sub in the payload", req: tok(func(t *testing.T) string {
			return rs(t, rsHeader, strings.TrimSuffix(payload(), "}")+`,"sub":"admin"}`)
		}), status: 401, code: "token_malformed"},
		{name: "duplicate exp in the payload", req: tok(func(t *testing.T) string {
			return rs(t, rsHeader, strings.TrimSuffix(payload(), "}")+`,"exp":99999999999}`)
		}), status: 401, code: "token_malformed"},
		{name: "duplicate iss, one escaped", req: tok(func(t *testing.T) string {
			return rs(t, rsHeader, strings.TrimSuffix(payload(), "}")+`,"i\u0073s":"https://evil.example.com"}`)
		}), status: 401, code: "token_malformed"},
		// Stack exhaustion: deep nesting within the token size limit; the scanner bounds depth.
		{name: "payload nested 5,000 deep", req: tok(func(t *testing.T) string {
			return rs(t, rsHeader, strings.TrimSuffix(payload(), "}")+`,"x":`+nested(5000)+`}`)
		}), status: 401, code: "token_malformed"},
		{name: "header nested 5,000 deep", req: tok(func(t *testing.T) string {
			return rs(t, `{"alg":"RS256","kid":"k-RS256","x":`+nested(5000)+`}`, payload())
		}), status: 401, code: "token_malformed"},
	}
	runAttacks(t, tests)
}

// nested is a JSON array n levels deep.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// TestAttack_KeyURLsNeverFetched: with a remote provider and an attacker's server reachable
// as a cluster, jku/x5u URLs are never called; the only callout goes to the provider's IdP.
func TestAttack_KeyURLsNeverFetched(t *testing.T) {
	kc := newIdP(t, "idp")
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(evil.Close)
	opts := options(baseConfig("remote_jwks", kc.remoteJWKS(), nil).json(t), kc)
	opts.Clusters["evil"] = evil.URL
	opts.Clusters[strings.TrimPrefix(evil.URL, "http://")] = evil.URL
	h := harness.Start(t, opts)
	k, jwk, x5c := attackerKey(t)
	headers := []string{
		`"kid":"k-ES256","jku":"` + evil.URL + `/jwks.json"`,
		`"kid":"attacker","jku":"http://evil/jwks.json"`,
		`"kid":"k-ES256","x5u":"` + evil.URL + `/cert.pem"`,
		`"kid":"attacker","jwk":` + jwk,
		`"x5c":["` + x5c + `"]`,
	}
	if resp := do(t, h, bearer(mint(t, "RS256", good(nil), nil))); resp.Status != 200 {
		t.Fatalf("warm-up: status %d (%s), want 200", resp.Status, resp.Body)
	}
	for _, hd := range headers {
		resp := do(t, h, bearer(rawToken(`{"alg":"ES256","typ":"JWT",`+hd+`}`, payload(), signES256(k, false))))
		if resp.Status != 401 || resp.Upstream != nil {
			t.Errorf("header {%s}: status %d (%s), upstream %v; want 401", hd, resp.Status, resp.Body, resp.Upstream != nil)
		}
	}
	for _, c := range h.Callouts() {
		if c.Cluster != "idp" || header(c.Headers, ":authority") != "idp.example.com" {
			t.Errorf("callout to %s %s: only the IdP may be called", c.Cluster, header(c.Headers, ":authority"))
		}
	}
	if evilHits.Load() != 0 || h.UpstreamHits() != 1 {
		t.Errorf("attacker server hits %d, upstream hits %d; want 0 and 1", evilHits.Load(), h.UpstreamHits())
	}
}
