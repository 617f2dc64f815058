package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// TestMemoryStarved reproduces issue 7's "memory under CPU starvation": the load of TestMemory
// (100,000 distinct HS256 tokens, round robin, one VM, every request misses the cache) on a
// host clock that runs BENCH_STARVE (default 30) times faster than real time. The WASI
// monotonic clock the Go runtime paces its GC on follows it, so to the module every
// request takes that many times longer, both inside and between host calls: what a
// worker starved of CPU sees. The factor is deterministic; the box's own speed is not.
// BENCH_MEMORY=1 enables it; BENCH_STARVE=0 runs the same load on a fixed clock.
func TestMemoryStarved(t *testing.T) {
	enabled(t, "BENCH_MEMORY")
	factor := 30
	if s := os.Getenv("BENCH_STARVE"); s != "" {
		var err error
		if factor, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	total := 200_000
	if s := os.Getenv("BENCH_MEMORY_REQUESTS"); s != "" {
		var err error
		if total, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	const distinct, step = 100_000, 25_000
	s := signerFor("HS256")
	tokens := make([]string, distinct) // valid for a day of the fast clock
	for i := range tokens {
		tokens[i] = s.mint(t, s.claims(i, map[string]any{"exp": now.Add(24 * time.Hour).Unix()}))
	}
	realStart := time.Now()
	clock := func() time.Time { return now.Add(time.Duration(factor) * time.Since(realStart)) }
	h, err := harness.New(harness.Options{Wasm: module(t, "filter"), PluginConfig: baseConfig(nil, nil),
		Workers: 1, Profile: harness.ProfileEnvoy133, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	do := doer(t, h, s.path(), tokens, 200)
	var warm, peak uint64
	start := time.Now()
	var slowest time.Duration // one request's real time: a forced collection shows here
	var slow []string         // requests over 50 ms: the guard runs on every 256th
	for i := range total {
		t0 := time.Now()
		do(i)
		d := time.Since(t0)
		slowest = max(slowest, d)
		if d > 50*time.Millisecond && len(slow) < 20 {
			slow = append(slow, fmt.Sprintf("#%d %v", i+1, d.Round(time.Millisecond)))
		}
		if i%64 == 0 {
			h.Tick() // proxy ticks are due on the host clock
		}
		if (i+1)%step == 0 {
			mem := h.MemoryBytes(0)
			if i+1 == distinct {
				warm = mem
			}
			peak = max(peak, mem)
			per := time.Since(start) / step
			t.Logf("x%d: %d requests: %.1f MiB, %v/request real, %v host", factor, i+1, float64(mem)/(1<<20), per, per*time.Duration(factor+1))
			start = time.Now()
		}
	}
	if h.VMFailed(0) {
		t.Fatal("VM failed")
	}
	t.Logf("x%d: after warm-up %.1f MiB, peak %.1f MiB, slowest request %v", factor, float64(warm)/(1<<20), float64(peak)/(1<<20), slowest)
	t.Logf("requests over 50 ms: %v", slow)
	forced := 0
	for _, l := range h.Logs() {
		if strings.Contains(l.Msg, "past its goal") {
			if forced++; forced == 1 {
				t.Logf("first forced collection: %s", l.Msg)
			}
		}
	}
	t.Logf("x%d: %d forced collections", factor, forced)
	if peak > 64<<20 {
		t.Errorf("peak linear memory %.1f MiB > 64 MiB (after warm-up %.1f MiB)", float64(peak)/(1<<20), float64(warm)/(1<<20))
	}
}
