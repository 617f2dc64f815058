package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// Load and faults (issue 8). TestSoak runs for SOAK_DURATION (default 10 s; `make soak` sets
// 60 s); the fault tests check that garbage requests leave the VM serving.

const soakWorkers = 4

// soakKind is one class of request in the soak mix, with the answer it must get.
type soakKind struct {
	name   string
	tokens []string // one is picked per request; nil: no token
	path   string
	status int
	code   string // reason expected in the body ("" for 200)
}

// soakMix mints the pools: good tokens of three algorithms (more than one, so the verified
// token cache both hits and misses), expired ones, forged ones (foreign key, tampered payload,
// alg none), plus public and token-less requests.
func soakMix(t *testing.T) []soakKind {
	pool := func(n int, mk func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = mk(i)
		}
		return out
	}
	algs := []string{"RS256", "ES256", "EdDSA"}
	goodToks := pool(60, func(i int) string {
		return mint(t, algs[i%3], good(claims{"sub": fmt.Sprintf("user-%d", i)}), nil)
	})
	expired := pool(20, func(i int) string {
		return mint(t, algs[i%3], good(claims{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix() - int64(i)}), nil)
	})
	foreign := pool(20, func(i int) string { return mint(t, "RS256-other", good(claims{"sub": fmt.Sprint(i)}), nil) })
	tampered := pool(20, func(i int) string {
		a := strings.Split(goodToks[i], ".")
		b := strings.Split(mint(t, "RS256", good(claims{"sub": "admin", "n": i}), nil), ".")
		return a[0] + "." + b[1] + "." + a[2]
	})
	none := pool(5, func(i int) string {
		return rawToken(`{"alg":"none","typ":"JWT"}`, payload("n", fmt.Sprint(i)), noSignature)
	})
	return []soakKind{
		{name: "good", tokens: goodToks, path: "/api/nodes", status: 200},
		{name: "expired", tokens: expired, path: "/api/nodes", status: 401, code: "token_expired"},
		{name: "forged: foreign key", tokens: foreign, path: "/api/nodes", status: 401, code: "signature_invalid"},
		{name: "forged: tampered payload", tokens: tampered, path: "/api/nodes", status: 401, code: "signature_invalid"},
		{name: "forged: alg none", tokens: none, path: "/api/nodes", status: 401, code: "alg_unsupported"},
		{name: "no token", path: "/api/nodes", status: 401, code: "token_missing"},
		{name: "public", path: "/health", status: 200},
	}
}

// soakDuration reads SOAK_DURATION (a Go duration); 10 s by default, 2 s with -short.
func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("SOAK_DURATION=%q: want a positive Go duration such as 60s", s)
		}
		return d
	}
	if testing.Short() {
		return 2 * time.Second
	}
	return 10 * time.Second
}

