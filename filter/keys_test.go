//go:build !wasm

// proxytest runs the contexts natively (its mock host does not build for wasm).

package filter

import (
	"strings"
	"testing"
	"time"

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

// clock is a settable test clock (the filter reads it through vmContext.now).
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// startCallout is the fetch the plugin dispatched at start, from its own context.
func startCallout(t *testing.T, host proxytest.HostEmulator) proxytest.HttpCalloutAttribute {
	t.Helper()
	callouts := host.GetCalloutAttributesFromContext(proxytest.PluginContextID)
	if len(callouts) != 1 {
		t.Fatalf("plugin callouts = %d, want the one fetch of plugin start", len(callouts))
	}
	return callouts[0]
}

func TestKeys_ColdStart_JoinedFetchResumesEveryWaiter(t *testing.T) {
	host := newHost(t, remoteConfig, nil)
	c := startCallout(t, host)

	first, a1 := request(host, "/api/a", bearerHeader(t))
	second, a2 := request(host, "/api/b", bearerHeader(t))

	if a1 != types.ActionPause || a2 != types.ActionPause {
		t.Fatalf("actions %v %v, want both paused", a1, a2)
	}
	if n := len(host.GetCalloutAttributesFromContext(first)) + len(host.GetCalloutAttributesFromContext(second)); n != 0 {
		t.Fatalf("requests dispatched %d callouts; want them to join the start fetch", n)
	}
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
	for name, want := range map[string]uint64{"provider.kc.jwks_fetch_ok": 1, "provider.kc.jwks_fetch.ok": 1, "provider.kc.jwks_fetch.http_status": 0} {
		if got := counterValue(t, host, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	if got, err := host.GetGaugeMetric(metricPrefix + "provider.kc.jwks_keys"); err != nil || got != 1 {
		t.Errorf("jwks_keys gauge = %d, %v; want 1", got, err)
	}
}

func TestKeys_FetchFailure_EveryWaiterGets401(t *testing.T) {
	tests := []struct {
		name       string
		headers    [][2]string
		body       []byte
		wantResult string
	}{
		{name: "503", headers: [][2]string{{":status", "503"}}, body: []byte("down"), wantResult: "http_status"},
		{name: "failed callout (no status)", wantResult: "no_response"},
		{name: "not a JWKS", headers: [][2]string{{":status", "200"}}, body: []byte(`{"keys":"nope"}`), wantResult: "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: base}
			host := newHost(t, remoteConfig, clk.now)
			c := startCallout(t, host)
			first, _ := request(host, "/api/a", bearerHeader(t))
			second, _ := request(host, "/api/b", bearerHeader(t))

			host.CallOnHttpCallResponse(c.CalloutID, tc.headers, nil, tc.body)

			wantReply(t, host, first, 401, "keys_unavailable")
			wantReply(t, host, second, 401, "keys_unavailable")
			if got := counterValue(t, host, "provider.kc.jwks_fetch_failed"); got != 1 {
				t.Errorf("jwks_fetch_failed = %d, want 1", got)
			}
			if got := counterValue(t, host, "provider.kc.jwks_fetch."+tc.wantResult); got != 1 {
				t.Errorf("jwks_fetch.%s = %d, want 1", tc.wantResult, got)
			}
			// During the backoff a request is refused at once, without hammering the IdP.
			third, a3 := request(host, "/api/c", bearerHeader(t))
			wantReply(t, host, third, 401, "keys_unavailable")
			if a3 != types.ActionPause || len(host.GetCalloutAttributesFromContext(third)) != 0 {
				t.Errorf("during the backoff: action %v, callouts %d; want a refusal without a fetch", a3, len(host.GetCalloutAttributesFromContext(third)))
			}
			// After it the next request tries again rather than failing forever.
			clk.advance(6 * time.Second)
			fourth, a4 := request(host, "/api/d", bearerHeader(t))
			if a4 != types.ActionPause || len(host.GetCalloutAttributesFromContext(fourth)) != 1 {
				t.Errorf("after the backoff: action %v, callouts %d; want a new fetch", a4, len(host.GetCalloutAttributesFromContext(fourth)))
			}
		})
	}
}

// failedStart answers the start fetch with 503 and moves past the backoff, so that the next
// request dispatches the fetch itself.
func failedStart(t *testing.T, host proxytest.HostEmulator, clk *clock) {
	t.Helper()
	host.CallOnHttpCallResponse(startCallout(t, host).CalloutID, [][2]string{{":status", "503"}}, nil, nil)
	clk.advance(6 * time.Second)
}

// TestKeys_DispatcherGone_TickRefetches: the SDK drops a callout's callback once the
// context that dispatched it is deleted; the other waiters must not hang. The plugin tick
// dispatches again from the plugin context, without counting a failure.
func TestKeys_DispatcherGone_TickRefetches(t *testing.T) {
	clk := &clock{t: base}
	host := newHost(t, remoteConfig, clk.now)
	failedStart(t, host, clk)
	owner, _ := request(host, "/api/a", bearerHeader(t))
	waiter, _ := request(host, "/api/b", bearerHeader(t))
	if len(host.GetCalloutAttributesFromContext(owner)) != 1 {
		t.Fatal("the first request after the backoff did not fetch")
	}

	host.CompleteHttpContext(owner) // client went away
	host.Tick()

	callouts := host.GetCalloutAttributesFromContext(proxytest.PluginContextID)
	if len(callouts) != 2 {
		t.Fatalf("plugin callouts after tick = %d, want 2 (start, re-dispatch)", len(callouts))
	}
	host.CallOnHttpCallResponse(callouts[1].CalloutID, [][2]string{{":status", "200"}}, nil, testJWKS(t))
	if got := host.GetCurrentHttpStreamAction(waiter); got != types.ActionContinue {
		t.Errorf("waiter: action %v, reply %+v; want continued", got, host.GetSentLocalResponse(waiter))
	}
	if got := counterValue(t, host, "provider.kc.jwks_fetch_failed"); got != 1 {
		t.Errorf("jwks_fetch_failed = %d, want 1 (the lost callout is no failure)", got)
	}
	host.Tick()
	if n := len(host.GetCalloutAttributesFromContext(proxytest.PluginContextID)); n != 2 {
		t.Errorf("an idle tick dispatched again (%d callouts)", n)
	}
}

// TestKeys_LateCallbackIgnored: a waiter whose stream ended is neither resumed nor answered.
func TestKeys_LateCallbackIgnored(t *testing.T) {
	host := newHost(t, remoteConfig, nil)
	c := startCallout(t, host)
	waiter, _ := request(host, "/api/a", bearerHeader(t))
	gone, _ := request(host, "/api/b", bearerHeader(t))

	host.CompleteHttpContext(gone)
	host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", "200"}}, nil, testJWKS(t))

	if got := host.GetCurrentHttpStreamAction(waiter); got != types.ActionContinue {
		t.Errorf("waiter: action %v, want continue", got)
	}
	if r := host.GetSentLocalResponse(gone); r != nil {
		t.Errorf("finished stream got a reply %+v", r)
	}
}

// TestKeys_WaiterDeadline: a request waiting for a fetch that never answers is refused with
// keys_unavailable on the first tick after its deadline (the callout timeout).
func TestKeys_WaiterDeadline(t *testing.T) {
	clk := &clock{t: base}
	host := newHost(t, remoteConfig, clk.now)
	startCallout(t, host)
	waiter, _ := request(host, "/api/a", bearerHeader(t))

	clk.advance(2 * time.Second)
	host.Tick()
	if r := host.GetSentLocalResponse(waiter); r != nil {
		t.Fatalf("refused before its deadline: %+v", r)
	}
	clk.advance(time.Second) // 3 s: the configured timeout
	host.Tick()

	wantReply(t, host, waiter, 401, "keys_unavailable")
}

var discoveryConfig = `{
  "providers": {"kc": {
    "issuer": "` + iss + `", "audiences": ["api"],
    "oidc": {"cluster": "idp", "uri": "https://idp.example.com/.well-known/openid-configuration", "timeout": "3s"}
  }},
  "rules": [{"name": "api", "match": {"prefix": "/api/"}, "requires": {"provider_name": "kc"}}]
}`

// TestKeys_Discovery_FollowsJWKSURI: the discovery document is fetched at start, its jwks_uri
// right after; when a refreshed document names another jwks_uri, the keys are fetched there.
func TestKeys_Discovery_FollowsJWKSURI(t *testing.T) {
	clk := &clock{t: base}
	host := newHost(t, discoveryConfig, clk.now)
	doc := func(jwksURI string) []byte {
		return []byte(`{"issuer":"` + iss + `","jwks_uri":"` + jwksURI + `"}`)
	}
	callout := func(n int, wantPath string) uint32 {
		t.Helper()
		cs := host.GetCalloutAttributesFromContext(proxytest.PluginContextID)
		if len(cs) != n {
			t.Fatalf("plugin callouts = %d, want %d", len(cs), n)
		}
		if got, _ := headerValue(cs[n-1].Headers, ":path"); got != wantPath {
			t.Fatalf("callout %d :path = %q, want %q", n, got, wantPath)
		}
		return cs[n-1].CalloutID
	}
	ok := [][2]string{{":status", "200"}}
	long := [][2]string{{":status", "200"}, {"cache-control", "public, max-age=86400"}} // keys outlive the document

	host.CallOnHttpCallResponse(callout(1, "/.well-known/openid-configuration"), ok, nil, doc("https://keys.example.com/a"))
	host.CallOnHttpCallResponse(callout(2, "/a"), long, nil, testJWKS(t))
	if _, a := request(host, "/api/x", bearerHeader(t)); a != types.ActionContinue {
		t.Fatalf("with discovered keys: action %v, want continue", a)
	}

	clk.advance(9 * time.Minute) // discovery refresh due (80% of 10 min)
	host.Tick()
	host.CallOnHttpCallResponse(callout(3, "/.well-known/openid-configuration"), ok, nil, doc("https://keys.example.com/b"))
	host.CallOnHttpCallResponse(callout(4, "/b"), long, nil, testJWKS(t))
	if _, a := request(host, "/api/y", bearerHeader(t)); a != types.ActionContinue {
		t.Fatalf("after the jwks_uri moved: action %v, want continue", a)
	}
	if got := counterValue(t, host, "provider.kc.discovery_fetch.ok"); got != 2 {
		t.Errorf("discovery_fetch.ok = %d, want 2", got)
	}
}
