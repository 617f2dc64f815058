package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// TestSmoke_RemoteJWKS_ColdStart: the keys are fetched through the cluster at plugin start;
// a request arriving before they are in pauses, then goes through; later requests use the
// stored keys.
func TestSmoke_RemoteJWKS_ColdStart(t *testing.T) {
	kc := newIdP(t, "idp")
	kc.gate = make(chan struct{}) // hold the start fetch until the first request waits
	h := start(t, baseConfig("remote_jwks", kc.remoteJWKS(), nil).json(t), kc)

	var first *harness.Response
	done := make(chan struct{})
	go func() { defer close(done); first, _ = h.Do(bearer(mint(t, "RS256", good(nil), nil))) }()
	waitLogs(t, h, "waits for the keys of provider idp", 1) // the first request was paused
	close(kc.gate)
	<-done
	second := do(t, h, bearer(mint(t, "ES256", good(nil), nil)))

	for i, resp := range []*harness.Response{first, second} {
		if resp == nil {
			t.Fatalf("request %d: no response", i+1)
		}
		if resp.Status != 200 || resp.Upstream == nil {
			t.Errorf("request %d: status %d (%s), want 200 from the upstream", i+1, resp.Status, resp.Body)
		}
	}
	callouts := h.Callouts()
	if len(callouts) != 1 || kc.fetches.Load() != 1 {
		t.Fatalf("callouts = %+v, IdP fetches = %d; want exactly one", callouts, kc.fetches.Load())
	}
	c := callouts[0]
	want := map[string]string{":method": "GET", ":path": jwksPath, ":authority": "idp.example.com"}
	for name, v := range want {
		if got := header(c.Headers, name); got != v {
			t.Errorf("callout %s = %q, want %q", name, got, v)
		}
	}
	if c.Cluster != "idp" || c.Status != 200 {
		t.Errorf("callout cluster %q status %d, want idp 200", c.Cluster, c.Status)
	}
	if got := metric(t, h, "provider.idp.allowed"); got != 2 {
		t.Errorf("provider.idp.allowed = %d, want 2", got)
	}
	if got := metric(t, h, "provider.idp.jwks_fetch_ok"); got != 1 {
		t.Errorf("jwks_fetch_ok = %d, want 1", got)
	}
}

// TestRemoteJWKS_Down: when the JWKS cannot be fetched the waiting request is refused with
// keys_unavailable, never let through.
func TestRemoteJWKS_Down(t *testing.T) {
	tests := []struct {
		name  string
		setup func(i *idp)
	}{
		{name: "server answers 503", setup: func(i *idp) { i.status.Store(503) }},
		{name: "server unreachable", setup: func(i *idp) { i.srv.Close() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kc := newIdP(t, "idp")
			tc.setup(kc) // down from the start fetch on
			h := start(t, baseConfig("remote_jwks", kc.remoteJWKS(), nil).json(t), kc)

			resp := do(t, h, bearer(mint(t, "RS256", good(nil), nil)))

			if resp.Status != 401 {
				t.Fatalf("status = %d (%s), want 401", resp.Status, resp.Body)
			}
			if got := resp.Header("www-authenticate"); !strings.HasPrefix(got, realm+`, error="invalid_token"`) {
				t.Errorf("www-authenticate = %q, want invalid_token", got)
			}
			if !strings.Contains(string(resp.Body), `"reason":"keys_unavailable"`) {
				t.Errorf("body %s does not name keys_unavailable", resp.Body)
			}
			wantNoUpstream(t, h, resp)
			if got := metric(t, h, "denied.keys_unavailable"); got != 1 {
				t.Errorf("denied.keys_unavailable = %d, want 1", got)
			}
			if got := metric(t, h, "provider.idp.jwks_fetch_failed"); got != 1 {
				t.Errorf("jwks_fetch_failed = %d, want 1", got)
			}
		})
	}
}

// TestRemoteJWKS_ConcurrentRequestsJoinOneFetch: requests arriving while the fetch is in
// flight wait for it instead of starting their own.
func TestRemoteJWKS_ConcurrentRequestsJoinOneFetch(t *testing.T) {
	kc := newIdP(t, "idp")
	kc.gate = make(chan struct{})
	h := start(t, baseConfig("remote_jwks", kc.remoteJWKS(), nil).json(t), kc)
	const n = 3
	var wg sync.WaitGroup
	resps := make([]*harness.Response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := bearer(mint(t, "RS256", good(nil), nil))
			req.Worker = 0
			resps[i], errs[i] = h.Do(req)
		}()
	}
	// Release the single fetch once every request is paused on it (the IdP blocks until then).
	waitLogs(t, h, "waits for the keys of provider idp", n)
	close(kc.gate)
	wg.Wait()

	for i := range n {
		if errs[i] != nil || resps[i].Status != 200 {
			t.Errorf("request %d: %v %+v, want 200", i, errs[i], resps[i])
		}
	}
	if got := kc.fetches.Load(); got != 1 {
		t.Errorf("IdP fetches = %d, want 1", got)
	}
}

// waitLogs waits until the plugin logged a line containing substr n times: the requests are
// parked in the VM, so only the plugin can say it has seen them.
func waitLogs(t *testing.T, h *harness.Host, substr string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := 0
		for _, l := range h.Logs() {
			if strings.Contains(l.Msg, substr) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s, %d log lines contain %q, want %d", got, substr, n)
		}
		time.Sleep(time.Millisecond) // polling the host, not moving the test clock
	}
}

// TestRemoteJWKS_EveryWorkerGetsKeys: each Envoy worker runs its own VM; requests on both
// workers are verified with the one key set fetched at start and shared.
func TestRemoteJWKS_EveryWorkerGetsKeys(t *testing.T) {
	kc := newIdP(t, "idp")
	opts := options(baseConfig("remote_jwks", kc.remoteJWKS(), nil).json(t), kc)
	opts.Workers = 2
	h := harness.Start(t, opts)
	h.Wait() // the start fetch landed

	for w := range 2 {
		for range 2 {
			req := bearer(mint(t, "EdDSA", good(nil), nil))
			req.Worker = w
			if resp := do(t, h, req); resp.Status != 200 {
				t.Errorf("worker %d: status %d (%s), want 200", w, resp.Status, resp.Body)
			}
		}
	}
	if got := kc.fetches.Load(); got != 1 {
		t.Errorf("IdP fetches = %d, want 1 for both workers", got)
	}
}

func header(hs [][2]string, name string) string {
	for _, h := range hs {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}
