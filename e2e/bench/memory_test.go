package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMemory sends BENCH_MEMORY_REQUESTS (default 1,000,000) requests with 100,000 distinct
// HS256 tokens, round robin, through one VM, and reports its linear memory after warm-up
// (the first pass over the tokens) and then every 100,000 requests. With 100,000 tokens and
// a 10,000-entry cache every request misses: the cache churns at its bounds all along.
// Linear memory never shrinks, so flat = no growth after warm-up. BENCH_MEMORY=1 enables it.
func TestMemory(t *testing.T) {
	enabled(t, "BENCH_MEMORY")
	total := 1_000_000
	if s := os.Getenv("BENCH_MEMORY_REQUESTS"); s != "" {
		var err error
		if total, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	const distinct, step = 100_000, 100_000
	s := signerFor("HS256")
	tokens := s.mintN(t, distinct)
	h := newHost(t, module(t, "filter"), baseConfig(nil, nil), 1)
	do := doer(t, h, s.path(), tokens, 200)
	var b strings.Builder
	b.WriteString("| requests | linear memory | ns/request (last step) |\n|---:|---:|---:|\n")
	start := time.Now()
	var warm, peak uint64
	for i := range total {
		do(i)
		if (i+1)%step == 0 || i+1 == total {
			mem := h.MemoryBytes(0)
			if i+1 == distinct {
				warm = mem
			}
			peak = max(peak, mem)
			per := float64(time.Since(start).Nanoseconds()) / float64(step)
			start = time.Now()
			line := fmt.Sprintf("| %s | %s B (%.1f MiB) | %.0f |", groupDigits(float64(i+1)), groupDigits(float64(mem)), float64(mem)/(1<<20), per)
			t.Log(line)
			b.WriteString(line + "\n")
		}
	}
	if h.VMFailed(0) {
		t.Fatal("VM failed")
	}
	summary := fmt.Sprintf("\nafter warm-up (%d requests): %.1f MiB; at the end (%d): %.1f MiB; peak %.1f MiB (target <= 64 MiB, flat)\n",
		distinct, float64(warm)/(1<<20), total, float64(h.MemoryBytes(0))/(1<<20), float64(peak)/(1<<20))
	t.Log(summary)
	b.WriteString(summary)
	dir := outDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if peak > 64<<20 {
		t.Errorf("peak linear memory %d B > 64 MiB", peak)
	}
	if warm > 0 && h.MemoryBytes(0) > warm+warm/4 {
		t.Errorf("memory grew after warm-up: %d -> %d B", warm, h.MemoryBytes(0))
	}
}
