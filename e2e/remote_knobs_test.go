package e2e

import (
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// TestRemoteKeys_GracePeriodConfigured: grace_period sets how long the last good keys outlive
// their lifetime while refreshes fail. Keys live 60 s (cache_duration) and the IdP answers
// 500 from the first refresh on; each case checks a request at 90 s (expired 30 s ago) and
// at 190 s.
func TestRemoteKeys_GracePeriodConfigured(t *testing.T) {
	tests := []struct {
		name      string
		grace     string // "": the default (1 h)
		want90s   int
		want190s  int
		wantState uint64 // jwks_state at 190 s: 4 stale (in grace), 5 failed
	}{
		{name: "no grace", grace: "0s", want90s: 401, want190s: 401, wantState: 5},
		{name: "short grace ends", grace: "2m", want90s: 200, want190s: 401, wantState: 5},
		{name: "default grace", want90s: 200, want190s: 200, wantState: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyServer(t)
			extra := map[string]any{"cache_duration": "60s", "timeout": "200ms"}
			if tc.grace != "" {
				extra["grace_period"] = tc.grace
			}
			h, clk := keysHost(t, k, k.remoteConfig(t, extra), 1)
			h.Wait()
			tok := mint(t, "ES256", longLived(), nil)
			wantStatus(t, do(t, h, bearer(tok)), 200, "")

			k.set(func(k *keyServer) { k.fault = "500" })
			tick(h, clk, 50*time.Second) // refresh due (80% of 60 s): it fails
			wantStatus(t, do(t, h, bearer(tok)), 200, "")

			tick(h, clk, 40*time.Second) // 90 s
			wantKeysStatus(t, do(t, h, bearer(tok)), tc.want90s)
			tick(h, clk, 100*time.Second) // 190 s: a 2 min grace ended at 180 s
			wantKeysStatus(t, do(t, h, bearer(tok)), tc.want190s)

			if got := metric(t, h, "provider.idp.jwks_state"); got != tc.wantState {
				t.Errorf("jwks_state = %d, want %d", got, tc.wantState)
			}
		})
	}
}

// wantKeysStatus expects 200, or (any other status) 401 keys_unavailable.
func wantKeysStatus(t *testing.T, resp *harness.Response, status int) {
	t.Helper()
	if status == 200 {
		wantStatus(t, resp, 200, "")
		return
	}
	wantStatus(t, resp, 401, "keys_unavailable")
}

// TestRemoteKeys_MaxResponseBytesConfigured: a JWKS larger than max_response_bytes is refused
// (too_large, logged and counted) and requests get 401 keys_unavailable; the default limit
// (256 KiB) takes the same document.
func TestRemoteKeys_MaxResponseBytesConfigured(t *testing.T) {
	tests := []struct {
		name       string
		limit      int // 0: the default
		wantStatus int
		wantResult string
	}{
		{name: "over the configured limit", limit: 1024, wantStatus: 401, wantResult: "too_large"},
		{name: "default limit", wantStatus: 200, wantResult: "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyServer(t)
			k.jwks = rotatedJWKS(t) // a second RSA key: well over 1 KiB
			if len(k.jwks) <= 1024 {
				t.Fatalf("the JWKS is %d bytes; the test needs more than 1024", len(k.jwks))
			}
			extra := map[string]any{}
			if tc.limit > 0 {
				extra["max_response_bytes"] = tc.limit
			}
			h, _ := keysHost(t, k, k.remoteConfig(t, extra), 1)
			h.Wait()
			wantKeysStatus(t, do(t, h, bearer(mint(t, "ES256", longLived(), nil))), tc.wantStatus)
			if got := metric(t, h, "provider.idp.jwks_fetch."+tc.wantResult); got != 1 {
				t.Errorf("jwks_fetch.%s = %d, want 1", tc.wantResult, got)
			}
			if tc.wantResult != "ok" {
				wantLog(t, h, "provider idp", jwksURIHost+certsPath, tc.wantResult)
			}
		})
	}
}
