package harness

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestTick_FiresOnHostClock(t *testing.T) {
	clk := NewClock(fixedNow)
	h := Start(t, Options{Wasm: module(t, "basic"), PluginConfig: []byte("tick"), Now: clk.Now, Workers: 2})
	ticks := func() uint64 { n, _ := h.Metric("ticks"); return n }

	h.Tick()
	if got := ticks(); got != 0 {
		t.Fatalf("ticks before the period = %d", got)
	}
	clk.Advance(100 * time.Millisecond)
	h.Tick()
	if got := ticks(); got != 2 {
		t.Fatalf("ticks after one period on 2 VMs = %d, want 2", got)
	}
	clk.Advance(time.Hour)
	h.Tick()
	h.Tick()
	if got := ticks(); got != 4 {
		t.Fatalf("ticks after a long jump = %d, want 4 (one per VM, timer re-armed)", got)
	}
}

func TestTick_CalloutFromRootContext(t *testing.T) {
	idp := idpServer(t, 0)
	clk := NewClock(fixedNow)
	h := Start(t, Options{Wasm: module(t, "basic"), PluginConfig: []byte("tickcall=idp"), Now: clk.Now, Clusters: map[string]string{"idp": idp.URL}})

	clk.Advance(time.Second)
	h.Tick()
	h.Wait()
	resp, err := h.Do(Request{Path: "/shared?k=tick-body"})
	if err != nil {
		t.Fatal(err)
	}

	if got := resp.Upstream.Header("x-shared-get"); got != `{"keys":[]} from idp/tick /ok` {
		t.Errorf("shared tick-body = %q", got)
	}
}

func TestSharedData_CASAcrossVMs(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic"), Workers: 2})
	do := func(worker int, path string) *UpstreamRequest {
		t.Helper()
		resp, err := h.Do(Request{Path: path, Worker: worker})
		if err != nil || resp.Upstream == nil {
			t.Fatalf("%s: %v %+v", path, err, resp)
		}
		return resp.Upstream
	}

	first := do(0, "/shared?k=a&v=1")
	second := do(1, "/shared?k=a&v=2")
	stale := do(0, "/shared?k=a&v=3&stale=1")
	last := do(1, "/shared?k=a")

	if first.Header("x-shared-get") != "/error status returned by host: not found" || first.Header("x-shared-set") != "ok" {
		t.Errorf("first: %v", first.Headers)
	}
	if second.Header("x-shared-get") != "1/ok" || second.Header("x-shared-set") != "ok" {
		t.Errorf("second (other VM): %v", second.Headers)
	}
	if stale.Header("x-shared-get") != "2/ok" || stale.Header("x-shared-set") != "error status returned by host: cas mismatch" {
		t.Errorf("stale CAS: %v", stale.Headers)
	}
	if last.Header("x-shared-get") != "2/ok" {
		t.Errorf("value after the refused write: %v", last.Headers)
	}
	c1, _ := strconv.Atoi(second.Header("x-shared-cas"))
	c2, _ := strconv.Atoi(stale.Header("x-shared-cas"))
	if c1 == 0 || c2 <= c1 {
		t.Errorf("cas values %d then %d, want increasing non-zero", c1, c2)
	}
}

func TestMetrics_SummedOverVMs(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic"), Workers: 2})

	for i := 0; i < 3; i++ {
		if _, err := h.Do(Request{Path: "/", Worker: -1, Method: "POST", Body: []byte("12345")}); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name string
		want uint64
	}{
		{name: "requests_total", want: 3},
		{name: "last_body_size", want: 15}, // a gauge the plugin adds to: one stat for all VMs
		{name: "body_sizes", want: 3},      // histogram: sample count
	}
	for _, tc := range tests {
		if got, ok := h.Metric(tc.name); !ok || got != tc.want {
			t.Errorf("Metric(%q) = %d, %v; want %d", tc.name, got, ok, tc.want)
		}
	}
	if _, ok := h.Metric("nope"); ok {
		t.Error("undefined metric found")
	}
}

func TestMetrics_CounterIncrementByZeroFailsTheVM(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic")})

	resp, err := h.Do(Request{Path: "/inc0"})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Status != 503 || !h.VMFailed(0) {
		t.Errorf("status %d, VM failed %v; want 503 from the SDK panic on BadArgument", resp.Status, h.VMFailed(0))
	}
}

