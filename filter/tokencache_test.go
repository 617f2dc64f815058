//go:build !wasm

package filter

import (
	"fmt"
	"strings"
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
	return newCacheHostConfig(t, now, localConfig)
}

func newCacheHostConfig(t *testing.T, now *time.Time, cfg string) (proxytest.HostEmulator, *recordingVM) {
	t.Helper()
	vm := &recordingVM{vmContext: vmContext{now: func() time.Time { return *now }}}
	opt := proxytest.NewEmulatorOption().WithVMContext(vm).WithPluginConfiguration([]byte(cfg))
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

// withTokenCache is localConfig with a top-level "token_cache": tc.
func withTokenCache(tc string) string {
	return strings.Replace(localConfig, "{", `{"token_cache": `+tc+`, `, 1)
}

// allowed sends path with tok and fails the test unless the request goes upstream as alice.
func allowed(t *testing.T, host proxytest.HostEmulator, path, tok string) {
	t.Helper()
	id, action := request(host, path, [2]string{"authorization", "Bearer " + tok})
	if action != types.ActionContinue {
		t.Fatalf("%s: %v %+v, want continue", path, action, host.GetSentLocalResponse(id))
	}
	if got, _ := headerValue(host.GetCurrentRequestHeaders(id), "x-user"); got != "alice" {
		t.Fatalf("%s: x-user = %q, want alice", path, got)
	}
}

// TestTokenCache_Configured: token_cache.max_entries bounds the cache; the oldest half goes
// first, so an evicted token is verified again and a recent one still hits.
func TestTokenCache_Configured(t *testing.T) {
	now := base
	host, vm := newCacheHostConfig(t, &now, withTokenCache(`{"max_entries": 2, "max_bytes": 65536}`))
	toks := make([]string, 3)
	for i := range toks {
		toks[i] = mint(t, "HS256", claimsFor(map[string]any{"exp": base.Add(time.Hour).Unix(), "jti": fmt.Sprint(i)}))
		allowed(t, host, "/api/nodes", toks[i])
	}
	c := vm.plugin.tokens
	if c == nil {
		t.Fatal("no cache with max_entries 2")
	}
	if c.Len() > 2 || c.Stats.Evictions == 0 {
		t.Fatalf("after 3 tokens: %d entries, %+v; want at most 2, with evictions", c.Len(), c.Stats)
	}
	allowed(t, host, "/api/nodes", toks[0]) // evicted: verified again, not a hit
	allowed(t, host, "/api/nodes", toks[2]) // the newest entry survived
	if c.Stats.Hits != 1 || c.Stats.Misses != 4 || c.Len() > 2 {
		t.Errorf("cache %+v with %d entries; want 1 hit (the newest token), 4 misses, at most 2 entries", c.Stats, c.Len())
	}
}

// TestTokenCache_Disabled: max_entries 0 means no cache at all; a repeated token is verified
// again, and still allowed or refused as with a cache.
func TestTokenCache_Disabled(t *testing.T) {
	now := base
	host, vm := newCacheHostConfig(t, &now, withTokenCache(`{"max_entries": 0}`))
	tok := mint(t, "HS256", claimsFor(map[string]any{"exp": base.Add(time.Minute).Unix()}))
	for range 3 {
		allowed(t, host, "/api/nodes", tok)
	}
	id, _ := request(host, "/api/admin/x", [2]string{"authorization", "Bearer " + tok})
	if r := host.GetSentLocalResponse(id); r == nil || r.StatusCode != 403 {
		t.Errorf("admin route without the role: %+v, want 403", r)
	}
	now = now.Add(5 * time.Minute)
	id, _ = request(host, "/api/nodes", [2]string{"authorization", "Bearer " + tok})
	if r := host.GetSentLocalResponse(id); r == nil || r.StatusCode != 401 {
		t.Errorf("expired token: %+v, want 401", r)
	}
	if vm.plugin.tokens != nil {
		t.Errorf("a cache exists (%d entries, %+v) with max_entries 0", vm.plugin.tokens.Len(), vm.plugin.tokens.Stats)
	}
}

// TestTokenCache_ResetOnNewConfiguration: a new configuration starts with an empty cache of
// its own size; entries verified under the old one are gone.
func TestTokenCache_ResetOnNewConfiguration(t *testing.T) {
	now := base
	host, vm := newCacheHost(t, &now)
	tok := mint(t, "HS256", claimsFor(map[string]any{"exp": base.Add(time.Hour).Unix()}))
	allowed(t, host, "/api/nodes", tok)
	if vm.plugin.tokens == nil || vm.plugin.tokens.Len() != 1 {
		t.Fatal("token not cached under the first configuration")
	}
	if st := vm.plugin.OnPluginStart(0); st != types.OnPluginStartStatusOK {
		t.Fatalf("restart: %v", st)
	}
	if vm.plugin.tokens != nil {
		t.Fatalf("cache kept across configurations: %d entries", vm.plugin.tokens.Len())
	}
	allowed(t, host, "/api/nodes", tok)
	if c := vm.plugin.tokens; c == nil || c.Stats.Hits != 0 || c.Len() != 1 {
		t.Errorf("after restart: %+v, want a new cache holding the re-verified token", c)
	}
}
