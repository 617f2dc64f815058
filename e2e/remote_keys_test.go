package e2e

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// keyServer is an IdP on loopback serving a JWKS at /certs and an OIDC discovery document at
// any path ending in /.well-known/openid-configuration, reached as cluster "idp". Tests switch
// what it serves (faults, rotated keys) and count what it was asked.
type keyServer struct {
	srv         *httptest.Server
	mu          sync.Mutex
	jwks        []byte
	fault       string // "": serve; "500", "garbage", "hang" (until the caller gives up)
	issuer      string // the discovery document's issuer
	gate        chan struct{}
	jwksFetches atomic.Int32
	discFetches atomic.Int32
}

const (
	certsPath   = "/certs"
	jwksURIHost = "http://idp.example.com"
)

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	k := &keyServer{jwks: testKeys(t).publicJWKS(), issuer: issuer}
	k.srv = httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keyServer) serve(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	body, fault, iss, gate := k.jwks, k.fault, k.issuer, k.gate
	k.mu.Unlock()
	switch {
	case r.URL.Path == certsPath:
		k.jwksFetches.Add(1)
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		k.discFetches.Add(1)
		body, _ = json.Marshal(map[string]any{"issuer": iss, "jwks_uri": jwksURIHost + certsPath})
	default:
		http.NotFound(w, r)
		return
	}
	if gate != nil {
		<-gate
	}
	switch fault {
	case "500":
		http.Error(w, "internal error", 500)
	case "garbage":
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write([]byte(`{"keys": [ not json`))
	case "hang":
		<-r.Context().Done() // the callout times out
	default:
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write(body)
	}
}

func (k *keyServer) set(fn func(k *keyServer)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	fn(k)
}

// remoteConfig is the provider "idp" with remote_jwks at this server; extra adds to the block.
func (k *keyServer) remoteConfig(t *testing.T, extra map[string]any) []byte {
	r := map[string]any{"cluster": "idp", "uri": jwksURIHost + certsPath, "timeout": "2s"}
	for n, v := range extra {
		r[n] = v
	}
	return baseConfig("remote_jwks", r, nil).json(t)
}

// keysHost starts the module with cfg, workers VMs, this server as cluster "idp" and a test
// clock at now.
func keysHost(t *testing.T, k *keyServer, cfg []byte, workers int) (*harness.Host, *harness.Clock) {
	t.Helper()
	clk := harness.NewClock(now)
	opts := options(cfg)
	opts.Clusters["idp"] = k.srv.URL
	opts.Workers = workers
	opts.Now = clk.Now
	return harness.Start(t, opts), clk
}

// tick moves the clock by d, runs the due ticks and waits for the callouts they dispatched.
func tick(h *harness.Host, clk *harness.Clock, d time.Duration) {
	clk.Advance(d)
	h.Tick()
	h.Wait()
}

// longLived are valid claims whose token outlives the clock moves of these tests.
func longLived() claims { return good(claims{"exp": now.Add(3 * time.Hour).Unix()}) }

// rotatedJWKS is the published JWKS plus a new RSA key under kid "k-rotated" (the key that
// mint's "RS256-other" signs with).
func rotatedJWKS(t *testing.T) []byte {
	k := testKeys(t)
	var set map[string][]any
	if err := json.Unmarshal(k.publicJWKS(), &set); err != nil {
		t.Fatal(err)
	}
	set["keys"] = append(set["keys"], map[string]any{"kty": "RSA", "kid": "k-rotated", "alg": "RS256",
		"n": b64.EncodeToString(k.rsaOther.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.rsaOther.E)).Bytes())})
	b, _ := json.Marshal(set)
	return b
}

func wantStatus(t *testing.T, resp *harness.Response, status int, reason string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status = %d (%s), want %d", resp.Status, resp.Body, status)
	}
	if reason != "" && !strings.Contains(string(resp.Body), `"reason":"`+reason+`"`) {
		t.Fatalf("body %s does not name %s", resp.Body, reason)
	}
}

func wantLog(t *testing.T, h *harness.Host, parts ...string) {
	t.Helper()
	for _, l := range h.Logs() {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l.Msg, p)
		}
		if all {
			return
		}
	}
	t.Errorf("no log line contains all of %q", parts)
}

