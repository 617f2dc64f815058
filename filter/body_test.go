//go:build !wasm

package filter

import (
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// bodyConfig: AIP's "an agent files requests only as itself", with a 64-byte body limit.
var bodyConfig = `{
  "providers": {"keycloak": {"local_jwks": {"secret": "` + b64.EncodeToString(secret) + `"}, "identity_claim": "azp"}},
  "limits": {"max_body_bytes": 64},
  "rules": [{"match": {"path": "/agent-requests", "methods": ["POST"]}, "requires": {"provider_name": "keycloak"},
             "claims": [{"identity": true, "equals": {"body": "agentIdentity"}}]}]
}`

// TestBody_Chunks drives the body callbacks as Envoy does without a content-length: the
// headers continue (decided but for the body), each chunk is buffered (ActionPause) and the
// decision comes with end_of_stream.
func TestBody_Chunks(t *testing.T) {
	tests := []struct {
		name       string
		chunks     []string
		wantLast   types.Action
		wantStatus uint32 // local reply; 0 = none
	}{
		{name: "as itself in two chunks", chunks: []string{`{"agentIdentity":`, `"aip-agent-1"}`}, wantLast: types.ActionContinue},
		{name: "as another agent", chunks: []string{`{"agentIdentity":`, `"aip-agent-2"}`}, wantLast: types.ActionPause, wantStatus: 403},
		{name: "over the limit before the end", chunks: []string{`{"agentIdentity":"aip-agent-1","pad":"`, strings.Repeat("x", 40)}, wantLast: types.ActionPause, wantStatus: 413},
		{name: "not JSON", chunks: []string{"agentIdentity=aip-agent-1"}, wantLast: types.ActionPause, wantStatus: 400},
		{name: "empty final chunk", chunks: []string{`{"agentIdentity":"aip-agent-1"}`, ""}, wantLast: types.ActionContinue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := newHost(t, bodyConfig, nil)
			id := host.InitializeHttpContext()
			tok := mint(t, "HS256", map[string]any{"azp": "aip-agent-1"})
			hdrs := [][2]string{{":method", "POST"}, {":path", "/agent-requests"}, {":authority", "aip"}, {":scheme", "http"}, {"authorization", "Bearer " + tok}}
			if got := host.CallOnRequestHeaders(id, hdrs, false); got != types.ActionContinue {
				t.Fatalf("headers action = %v, want continue (the body is held instead)", got)
			}
			var last types.Action
			for i, c := range tc.chunks {
				end := i == len(tc.chunks)-1
				last = host.CallOnRequestBody(id, []byte(c), end)
				if !end && last != types.ActionPause && host.GetSentLocalResponse(id) == nil {
					t.Fatalf("chunk %d action = %v, want pause (buffer until the end)", i, last)
				}
				if host.GetSentLocalResponse(id) != nil {
					break
				}
			}
			if last != tc.wantLast {
				t.Errorf("last action = %v, want %v", last, tc.wantLast)
			}
			lr := host.GetSentLocalResponse(id)
			switch {
			case tc.wantStatus == 0 && lr != nil:
				t.Errorf("local reply %d %s, want none", lr.StatusCode, lr.Data)
			case tc.wantStatus != 0 && (lr == nil || lr.StatusCode != tc.wantStatus):
				t.Errorf("local reply = %+v, want %d", lr, tc.wantStatus)
			}
		})
	}
}

// TestBody_OtherRoutesNotHeld: requests on rules without body conditions are not buffered.
func TestBody_OtherRoutesNotHeld(t *testing.T) {
	cfg := strings.Replace(bodyConfig, `"rules": [`, `"rules": [{"match": {"path": "/open"}},`, 1)
	host := newHost(t, cfg, nil)
	id := host.InitializeHttpContext()
	hdrs := [][2]string{{":method", "POST"}, {":path", "/open"}, {":authority", "aip"}, {":scheme", "http"}}
	if got := host.CallOnRequestHeaders(id, hdrs, false); got != types.ActionContinue {
		t.Fatalf("headers action = %v", got)
	}
	if got := host.CallOnRequestBody(id, []byte("anything"), false); got != types.ActionContinue {
		t.Fatalf("body action = %v, want continue", got)
	}
}

func TestKeySource(t *testing.T) {
	tests := []struct {
		name string
		hops int
		xff  []string
		want string // "" = invalid
	}{
		{name: "no trusted hops: the connection", hops: 0, xff: []string{"10.0.0.1"}, want: "192.0.2.1"},
		{name: "one hop: last entry", hops: 1, xff: []string{"198.51.100.1, 10.0.0.1"}, want: "10.0.0.1"},
		{name: "two hops across headers", hops: 2, xff: []string{"198.51.100.1", "10.0.0.1, 172.16.0.1"}, want: "10.0.0.1"},
		{name: "too few entries", hops: 3, xff: []string{"10.0.0.1, 172.16.0.1"}},
		{name: "not an address", hops: 1, xff: []string{"unknown"}},
		{name: "with port", hops: 1, xff: []string{"[2001:db8::1]:443"}, want: "2001:db8::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := headerMap{}
			for _, v := range tc.xff {
				h = append(h, [2]string{"x-forwarded-for", v})
			}
			ctx := &httpContext{headers: h, req: newRequest(h, parseAddress("192.0.2.1:80"))}
			got := ctx.keySource(tc.hops)
			if tc.want == "" {
				if got.IsValid() {
					t.Errorf("keySource() = %v, want invalid", got)
				}
				return
			}
			if got.String() != tc.want {
				t.Errorf("keySource() = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestThumbprintFromHex(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 B.1), hex as Envoy writes it, base64url as x5t#S256.
	const h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got, ok := policy.ThumbprintFromHex(h); !ok || got != "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0" {
		t.Errorf("policy.ThumbprintFromHex = %q, %v", got, ok)
	}
	if got, ok := policy.ThumbprintFromHex(strings.ToUpper(h)); !ok || got != "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0" {
		t.Errorf("upper-case hex = %q, %v", got, ok)
	}
	for _, bad := range []string{"", h[:62], h + "00", "zz" + h[2:]} {
		if _, ok := policy.ThumbprintFromHex(bad); ok {
			t.Errorf("policy.ThumbprintFromHex(%q) accepted", bad)
		}
	}
}

// TestBody_Trailers: a held body that ends with trailers is refused, never let through.
func TestBody_Trailers(t *testing.T) {
	host := newHost(t, bodyConfig, nil)
	id := host.InitializeHttpContext()
	tok := mint(t, "HS256", map[string]any{"azp": "aip-agent-1"})
	hdrs := [][2]string{{":method", "POST"}, {":path", "/agent-requests"}, {":authority", "aip"}, {":scheme", "http"}, {"authorization", "Bearer " + tok}}
	host.CallOnRequestHeaders(id, hdrs, false)
	if got := host.CallOnRequestBody(id, []byte(`{"agentIdentity":"aip-agent-1"}`), false); got != types.ActionPause {
		t.Fatalf("body action = %v, want pause", got)
	}
	if got := host.CallOnRequestTrailers(id, [][2]string{{"x-checksum", "1"}}); got != types.ActionPause {
		t.Errorf("trailers action = %v, want pause", got)
	}
	if lr := host.GetSentLocalResponse(id); lr == nil || lr.StatusCode != 400 {
		t.Errorf("local reply = %+v, want 400", lr)
	}
}
