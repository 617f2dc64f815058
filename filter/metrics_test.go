package filter

import (
	"slices"
	"testing"
)

type fakeCounter struct{ n *uint64 }

func (c fakeCounter) Increment(d uint64) { *c.n += d }

func newFakeMetrics() (*metrics, map[string]*uint64, *[]string) {
	vals := map[string]*uint64{}
	var defined []string
	m := newMetrics(func(name string) counter {
		defined = append(defined, name)
		n := new(uint64)
		vals[name] = n
		return fakeCounter{n}
	})
	return m, vals, &defined
}

func TestMetrics(t *testing.T) {
	m, vals, defined := newFakeMetrics()
	m.declare([]string{"kc"})
	declared := len(*defined)
	for _, want := range []string{"jwt_proxy_wasm.allowed", "jwt_proxy_wasm.denied.token_expired",
		"jwt_proxy_wasm.denied.token_missing", "jwt_proxy_wasm.provider.kc.jwks_fetch_failed"} {
		if !slices.Contains(*defined, want) {
			t.Errorf("%s not defined at start", want)
		}
	}
	m.allowed("kc", false)
	m.allowed("", true)
	m.denied("token_expired", "kc")
	m.denied("Weird Code!", "")
	tests := []struct {
		name string
		want uint64
	}{
		{name: "jwt_proxy_wasm.allowed", want: 2},
		{name: "jwt_proxy_wasm.allowed.public", want: 1},
		{name: "jwt_proxy_wasm.provider.kc.allowed", want: 1},
		{name: "jwt_proxy_wasm.denied", want: 2},
		{name: "jwt_proxy_wasm.denied.token_expired", want: 1},
		{name: "jwt_proxy_wasm.provider.kc.denied", want: 1},
		{name: "jwt_proxy_wasm.denied._eird__ode_", want: 1}, // only [a-z0-9_] reach a metric name
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got uint64
			if v := vals[tc.name]; v != nil {
				got = *v
			}
			if got != tc.want {
				t.Errorf("%s = %d, want %d", tc.name, got, tc.want)
			}
		})
	}
	if len(*defined) != declared+1 {
		t.Errorf("defined %d new counters after start, want 1 (the odd code): %v", len(*defined)-declared, (*defined)[declared:])
	}
}

func TestMetrics_Bounded(t *testing.T) {
	m, _, defined := newFakeMetrics()
	for i := range 2 * maxMetrics {
		m.inc(string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	if len(*defined) > maxMetrics+1 {
		t.Errorf("defined %d counters, limit %d", len(*defined), maxMetrics+1)
	}
}

// TestKnownCodes: every reason code is unique and usable as a metric name as is.
func TestKnownCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range knownCodes() {
		if seen[c] {
			t.Errorf("code %q listed twice", c)
		}
		seen[c] = true
		if metricSafe(c) != c {
			t.Errorf("code %q is not metric-safe (%q)", c, metricSafe(c))
		}
	}
}