// TestSmoke_RemoteKeys_FourWorkersColdStartFetchOnce: requests arriving on 4 VMs while the
// keys are being fetched all wait for the one fetch started at plugin start, and all pass.
func TestSmoke_RemoteKeys_FourWorkersColdStartFetchOnce(t *testing.T) {
	k := newKeyServer(t)
	k.gate = make(chan struct{})
	h, clk := keysHost(t, k, k.remoteConfig(t, nil), 4)
	const n = 16
	resps := make([]*harness.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := bearer(mint(t, "RS256", good(nil), nil))
			req.Worker = i % 4
			resps[i], _ = h.Do(req)
		}()
	}
	waitLogs(t, h, "waits for the keys of provider idp", n)
	close(k.gate)
	h.Wait()                           // the fetch landed in its VM, which resumed its own waiters
	tick(h, clk, 300*time.Millisecond) // the other VMs read the shared record on their tick
	wg.Wait()

	for i, r := range resps {
		if r == nil || r.Status != 200 {
			t.Errorf("request %d: %+v, want 200", i, r)
		}
	}
	if got := k.jwksFetches.Load(); got != 1 {
		t.Errorf("IdP fetches = %d, want 1", got)
	}
	if got := len(h.Callouts()); got != 1 {
		t.Errorf("callouts = %d, want 1", got)
	}
	if got := metric(t, h, "provider.idp.jwks_fetch.ok"); got != 1 {
		t.Errorf("jwks_fetch.ok = %d, want 1", got)
	}
	if got := metric(t, h, "provider.idp.jwks_keys"); got != 3 {
		t.Errorf("jwks_keys = %d, want 3 (the keys loaded)", got)
	}
}

// TestRemoteKeys_IdPDownAtStartThenUp: while the IdP is down requests are refused with
// keys_unavailable (never let through, and without a fetch per request); once it is up again
// the retry after the backoff loads the keys and requests pass.
func TestRemoteKeys_IdPDownAtStartThenUp(t *testing.T) {
	k := newKeyServer(t)
	k.fault = "500"
	h, clk := keysHost(t, k, k.remoteConfig(t, nil), 2)
	h.Wait()
	tok := mint(t, "RS256", longLived(), nil)

	for w := range 2 {
		req := bearer(tok)
		req.Worker = w
		resp := do(t, h, req)
		wantStatus(t, resp, 401, "keys_unavailable")
		wantNoUpstream(t, h, resp)
	}
	wantLog(t, h, "provider idp", jwksURIHost+certsPath, "http_status", "status 500")
	if got := k.jwksFetches.Load(); got != 1 {
		t.Errorf("IdP fetches while down = %d, want 1 (then backoff)", got)
	}

	k.set(func(k *keyServer) { k.fault = "" })
	tick(h, clk, 2*time.Second) // past the first backoff (1 s): the tick retries

	for w := range 2 {
		req := bearer(tok)
		req.Worker = w
		wantStatus(t, do(t, h, req), 200, "")
	}
	for name, want := range map[string]uint64{"provider.idp.jwks_fetch.http_status": 1, "provider.idp.jwks_fetch.ok": 1, "denied.keys_unavailable": 2} {
		if got := metric(t, h, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestRemoteKeys_FailedFetchRefusesWaitersOnEveryVM: requests on another VM than the one
// fetching wait for its fetch; when it fails they are refused on that VM's next tick, not
// held until their deadline.
func TestRemoteKeys_FailedFetchRefusesWaitersOnEveryVM(t *testing.T) {
	k := newKeyServer(t)
	k.fault, k.gate = "500", make(chan struct{})
	h, clk := keysHost(t, k, k.remoteConfig(t, nil), 2)
	var resp *harness.Response
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := bearer(mint(t, "RS256", good(nil), nil))
		req.Worker = 1 // VM 0 started first and holds the fetch lease
		resp, _ = h.Do(req)
	}()
	waitLogs(t, h, "waits for the keys of provider idp", 1)
	close(k.gate)
	h.Wait()
	tick(h, clk, 300*time.Millisecond) // well before the 2 s deadline
	<-done

	wantStatus(t, resp, 401, "keys_unavailable")
	if got := k.jwksFetches.Load(); got != 1 {
		t.Errorf("IdP fetches = %d, want 1", got)
	}
}

// TestRemoteKeys_RefreshFailureKeepsKeysWithinGrace: when refreshes fail (500, garbage, a
// timeout) the last good keys stay in use past their lifetime, until the grace period (1 h)
// ends; then requests are refused.
func TestRemoteKeys_RefreshFailureKeepsKeysWithinGrace(t *testing.T) {
	tests := []struct {
		fault      string
		wantResult string
	}{
		{fault: "500", wantResult: "http_status"},
		{fault: "garbage", wantResult: "malformed"},
		{fault: "hang", wantResult: "http_status"}, // Envoy answers a timed-out callout 504
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			k := newKeyServer(t)
			h, clk := keysHost(t, k, k.remoteConfig(t, map[string]any{"cache_duration": "60s", "timeout": "200ms"}), 1)
			h.Wait()
			tok := mint(t, "ES256", longLived(), nil)
			wantStatus(t, do(t, h, bearer(tok)), 200, "")

			k.set(func(k *keyServer) { k.fault = tc.fault })
			tick(h, clk, 50*time.Second) // refresh due (80% of 60 s): it fails
			wantStatus(t, do(t, h, bearer(tok)), 200, "")
			tick(h, clk, 40*time.Second) // 90 s: expired 30 s ago, within the grace; retry fails
			wantStatus(t, do(t, h, bearer(tok)), 200, "")

			if got := metric(t, h, "provider.idp.jwks_fetch."+tc.wantResult); got < 2 {
				t.Errorf("jwks_fetch.%s = %d, want the failed refreshes (>= 2)", tc.wantResult, got)
			}
			if got := metric(t, h, "provider.idp.jwks_state"); got != 4 {
				t.Errorf("jwks_state = %d, want 4 (stale)", got)
			}
			if got := k.jwksFetches.Load(); got < 3 || got > 4 {
				t.Errorf("IdP fetches = %d, want 3-4 (start, refresh, backed-off retries)", got)
			}

			tick(h, clk, time.Hour) // the grace has ended and the IdP still fails
			resp := do(t, h, bearer(tok))
			wantStatus(t, resp, 401, "keys_unavailable")
		})
	}
}