// TestSoak: 4 VMs, 2 clients per VM, a mix of good, expired, forged, token-less and public
// requests for SOAK_DURATION. Every answer must be the expected one, no rejected request
// may reach the upstream (each request carries an id the upstream records), and no VM's
// linear memory may grow after warm-up beyond what the Go heap settles into.
func TestSoak(t *testing.T) {
	duration := soakDuration(t)
	mix := soakMix(t)
	var hits sync.Map // request id -> times the upstream saw it
	opts := options(baseConfig("local_jwks", localJWKS(t), nil).json(t))
	opts.Workers = soakWorkers
	opts.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.Header.Get("x-soak-id"), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
	})
	h := harness.Start(t, opts)

	var ids atomic.Int64
	// one sends a request of kind k to worker w and checks the answer; false on a wrong one.
	one := func(rng *rand.Rand, w int, k soakKind) (bool, string) {
		id := fmt.Sprint(ids.Add(1))
		req := get(k.path, "x-soak-id", id)
		req.Worker = w
		if k.tokens != nil {
			req.Headers = append(req.Headers, [2]string{"authorization", "Bearer " + k.tokens[rng.IntN(len(k.tokens))]})
		}
		resp, err := h.Do(req)
		switch {
		case err != nil:
			return false, fmt.Sprintf("%s: %v", k.name, err)
		case resp.Status != k.status:
			return false, fmt.Sprintf("%s on worker %d: status %d (%s), want %d", k.name, w, resp.Status, resp.Body, k.status)
		case k.status == 200 && resp.Upstream == nil:
			return false, fmt.Sprintf("%s: 200 without reaching the upstream", k.name)
		case k.status != 200 && (resp.Upstream != nil || !resp.Local):
			return false, fmt.Sprintf("%s: rejected request reached the upstream", k.name)
		case k.code != "" && !strings.Contains(string(resp.Body), `"reason":"`+k.code+`"`):
			return false, fmt.Sprintf("%s: body %s, want reason %s", k.name, resp.Body, k.code)
		}
		seen := int32(0)
		if n, ok := hits.Load(id); ok {
			seen = n.(*atomic.Int32).Load()
		}
		want := int32(0)
		if k.status == 200 {
			want = 1
		}
		if seen != want {
			return false, fmt.Sprintf("%s: request %s reached the upstream %d times, want %d", k.name, id, seen, want)
		}
		return true, ""
	}

	// Warm-up: every kind, many times, on every worker: every path has run and allocated.
	rng := rand.New(rand.NewPCG(1, 2))
	for w := 0; w < soakWorkers; w++ {
		for i := 0; i < 300; i++ {
			if ok, why := one(rng, w, mix[i%len(mix)]); !ok {
				t.Fatalf("warm-up: %s", why)
			}
		}
	}
	before := make([]uint64, soakWorkers)
	for w := range before {
		before[w] = h.MemoryBytes(w)
	}

	// The Go heap may still take a step or two after warm-up; a third into the run it has
	// settled, and from there to the end a leak shows (checked when the run is long enough).
	third := make([]uint64, soakWorkers)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		time.Sleep(duration / 3)
		for w := range third {
			third[w] = h.MemoryBytes(w)
		}
	}()

	var sent, wrong atomic.Int64
	perKind := make([]atomic.Int64, len(mix))
	var firstWrong sync.Once
	var wg sync.WaitGroup
	deadline := time.Now().Add(duration)
	startAt := time.Now()
	for c := 0; c < 2*soakWorkers; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			for time.Now().Before(deadline) {
				i := rng.IntN(len(mix))
				ok, why := one(rng, c%soakWorkers, mix[i])
				sent.Add(1)
				perKind[i].Add(1)
				if !ok {
					wrong.Add(1)
					firstWrong.Do(func() { t.Errorf("wrong answer: %s", why) })
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(startAt)
	<-sampled

	var upstreamSeen int64
	hits.Range(func(_, v any) bool { upstreamSeen += int64(v.(*atomic.Int32).Load()); return true })
	var counts []string
	for i, k := range mix {
		counts = append(counts, fmt.Sprintf("%s %d", k.name, perKind[i].Load()))
	}
	t.Logf("soak %s: %d requests (%.0f/s) on %d VMs, %d wrong; %s", elapsed.Round(time.Millisecond), sent.Load(),
		float64(sent.Load())/elapsed.Seconds(), soakWorkers, wrong.Load(), strings.Join(counts, ", "))
	if wrong.Load() != 0 {
		t.Errorf("%d wrong answers out of %d", wrong.Load(), sent.Load())
	}
	for w := 0; w < soakWorkers; w++ {
		after := h.MemoryBytes(w)
		t.Logf("VM %d linear memory: %.1f MiB after warm-up, %.1f MiB a third in, %.1f MiB at the end",
			w, mib(before[w]), mib(third[w]), mib(after))
		// Wasm memory never shrinks and the Go heap grows in steps as its target settles
		// (measured: 6.5 -> 9.5 MiB in the first 10 s, 9.9 MiB after 60 s), hence 4 MiB of
		// slack from warm-up. From a third in to the end, over >= 20 s (thousands of requests
		// per VM), 1 MiB allows no leak of more than a few hundred bytes per request.
		if after > before[w]+4<<20 {
			t.Errorf("VM %d linear memory grew from %.1f to %.1f MiB", w, mib(before[w]), mib(after))
		}
		if duration >= 30*time.Second && after > third[w]+1<<20 {
			t.Errorf("VM %d linear memory grew from %.1f to %.1f MiB after settling", w, mib(third[w]), mib(after))
		}
		if h.VMFailed(w) {
			t.Errorf("VM %d failed", w)
		}
	}
	if got, ok := h.Metric("jwt_proxy_wasm.denied.internal_error"); ok && got != 0 {
		t.Errorf("denied.internal_error = %d: a request panicked in the filter", got)
	}
	t.Logf("upstream saw %d requests (harness count %d)", upstreamSeen, h.UpstreamHits())
	if int64(h.UpstreamHits()) != upstreamSeen {
		t.Errorf("upstream hits %d, but the upstream recorded %d", h.UpstreamHits(), upstreamSeen)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// TestFault_GarbageRequests_VMKeepsServing: requests no client should send (random bytes in
// header names and values, thousands of headers, huge paths and bodies) are answered without
// a panic and never reach the upstream on a protected route, and the same VM then serves a
// good request. A panic would be a 500 internal_error (fail closed) and fails this test too:
// it would be a bug. A trap would fail the VM (VMFailed), which the harness answers 503.
func TestFault_GarbageRequests_VMKeepsServing(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	junk := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	many := func(n int, name func(i int) string, value func(i int) string) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, name(i), value(i))
		}
		return out
	}
	tests := []struct {
		name   string
		req    harness.Request
		status int
		code   string
	}{
		{name: "random bytes in authorization", req: get("/api/nodes", "authorization", "Bearer "+junk(300)), status: 401, code: "token_malformed"},
		{name: "random bytes with dots in authorization", req: get("/api/nodes", "authorization", "Bearer "+junk(100)+"."+junk(100)+"."+junk(100)), status: 401, code: "token_malformed"},
		{name: "random bytes in many header values", req: get("/api/nodes", many(200, func(i int) string { return fmt.Sprintf("x-junk-%d", i) }, func(int) string { return junk(64) })...), status: 401, code: "token_missing"},
		{name: "random bytes in header names", req: get("/api/nodes", many(50, func(int) string { return junk(16) }, func(int) string { return "v" })...), status: 401, code: "token_missing"},
		{name: "NUL, CR and LF in authorization", req: get("/api/nodes", "authorization", "Bearer a\x00b\r\nx-injected: 1"), status: 401, code: "token_malformed"},
		{name: "10,000 headers", req: get("/api/nodes", many(10000, func(i int) string { return fmt.Sprintf("x-h-%d", i) }, func(int) string { return "v" })...), status: 401, code: "token_missing"},
		{name: "1,000 authorization headers", req: get("/api/nodes", many(1000, func(int) string { return "authorization" }, func(int) string { return "Bearer " + junk(40) })...), status: 401, code: "token_ambiguous"},
		{name: "1,000 cookie headers", req: get("/api/nodes", many(1000, func(int) string { return "cookie" }, func(int) string { return junk(40) })...), status: 401, code: "token_missing"},
		{name: "random path", req: harness.Request{Path: "/api/" + junk(200), Worker: 0}, status: 400, code: "path_rejected"},
		{name: "100 KB path", req: harness.Request{Path: "/api/" + strings.Repeat("a/", 50<<10), Worker: 0}, status: 400, code: "path_rejected"},
		{name: "empty path and method", req: harness.Request{Method: " ", Path: "", Worker: 0}, status: 403, code: "no_route"},
		{name: "random method and authority", req: harness.Request{Method: junk(10), Authority: junk(30), Path: "/api/nodes", Worker: 0}, status: 401, code: "token_missing"},
		{name: "1 MB random body", req: harness.Request{Method: "POST", Path: "/api/nodes", Body: []byte(junk(1 << 20)), Worker: 0}, status: 401, code: "token_missing"},
		{name: "random bytes on a public route", req: get("/health", "authorization", junk(500), "cookie", junk(500)), status: 200, code: ""},
	}
	h := start(t, baseConfig("local_jwks", localJWKS(t), nil).json(t))
	goodReq := bearer(mint(t, "RS256", good(nil), nil))
	goodReq.Worker = 0
	hits := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Worker = 0

			resp, err := h.Do(tc.req)

			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if resp.Upstream != nil {
				hits++
			}
			if resp.Status != tc.status || (tc.code != "" && !strings.Contains(string(resp.Body), `"reason":"`+tc.code+`"`)) {
				t.Errorf("status %d (%s), want %d %s", resp.Status, resp.Body, tc.status, tc.code)
			}
			if tc.status != 200 && resp.Upstream != nil {
				t.Errorf("garbage on a protected route reached the upstream")
			}
			if h.VMFailed(0) {
				t.Fatalf("the VM failed: %v", h.Logs()[len(h.Logs())-1].Msg)
			}
			if resp.Status == 500 {
				t.Errorf("500: the filter panicked (%s)", resp.Body)
			}
			next := do(t, h, goodReq)
			hits++
			if next.Status != 200 || next.Upstream == nil {
				t.Errorf("the next good request: status %d (%s), want 200 from the upstream", next.Status, next.Body)
			}
			if h.UpstreamHits() != hits {
				t.Errorf("upstream hits %d, want %d", h.UpstreamHits(), hits)
			}
		})
	}
}
