package bench

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestCompare measures variants of the module side by side, for before/after figures of one
// change (docs/performance.md): BENCH_COMPARE is a comma-separated list of .wasm files. Each
// round runs the no-op module, then every variant on each path; a row is the median over the
// rounds of ns/request and of the ratio to the no-op of the same round.
//
//	BENCH_COMPARE=/tmp/before.wasm,build/jwt-proxy-wasm.wasm go test -run Compare -v ./e2e/bench
func TestCompare(t *testing.T) {
	list := os.Getenv("BENCH_COMPARE")
	if list == "" {
		t.Skip("BENCH_COMPARE not set")
	}
	const rounds, warm, n, freshN = 9, 200, 1500, 150
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}
	cfg := baseConfig(nil, nil)
	type row struct {
		name string
		reqs int
		do   func(i int)
	}
	rows := []row{{"no-op module", n, doer(t, newHost(t, module(t, "noop"), nil, 1), "/api/items", cached, 200)},
		{"host-call floor module", n, doer(t, newHost(t, module(t, "floor"), nil, 1), "/api/items", cached, 200)}}
	for _, p := range strings.Split(list, ",") {
		wasm, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := newHost(t, wasm, cfg, 1)
		fresh := doer(t, h, "/api/items", rs.mintN(t, rounds*(freshN+1)), 200)
		next := 0
		rows = append(rows,
			row{p + ": public route", n, doer(t, h, "/health", nil, 200)},
			row{p + ": cached token (RS256)", n, doer(t, h, "/api/items", cached, 200)},
			row{p + ": missing token (401)", n, doer(t, h, "/api/items", nil, 401)},
			row{p + ": fresh token RS256", freshN, func(int) { fresh(next); next++ }})
	}
	ns := make([][]float64, len(rows))
	for range rounds {
		for i, r := range rows {
			if r.reqs == n { // fresh rows are never warm: each token is new
				for j := range warm {
					r.do(j)
				}
			}
			start := time.Now()
			for j := range r.reqs {
				r.do(j)
			}
			ns[i] = append(ns[i], float64(time.Since(start).Nanoseconds())/float64(r.reqs))
		}
	}
	median := func(v []float64) float64 {
		v = append([]float64(nil), v...)
		sort.Float64s(v)
		return v[len(v)/2]
	}
	t.Logf("| module: row | ns/request | x no-op |")
	t.Logf("|---|---:|---:|")
	for i, r := range rows {
		ratios := make([]float64, rounds)
		for k := range ratios {
			ratios[k] = ns[i][k] / ns[0][k]
		}
		t.Logf("| %s | %.0f | %.2f |", r.name, median(ns[i]), median(ratios))
	}
}
