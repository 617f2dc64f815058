//go:build !wasm

// proxytest runs the contexts natively (its mock host does not build for wasm).

package filter

import (
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

var remoteConfig = `{
  "providers": {"kc": {
    "issuer": "` + iss + `", "audiences": ["api"],
    "remote_jwks": {"cluster": "idp", "uri": "https://idp.example.com/certs?v=1", "timeout": "3s"}
  }},
  "rules": [{"name": "api", "match": {"prefix": "/api/"}, "requires": {"provider_name": "kc"}}]
}`

func bearerHeader(t *testing.T) [2]string {
	return [2]string{"authorization", "Bearer " + mint(t, "RS256", claimsFor(nil))}
}

func wantReply(t *testing.T, host proxytest.HostEmulator, id uint32, status uint32, substr string) {
	t.Helper()
	r := host.GetSentLocalResponse(id)
	if r == nil {
		t.Fatalf("request %d: no local reply, action %v; want %d", id, host.GetCurrentHttpStreamAction(id), status)
	}
	if r.StatusCode != status {
		t.Errorf("request %d: status %d (%s), want %d", id, r.StatusCode, r.Data, status)
	}
	if substr != "" && !strings.Contains(string(r.Data), substr) {
		t.Errorf("request %d: body %s does not contain %q", id, r.Data, substr)
	}
}

func TestKeys_ColdStart_JoinedFetchResumesEveryWaiter(t *testing.T) {
	host := newHost(t, remoteConfig, nil)

	first, a1 := request(host, "/api/a", bearerHeader(t))
	second, a2 := request(host, "/api/b", bearerHeader(t))

	if a1 != types.ActionPause || a2 != types.ActionPause {
		t.Fatalf("actions %v %v, want both paused", a1, a2)
	}
	callouts := host.GetCalloutAttributesFromContext(first)
	if len(callouts) != 1 || len(host.GetCalloutAttributesFromContext(second)) != 0 {
		t.Fatalf("callouts %+v / %+v; want one, from the first request", callouts, host.GetCalloutAttributesFromContext(second))
	}
	c := callouts[0]
	if c.Upstream != "idp" {
		t.Errorf("cluster = %q, want idp", c.Upstream)
	}
	for name, want := range map[string]string{":method": "GET", ":path": "/certs?v=1", ":authority": "idp.example.com", "accept": "application/json"} {
		if got, _ := headerValue(c.Headers, name); got != want {
			t.Errorf("callout %s = %q, want %q", name, got, want)
		}
	}

	host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", "200"}}, nil, testJWKS(t))

	for _, id := range []uint32{first, second} {
		if got := host.GetCurrentHttpStreamAction(id); got != types.ActionContinue || host.GetSentLocalResponse(id) != nil {
			t.Errorf("request %d: action %v, reply %+v; want continued", id, got, host.GetSentLocalResponse(id))
		}
	}
	if third, a3 := request(host, "/api/c", bearerHeader(t)); a3 != types.ActionContinue || len(host.GetCalloutAttributesFromContext(third)) != 0 {
		t.Errorf("with keys loaded: action %v, callouts %d; want continue without a fetch", a3, len(host.GetCalloutAttributesFromContext(third)))
	}
	if got := counterValue(t, host, "provider.kc.jwks_fetch_ok"); got != 1 {
		t.Errorf("jwks_fetch_ok = %d, want 1", got)
	}
}

func TestKeys_FetchFailure_EveryWaiterGets401(t *testing.T) {
	tests := []struct {
		name    string
		headers [][2]string
		body    []byte
	}{
		{name: "503", headers: [][2]string{{":status", "503"}}, body: []byte("down")},
		{name: "failed callout (no status)"},
		{name: "not a JWKS", headers: [][2]string{{":status", "200"}}, body: []byte(`{"keys":"nope"}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := newHost(t, remoteConfig, nil)
			first, _ := request(host, "/api/a", bearerHeader(t))
			second, _ := request(host, "/api/b", bearerHeader(t))
			c := host.GetCalloutAttributesFromContext(first)[0]

			host.CallOnHttpCallResponse(c.CalloutID, tc.headers, nil, tc.body)

			wantReply(t, host, first, 401, "keys_unavailable")
			wantReply(t, host, second, 401, "keys_unavailable")
			if got := counterValue(t, host, "provider.kc.jwks_fetch_failed"); got != 1 {
				t.Errorf("jwks_fetch_failed = %d, want 1", got)
			}
			// The next request tries again rather than failing forever.
			third, a3 := request(host, "/api/c", bearerHeader(t))
			if a3 != types.ActionPause || len(host.GetCalloutAttributesFromContext(third)) != 1 {
				t.Errorf("after a failure: action %v, callouts %d; want a new fetch", a3, len(host.GetCalloutAttributesFromContext(third)))
			}
		})
	}
}

// TestKeys_DispatcherGone_TickRefetches: the SDK drops a callout's callback once the
// context that dispatched it is deleted; the other waiters must not hang. The plugin tick
// dispatches again from the plugin context.
func TestKeys_DispatcherGone_TickRefetches(t *testing.T) {
	host := newHost(t, remoteConfig, nil)
	owner, _ := request(host, "/api/a", bearerHeader(t))
	waiter, _ := request(host, "/api/b", bearerHeader(t))
	if host.GetTickPeriod() == 0 {
		t.Fatal("no tick period set with a remote provider")
	}

	host.CompleteHttpContext(owner) // client went away
	host.Tick()

	callouts := host.GetCalloutAttributesFromContext(proxytest.PluginContextID)
	if len(callouts) != 1 {
		t.Fatalf("plugin callouts after tick = %d, want 1", len(callouts))
	}
	host.CallOnHttpCallResponse(callouts[0].CalloutID, [][2]string{{":status", "200"}}, nil, testJWKS(t))
	if got := host.GetCurrentHttpStreamAction(waiter); got != types.ActionContinue {
		t.Errorf("waiter: action %v, reply %+v; want continued", got, host.GetSentLocalResponse(waiter))
	}
	host.Tick()
	if n := len(host.GetCalloutAttributesFromContext(proxytest.PluginContextID)); n != 1 {
		t.Errorf("an idle tick dispatched again (%d callouts)", n)
	}
}

// TestKeys_LateCallbackIgnored: a waiter whose stream ended is neither resumed nor answered.
func TestKeys_LateCallbackIgnored(t *testing.T) {
	host := newHost(t, remoteConfig, nil)
	owner, _ := request(host, "/api/a", bearerHeader(t))
	gone, _ := request(host, "/api/b", bearerHeader(t))
	c := host.GetCalloutAttributesFromContext(owner)[0]

	host.CompleteHttpContext(gone)
	host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", "200"}}, nil, testJWKS(t))

	if got := host.GetCurrentHttpStreamAction(owner); got != types.ActionContinue {
		t.Errorf("owner: action %v, want continue", got)
	}
	if r := host.GetSentLocalResponse(gone); r != nil {
		t.Errorf("finished stream got a reply %+v", r)
	}
}