// TestRemoteKeys_Rotation: a token signed with a key published after the last fetch is
// accepted after one refetch (on every VM, one fetch in all); a burst of tokens with random
// kids causes at most one fetch per cooldown window (30 s).
func TestRemoteKeys_Rotation(t *testing.T) {
	k := newKeyServer(t)
	h, clk := keysHost(t, k, k.remoteConfig(t, nil), 2)
	h.Wait()
	wantStatus(t, do(t, h, bearer(mint(t, "RS256", longLived(), nil))), 200, "")

	k.set(func(k *keyServer) { k.jwks = rotatedJWKS(t) })
	rotated := mint(t, "RS256-other", longLived(), map[string]any{"kid": "k-rotated"})
	for w := range 2 {
		req := bearer(rotated)
		req.Worker = w
		wantStatus(t, do(t, h, req), 200, "")
	}
	if got := k.jwksFetches.Load(); got != 2 {
		t.Fatalf("IdP fetches = %d, want 2 (start, one refetch)", got)
	}

	burst := func() {
		t.Helper()
		for i := range 10 {
			req := bearer(mint(t, "RS256", longLived(), map[string]any{"kid": fmt.Sprintf("random-%d", i)}))
			req.Worker = i % 2
			resp := do(t, h, req)
			wantStatus(t, resp, 401, "kid_unknown")
		}
	}
	burst() // within the cooldown of the rotation refetch
	if got := k.jwksFetches.Load(); got != 2 {
		t.Errorf("IdP fetches after a burst within the cooldown = %d, want 2", got)
	}
	tick(h, clk, 31*time.Second)
	burst()
	burst()
	if got := k.jwksFetches.Load(); got != 3 {
		t.Errorf("IdP fetches after bursts in the next window = %d, want 3", got)
	}
}

// discoveryConfig is provider "idp" with OIDC discovery through cluster "idp".
func discoveryConfig(t *testing.T) []byte {
	return baseConfig("oidc", map[string]any{"cluster": "idp", "timeout": "2s"}, nil).json(t)
}

// TestSmoke_RemoteKeys_Discovery: discovery document -> its jwks_uri -> keys, at plugin start.
func TestSmoke_RemoteKeys_Discovery(t *testing.T) {
	k := newKeyServer(t)
	h, _ := keysHost(t, k, discoveryConfig(t), 1)
	h.Wait()

	resp := do(t, h, bearer(mint(t, "EdDSA", good(nil), nil)))

	wantStatus(t, resp, 200, "")
	var paths []string
	for _, c := range h.Callouts() {
		paths = append(paths, header(c.Headers, ":authority")+header(c.Headers, ":path"))
	}
	want := []string{"idp.example.com/realms/test/.well-known/openid-configuration", "idp.example.com" + certsPath}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("callouts = %q, want %q", paths, want)
	}
	for name, want := range map[string]uint64{"provider.idp.discovery_fetch.ok": 1, "provider.idp.jwks_fetch.ok": 1} {
		if got := metric(t, h, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestRemoteKeys_DiscoveryIssuerMismatch: a discovery document naming another issuer is not
// used (OIDC Discovery 4.3): no keys are fetched, requests are refused, and the log names
// both issuers.
func TestRemoteKeys_DiscoveryIssuerMismatch(t *testing.T) {
	k := newKeyServer(t)
	k.issuer = "https://evil.example.com"
	h, _ := keysHost(t, k, discoveryConfig(t), 1)
	h.Wait()

	resp := do(t, h, bearer(mint(t, "RS256", good(nil), nil)))

	wantStatus(t, resp, 401, "keys_unavailable")
	wantNoUpstream(t, h, resp)
	wantLog(t, h, "provider idp", "issuer_mismatch", `"https://evil.example.com"`, `"`+issuer+`"`)
	if got := k.jwksFetches.Load(); got != 0 {
		t.Errorf("JWKS fetches = %d, want 0", got)
	}
	if got := metric(t, h, "provider.idp.discovery_fetch.issuer_mismatch"); got != 1 {
		t.Errorf("discovery_fetch.issuer_mismatch = %d, want 1", got)
	}
}
