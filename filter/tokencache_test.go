//go:build !wasm

package filter

import (
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// recordingVM keeps the plugin context it creates, so tests can read the cache and rotate keys.
type recordingVM struct {
	vmContext
	plugin *pluginContext
}

func (v *recordingVM) NewPluginContext(id uint32) types.PluginContext {
	v.plugin = v.vmContext.NewPluginContext(id).(*pluginContext)
	return v.plugin
}

func newCacheHost(t *testing.T, now *time.Time) (proxytest.HostEmulator, *recordingVM) {
	t.Helper()
	vm := &recordingVM{vmContext: vmContext{now: func() time.Time { return *now }}}
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(localConfig))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(reset)
	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		t.Fatalf("StartPlugin() = %v, critical logs %q", st, host.GetCriticalLogs())
	}
	return host, vm
}

// TestTokenCache: a token verified once is served from the cache on the next request, which
// still checks the clock and the rule's claims; new keys invalidate it; failures are not cached.
func TestTokenCache(t *testing.T) {
	tests := []struct {
		name       string
		exp        time.Duration // token lifetime from base
		second     string        // path of the second request
		later      time.Duration // how long after the first the second comes
		rotate     bool          // the provider gets other keys in between
		wantStatus uint32        // of the second request; 0 = continued
		wantHits   uint64
	}{
		{name: "repeat is a hit", exp: time.Hour, second: "/api/nodes", wantHits: 1},
		{name: "hit still checks the rule's claims", exp: time.Hour, second: "/api/admin/x", wantStatus: 403, wantHits: 1},
		{name: "expired after caching", exp: time.Minute, second: "/api/nodes", later: 5 * time.Minute, wantStatus: 401},
		{name: "keys rotated", exp: time.Hour, second: "/api/nodes", rotate: true, wantStatus: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := base
			host, vm := newCacheHost(t, &now)
			tok := mint(t, "HS256", claimsFor(map[string]any{"exp": base.Add(tc.exp).Unix()}))
			auth := [2]string{"authorization", "Bearer " + tok}
			if _, action := request(host, "/api/nodes", auth); action != types.ActionContinue {
				t.Fatalf("first request: %v", action)
			}
			now = now.Add(tc.later)
			if tc.rotate {
				other, err := jwks.ParseKey([]byte(`{"kty":"oct","k":"` + b64.EncodeToString([]byte("another-secret-of-at-least-32-bytes!")) + `"}`))
				if err != nil {
					t.Fatal(err)
				}
				vm.plugin.keys["local"].set = jwks.NewSet(other)
			}

			id, action := request(host, tc.second, auth)

			reply := host.GetSentLocalResponse(id)
			switch {
			case tc.wantStatus == 0 && action != types.ActionContinue:
				t.Fatalf("second request: %v %+v, want continue", action, reply)
			case tc.wantStatus != 0 && (reply == nil || reply.StatusCode != tc.wantStatus):
				t.Fatalf("second request: %v %+v, want %d", action, reply, tc.wantStatus)
			}
			if tc.wantStatus == 0 {
				if got, _ := headerValue(host.GetCurrentRequestHeaders(id), "x-user"); got != "alice" {
					t.Errorf("x-user from cached claims = %q, want alice", got)
				}
			}
			if got := vm.plugin.tokens.Stats.Hits; got != tc.wantHits {
				t.Errorf("cache hits = %d, want %d", got, tc.wantHits)
			}
		})
	}
}

func TestTokenCache_FailuresNotCached(t *testing.T) {
	now := base
	host, vm := newCacheHost(t, &now)
	bad := mint(t, "HS256", claimsFor(map[string]any{"iss": "https://evil"}))
	for range 2 {
		if id, _ := request(host, "/api/nodes", [2]string{"authorization", "Bearer " + bad}); host.GetSentLocalResponse(id) == nil {
			t.Fatal("bad token let through")
		}
	}
	if vm.plugin.tokens != nil && vm.plugin.tokens.Len() != 0 {
		t.Fatalf("%d entries cached for a failing token", vm.plugin.tokens.Len())
	}
}
