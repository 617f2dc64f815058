package filter

import "testing"

// TestGCGuard: the guard reads the runtime's metrics every gcGuardEvery calls and does not
// collect while the heap is within its goal (a native process with background GC workers);
// a plugin without one (native tests' literals) is a no-op. The collection it forces under
// starvation is measured on the compiled module by e2e/bench TestMemoryStarved.
func TestGCGuard(t *testing.T) {
	tests := []struct {
		name  string
		guard *gcGuard
		calls int
	}{
		{name: "nil guard", guard: nil, calls: gcGuardEvery},
		{name: "heap within goal", guard: newGCGuard(), calls: 4 * gcGuardEvery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range tt.calls {
				tt.guard.check()
			}
			if tt.guard == nil {
				return
			}
			if tt.guard.forced != 0 {
				t.Errorf("forced %d collections, want 0", tt.guard.forced)
			}
			if tt.guard.samples[0].Value.Uint64() == 0 {
				t.Error("heap goal not read")
			}
		})
	}
}