func TestProperties(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic"), PluginName: "jwt"})

	resp, err := h.Do(Request{Method: "PUT", Path: "/props?x=1", Authority: "api.example", Scheme: "https", Source: "10.1.2.3:4567"})
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"x-prop-plugin_name":      "jwt",
		"x-prop-source.address":   "10.1.2.3:4567",
		"x-prop-source.port":      "4567",
		"x-prop-request.path":     "/props?x=1",
		"x-prop-request.method":   "PUT",
		"x-prop-request.host":     "api.example",
		"x-prop-request.scheme":   "https",
		"x-prop-request.protocol": "HTTP/1.1",
		"x-prop-node.id":          "wasmproxy",
		"x-prop-connection.mtls":  "1/ok",
		"x-prop-peer-cert":        "error status returned by host: not found",
		"x-prop-unknown":          "error status returned by host: not found",
	}
	for k, v := range want {
		if got := resp.Upstream.Header(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestVMFailure_FailClosedAndFailOpen(t *testing.T) {
	tests := []struct {
		name         string
		failOpen     bool
		wantStatus   int
		wantUpstream bool
	}{
		{name: "fail closed answers 503", wantStatus: http.StatusServiceUnavailable},
		{name: "fail open skips the filter", failOpen: true, wantStatus: http.StatusOK, wantUpstream: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Start(t, Options{Wasm: module(t, "basic"), FailOpen: tc.failOpen})

			first, err := h.Do(Request{Path: "/panic"})
			if err != nil {
				t.Fatal(err)
			}
			next, err := h.Do(Request{Path: "/headers"})
			if err != nil {
				t.Fatal(err)
			}

			if !h.VMFailed(0) {
				t.Fatal("VM not marked failed after a panic")
			}
			for _, resp := range []*Response{first, next} {
				if resp.Status != tc.wantStatus || (resp.Upstream != nil) != tc.wantUpstream {
					t.Errorf("response = %d upstream=%v", resp.Status, resp.Upstream)
				}
				if resp.Upstream != nil && resp.Upstream.Header("x-seen-auth") != "" {
					t.Errorf("the failed filter still ran: %v", resp.Upstream.Headers)
				}
			}
		})
	}
}

func TestClock_GoTimeFollowsHostClock(t *testing.T) {
	clk := NewClock(fixedNow)
	h := Start(t, Options{Wasm: module(t, "basic"), Now: clk.Now})

	first, _ := h.Do(Request{Path: "/time"})
	clk.Advance(90 * time.Second)
	second, _ := h.Do(Request{Path: "/time"})

	if got := first.Upstream.Header("x-now"); got != strconv.FormatInt(fixedNow.Unix(), 10) {
		t.Errorf("time.Now() in wasm = %s, want %d", got, fixedNow.Unix())
	}
	if got := second.Upstream.Header("x-now"); got != strconv.FormatInt(fixedNow.Unix()+90, 10) {
		t.Errorf("after Advance: %s", got)
	}
}

func TestSharedQueue_EnqueueWakesOwner(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic"), Workers: 2})

	resp, err := h.Do(Request{Path: "/enqueue?hello", Worker: 0})
	if err != nil {
		t.Fatal(err)
	}
	h.Wait()
	got, err := h.Do(Request{Path: "/shared?k=queue-last", Worker: 1})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Upstream.Header("x-enqueue") != "ok" || got.Upstream.Header("x-shared-get") != "hello/ok" {
		t.Errorf("enqueue %q, queue-last %q", resp.Upstream.Header("x-enqueue"), got.Upstream.Header("x-shared-get"))
	}
}

// TestSmoke_Profile runs the basic flows in the profile `make e2e` selects (E2E_PROFILE).
func TestSmoke_Profile(t *testing.T) {
	profile := os.Getenv("E2E_PROFILE")
	idp := idpServer(t, 0)
	h := Start(t, Options{Wasm: module(t, "basic"), Profile: profile, Clusters: map[string]string{"idp": idp.URL}, Now: NewClock(fixedNow).Now})

	for path, want := range map[string]int{"/": 200, "/deny": 403, "/callout": 200, "/headers": 200} {
		resp, err := h.Do(Request{Path: path})
		if err != nil || resp.Status != want {
			t.Errorf("%s: %v, status %d, want %d", path, err, resp.Status, want)
		}
	}
}

func TestTick_RealClockFiresInBackground(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic"), PluginConfig: []byte("tick")})

	deadline := time.Now().Add(5 * time.Second)
	for n, _ := h.Metric("ticks"); n < 2; n, _ = h.Metric("ticks") {
		if time.Now().After(deadline) {
			t.Fatalf("ticks = %d after 5 s with a 100 ms period", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
