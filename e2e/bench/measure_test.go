package bench

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// rounds of each measurement; the median round is reported (this box's speed drifts).
const rounds = 9

// timeRounds runs do for warm calls, then rounds batches of batch calls; it returns the median
// nanoseconds per call. do gets a running index (fresh-token rows use it to pick a token).
// Each ref (a function timing a reference batch, returning ns per call) runs right before
// every round, and ratios[k] is the median over rounds of round / ref k: this box's speed
// drifts by several times between minutes, so ratios are taken between neighbours in time.
func timeRounds(warm, batch int, do func(i int), refs ...func() float64) (ns float64, ratios []float64) {
	i := 0
	for ; i < warm; i++ {
		do(i)
	}
	per := make([]float64, rounds)
	rel := make([][]float64, len(refs))
	for r := range per {
		refNs := make([]float64, len(refs))
		for k, ref := range refs {
			refNs[k] = ref()
		}
		start := time.Now()
		for range batch {
			do(i)
			i++
		}
		per[r] = float64(time.Since(start).Nanoseconds()) / float64(batch)
		for k := range refs {
			rel[k] = append(rel[k], per[r]/refNs[k])
		}
	}
	for k := range rel {
		ratios = append(ratios, medianOf(rel[k]))
	}
	return medianOf(per), ratios
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// batchTimer returns a ref for timeRounds: one timed batch of do per call.
func batchTimer(batch int, do func(i int)) func() float64 {
	i := 0
	return func() float64 {
		start := time.Now()
		for range batch {
			do(i)
			i++
		}
		return float64(time.Since(start).Nanoseconds()) / float64(batch)
	}
}

// autoBatch picks a batch that takes about 150 ms, from 50 timed calls.
func autoBatch(do func(i int)) int {
	start := time.Now()
	for i := range 50 {
		do(i)
	}
	per := time.Since(start) / 50
	return max(50, min(200_000, int(150*time.Millisecond/max(per, 1))))
}

// newHost starts the module with cfg on one VM (or workers), the fixed clock, Envoy 1.33's WASI.
func newHost(tb testing.TB, wasm, cfg []byte, workers int) *harness.Host {
	tb.Helper()
	h, err := harness.New(harness.Options{Wasm: wasm, PluginConfig: cfg, Workers: workers,
		Profile: harness.ProfileEnvoy133, Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { h.Close() })
	return h
}

// doer sends req (with the token of index i from tokens, when given) and checks the status,
// so a row measures the path it names.
func doer(tb testing.TB, h *harness.Host, path string, tokens []string, want int) func(i int) {
	return func(i int) {
		req := harness.Request{Path: path}
		if len(tokens) > 0 {
			req.Headers = [][2]string{{"authorization", "Bearer " + tokens[i%len(tokens)]}}
		}
		resp, err := h.Do(req)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if resp.Status != want {
			tb.Fatalf("%s: status %d (%s), want %d", path, resp.Status, resp.Body, want)
		}
	}
}

// verifier runs the verify loop module (testdata/verify) on plain wazero.
type verifier struct {
	mod        api.Module
	sig, full  api.Function
	rt         wazero.Runtime
	tokenIndex map[string]int // alg -> index of its token in the module
}

func newVerifier(tb testing.TB, jwks string, tokens map[string]string) *verifier {
	tb.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	tb.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cfg := wazero.NewModuleConfig().WithStartFunctions("_initialize").
		WithEnv("BENCH_JWKS", jwks).WithEnv("BENCH_NOW", strconv.FormatInt(now.Unix(), 10))
	v := &verifier{rt: rt, tokenIndex: map[string]int{}}
	algs := make([]string, 0, len(tokens))
	for alg := range tokens {
		algs = append(algs, alg)
	}
	slices.Sort(algs)
	for i, alg := range algs {
		cfg = cfg.WithEnv("BENCH_TOKEN_"+strconv.Itoa(i), tokens[alg])
		v.tokenIndex[alg] = i
	}
	mod, err := rt.InstantiateWithConfig(ctx, module(tb, "verify"), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	v.mod, v.sig, v.full = mod, mod.ExportedFunction("verify_sig"), mod.ExportedFunction("verify_full")
	return v
}

// perCall returns the median ns of one verification of alg's token by f (verify_sig or
// verify_full), over rounds calls of n verifications each.
func (v *verifier) perCall(tb testing.TB, f api.Function, alg string, n int) float64 {
	tb.Helper()
	one := v.timer(tb, f, alg, n)
	one()
	per := make([]float64, rounds)
	for r := range per {
		per[r] = one()
	}
	return medianOf(per)
}

// timer returns a function timing n verifications of alg's token by f (ns per verification).
func (v *verifier) timer(tb testing.TB, f api.Function, alg string, n int) func() float64 {
	i := uint64(v.tokenIndex[alg])
	return func() float64 {
		start := time.Now()
		res, err := f.Call(context.Background(), i, uint64(n))
		if err != nil || res[0] != 0 {
			tb.Fatalf("%s in wasm: %v, %v failures", alg, err, res)
		}
		return float64(time.Since(start).Nanoseconds()) / float64(n)
	}
}
