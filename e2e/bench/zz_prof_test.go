package bench

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// temporary: alternating rounds of noop and the modules in ZZWASMS, cached token / public / missing.
func TestZZProf(t *testing.T) {
	if os.Getenv("ZZPROF") == "" {
		t.Skip()
	}
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}
	cfg := baseConfig(nil, nil)
	n := 1500
	if os.Getenv("ZZFRESH") != "" {
		n = 300
	}
	type mod struct {
		name string
		do   func(int)
	}
	var mods []mod
	nh := newHost(t, module(t, "noop"), nil, 1)
	mods = append(mods, mod{"noop", doer(t, nh, "/api/items", cached, 200)})
	for _, p := range strings.Split(os.Getenv("ZZWASMS"), ",") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := newHost(t, b, cfg, 1)
		mods = append(mods, mod{p + " cached", doer(t, h, "/api/items", cached, 200)})
		mods = append(mods, mod{p + " public", doer(t, h, "/health", nil, 200)})
		mods = append(mods, mod{p + " missing", doer(t, h, "/api/items", nil, 401)})
		if os.Getenv("ZZFRESH") != "" {
			fresh := rs.mintN(t, 7*(200+n))
			off := 0
			d := doer(t, h, "/api/items", fresh, 200)
			mods = append(mods, mod{p + " fresh", func(int) { d(off); off++ }})
		}
	}
	res := make([][]float64, len(mods))
	for r := 0; r < 7; r++ {
		for i, m := range mods {
			for j := range 200 {
				m.do(j)
			}
			st := time.Now()
			for j := range n {
				m.do(j)
			}
			res[i] = append(res[i], float64(time.Since(st).Nanoseconds())/float64(n))
		}
	}
	for i, m := range mods {
		ratios := []float64{}
		for r := range res[i] {
			ratios = append(ratios, res[i][r]/res[0][r])
		}
		sort.Float64s(ratios)
		v := append([]float64(nil), res[i]...)
		sort.Float64s(v)
		t.Logf("%-40s median %8.0f ns  ratio %.2f", m.name, v[len(v)/2], ratios[len(ratios)/2])
	}
}

func TestZZLog(t *testing.T) {
	if os.Getenv("ZZPROF") == "" {
		t.Skip()
	}
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}
	path, want, toks := "/api/items", 200, cached
	if os.Getenv("ZZPATH") == "missing" {
		toks, want = nil, 401
	}
	h := newHost(t, module(t, "filter"), baseConfig(nil, nil), 1)
	do := doer(t, h, path, toks, want)
	for i := range 8000 {
		do(i)
	}
	for _, l := range h.Logs() {
		if strings.Contains(l.Msg, "PROF") {
			t.Log(l.Msg)
		}
	}
}
