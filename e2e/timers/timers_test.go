// Package timers proves that the Go runtime overlay (scripts/overlay, applied by
// scripts/build-wasm.sh) keeps a module alive under Envoy 1.33's WASI, where poll_oneoff answers
// ENOSYS: a test filter that creates Go timers and forces many GC cycles is built with and
// without the overlay and run in the e2e host (package harness); the stock build dies, the
// overlay build serves 10,000 requests. See docs/design-wasi.md.
package timers

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

const (
	survivalRequests = 10000
	minGCCycles      = 50 // "many": the stock build dies at its first GC after a timer
	smokeRequests    = 2000
	// hangAfter bounds a run: a runtime that spins forever inside a host callback must fail the
	// test run, not stall it until go test's global timeout.
	hangAfter = 90 * time.Second
)

var builds sync.Map // "overlay"/"stock" -> *build

type build struct {
	once sync.Once
	wasm []byte
	err  error
}

// buildTimerFilter compiles testdata/timerfilter with scripts/build-wasm.sh (with or without
// -no-overlay), once per test binary.
func buildTimerFilter(t testing.TB, overlay bool) []byte {
	t.Helper()
	key := map[bool]string{true: "overlay", false: "stock"}[overlay]
	v, _ := builds.LoadOrStore(key, &build{})
	b := v.(*build)
	b.once.Do(func() {
		root, err := filepath.Abs("../..")
		if err != nil {
			b.err = err
			return
		}
		dir, err := os.MkdirTemp("", "timerfilter")
		if err != nil {
			b.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, key+".wasm")
		args := []string{"-o", out, "./e2e/timers/testdata/timerfilter"}
		if !overlay {
			args = append([]string{"-no-overlay"}, args...)
		}
		cmd := exec.Command(filepath.Join(root, "scripts", "build-wasm.sh"), args...)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = errors.New("scripts/build-wasm.sh " + strings.Join(args, " ") + ": " + err.Error() + "\n" + string(msg))
			return
		}
		b.wasm, b.err = os.ReadFile(out)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.wasm
}

var reportRE = regexp.MustCompile(`timerfilter requests=(\d+) numgc=(\d+) fired=(\d+)`)

// report is the filter's last "timerfilter requests=N numgc=M fired=F" log line.
type report struct{ requests, numGC, fired int }

func lastReport(logs []harness.LogEntry) (report, bool) {
	for i := len(logs) - 1; i >= 0; i-- {
		if m := reportRE.FindStringSubmatch(logs[i].Msg); m != nil {
			var r report
			r.requests, _ = strconv.Atoi(m[1])
			r.numGC, _ = strconv.Atoi(m[2])
			r.fired, _ = strconv.Atoi(m[3])
			return r, true
		}
	}
	return report{}, false
}

// run sends up to n requests to one worker and returns how many the filter served before its
// VM failed (every later request is refused with 503, fail closed).
func run(t *testing.T, h *harness.Host, n int) (served int, elapsed time.Duration) {
	t.Helper()
	watchdog := time.AfterFunc(hangAfter, func() {
		panic("timers: requests did not finish within " + hangAfter.String() + ": the runtime spins or deadlocks inside a host callback")
	})
	defer watchdog.Stop()
	start := time.Now()
	for served < n {
		resp, err := h.Do(harness.Request{Path: "/timers", Worker: 0})
		if err != nil {
			t.Fatalf("request %d: %v", served+1, err)
		}
		if h.VMFailed(0) {
			if resp.Status != 503 || resp.Upstream != nil {
				t.Errorf("request on a failed VM: status %d, reached upstream %v; want 503, refused", resp.Status, resp.Upstream != nil)
			}
			break
		}
		served++
	}
	return served, time.Since(start)
}

// vmFailure is the first log line that tells why the VM failed (the runtime's throw).
func vmFailure(logs []harness.LogEntry) string {
	var lines []string
	for _, l := range logs {
		if strings.Contains(l.Msg, "poll_oneoff") || strings.Contains(l.Msg, "fatal error") || strings.Contains(l.Msg, "VM failed") {
			lines = append(lines, firstLine(strings.TrimSpace(l.Msg)))
		}
	}
	return strings.Join(lines, " | ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TestTimerSurvival_Envoy133 runs the timer filter in Envoy 1.33's WASI (poll_oneoff: ENOSYS).
func TestTimerSurvival_Envoy133(t *testing.T) {
	tests := []struct {
		name    string
		overlay bool
	}{
		{name: "stock runtime dies at a GC after the first timer", overlay: false},
		{name: "overlay runtime serves 10000 requests", overlay: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := harness.Start(t, harness.Options{Wasm: buildTimerFilter(t, tt.overlay), Profile: harness.ProfileEnvoy133})
			served, elapsed := run(t, h, survivalRequests)
			logs := h.Logs()
			r, _ := lastReport(logs)
			t.Logf("overlay=%v: served %d requests in %v; last report: requests=%d numgc=%d fired=%d",
				tt.overlay, served, elapsed.Round(time.Millisecond), r.requests, r.numGC, r.fired)
			if !tt.overlay {
				if served == survivalRequests {
					t.Fatalf("stock build survived %d requests: the envoy-1.33 profile no longer reproduces Envoy's poll_oneoff", served)
				}
				why := vmFailure(logs)
				if !strings.Contains(why, "poll_oneoff") {
					t.Errorf("stock build failed for another reason: %s", why)
				}
				t.Logf("stock build: VM failed at request %d: %s", served+1, why)
				return
			}
			if served != survivalRequests {
				t.Fatalf("VM failed at request %d: %s", served+1, vmFailure(logs))
			}
			if r.requests != survivalRequests {
				t.Fatalf("last report at request %d, want %d", r.requests, survivalRequests)
			}
			if r.numGC < minGCCycles {
				t.Errorf("only %d GC cycles in %d requests, want >= %d: the test no longer stresses the collector", r.numGC, served, minGCCycles)
			}
			if r.fired == 0 {
				t.Errorf("no short timer ever fired: timers are dead, not merely survivable")
			}
		})
	}
}

// TestTimerSurvivalSmoke_EnvoyLatest: with cpp-host #533 poll_oneoff succeeds with no events, so
// even the stock runtime survives; the overlay must not change that.
func TestTimerSurvivalSmoke_EnvoyLatest(t *testing.T) {
	for _, overlay := range []bool{false, true} {
		h := harness.Start(t, harness.Options{Wasm: buildTimerFilter(t, overlay), Profile: harness.ProfileEnvoyLatest})
		if served, _ := run(t, h, smokeRequests); served != smokeRequests {
			t.Errorf("overlay=%v: VM failed at request %d in envoy-latest: %s", overlay, served+1, vmFailure(h.Logs()))
		}
	}
}
