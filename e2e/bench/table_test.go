package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// algs are the table's algorithms; freshBatch is how many fresh tokens one round uses.
var (
	algs       = []string{"RS256", "PS256", "ES256", "EdDSA", "HS256"}
	freshBatch = map[string]int{"RS256": 80, "PS256": 80, "ES256": 40, "EdDSA": 80, "HS256": 600}
)

// TestTable measures every row in one run and writes build/bench/table.md and chart.svg
// (BENCH_OUT overrides the directory). BENCH=1 enables it. Every round of a row follows a
// round of the no-op module, and a row's ratio is the median of those per-round ratios.
func TestTable(t *testing.T) {
	enabled(t, "BENCH")
	filter, noop := module(t, "filter"), module(t, "noop")
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}

	// Baseline: the no-op module reading the same Authorization header.
	noopHost := newHost(t, noop, nil, 1)
	noopDo := doer(t, noopHost, "/api/items", cached, 200)
	noopRef := batchTimer(max(autoBatch(noopDo)/3, 50), noopDo)
	tb := &table{t: t, noop: noopRef}
	tb.hostRow("baseline", "no-op module, reads one header", noopDo, "")

	// The host calls an allowed token request cannot skip (floor module): what is left of the
	// cached-token row above it is the filter's own work.
	floorHost := newHost(t, module(t, "floor"), nil, 1)
	tb.hostRow("baseline", "host-call floor: header pairs, 2 header edits, 2 counters", doer(t, floorHost, "/api/items", cached, 200), "")

	cfg := baseConfig(nil, nil)
	h := newHost(t, filter, cfg, 1)
	tb.hostRow("filter", "public route", doer(t, h, "/health", nil, 200), "")
	cachedRatio := tb.hostRow("filter", "cached token (RS256)", doer(t, h, "/api/items", cached, 200), "")
	tb.hostRow("filter", "missing token (401)", doer(t, h, "/api/items", nil, 401), "")

	// The bare check inside wasm, on tokens and keys like the filter's.
	tokens := map[string]string{}
	for _, alg := range algs {
		s := signerFor(alg)
		tokens[alg] = s.mint(t, s.claims(0, nil))
	}
	allKeys := publicJWKS(jwk("", secret))
	v := newVerifier(t, allKeys, tokens)

	// Fresh tokens: each used once, so every request verifies a signature. Each round also
	// follows a round of the bare check, for the fresh / bare ratio.
	for _, alg := range algs {
		s := signerFor(alg)
		n := freshBatch[alg]
		toks := s.mintN(t, 10+rounds*n)
		hf := newHost(t, filter, cfg, 1) // a fresh host per alg: none of these tokens is cached
		bare := v.timer(t, v.sig, alg, max(n/4, 5))
		ns, r := timeRounds(10, n, doer(t, hf, s.path(), toks, 200), tb.noop, bare)
		tb.add("fresh", "fresh token "+alg, ns, r[0], fmt.Sprintf("%.2fx bare wasm check (target <= 1.15)", r[1]))
	}
	bad := signer{"RS256", "k-rsa", otherRSA}.mint(t, claims(0, nil))
	expired := rs.mint(t, claims(0, map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()}))
	tb.hostRow("rejected", "bad signature (RS256)", doer(t, h, "/api/items", []string{bad}, 401), "")
	tb.hostRow("rejected", "expired (RS256)", doer(t, h, "/api/items", []string{expired}, 401), "")

	set, _, err := jwks.ParseSet([]byte(allKeys), jwks.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := &jwt.Expected{Algorithms: jwt.SupportedAlgorithms(), Now: now}
	bareNs := map[string]float64{}
	for _, alg := range algs {
		n := freshBatch[alg]
		for _, f := range []struct {
			name string
			fn   api.Function
		}{{"jwt.VerifySignature ", v.sig}, {"jwt.Parse+Verify ", v.full}} {
			one := v.timer(t, f.fn, alg, n)
			ns, r := timeRounds(1, 1, func(int) { one() }, tb.noop)
			tb.add("wasm bare", f.name+alg, ns/float64(n), r[0]/float64(n), "")
			if f.fn == v.sig {
				bareNs[alg] = ns / float64(n)
			}
		}
	}
	for _, alg := range algs {
		tok := tokens[alg]
		parsed, err := jwt.Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		sig := tb.native(func() {
			if err := jwt.VerifySignature(parsed, set, want.Algorithms); err != nil {
				t.Fatal(err)
			}
		})
		tb.add("native", "jwt.VerifySignature "+alg, sig.ns, sig.ratio, fmt.Sprintf("wasm/native %.1fx", bareNs[alg]/sig.ns))
		full := tb.native(func() {
			p, err := jwt.Parse(tok)
			if err == nil {
				_, err = jwt.Verify(p, set, want)
			}
			if err != nil {
				t.Fatal(err)
			}
		})
		tb.add("native", "jwt.Parse+Verify "+alg, full.ns, full.ratio, "")
	}

	scaleRows(t, tb, filter)
	parallelRow(t, tb, filter, cached)
	t.Logf("cached token: %.2fx no-op (target <= 2)", cachedRatio)

	startup := startupTable(t, filter, noop)
	writeReport(t, tb.rows, startup)
}

// table collects rows; noop times one batch of the no-op module (the reference of ratios).
type table struct {
	t    *testing.T
	rows []Row
	noop func() float64
}

func (tb *table) add(group, name string, ns, ratio float64, note string) {
	tb.rows = append(tb.rows, Row{Group: group, Name: name, Ns: ns, Ratio: ratio, Note: note})
	tb.t.Logf("%-9s %-46s %12.0f ns %8.2fx %s", group, name, ns, ratio, note)
}

// hostRow measures requests through a host (batch sized to ~150 ms); it returns the ratio.
func (tb *table) hostRow(group, name string, do func(int), note string) float64 {
	ns, r := timeRounds(200, autoBatch(do), do, tb.noop)
	tb.add(group, name, ns, r[0], note)
	return r[0]
}

type nativeResult struct{ ns, ratio float64 }

// native runs f under testing.Benchmark between two no-op rounds.
func (tb *table) native(f func()) nativeResult {
	before := tb.noop()
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			f()
		}
	})
	ns := float64(res.T.Nanoseconds()) / float64(res.N)
	return nativeResult{ns, ns / ((before + tb.noop()) / 2)}
}

// scaleRows: 10/100/1,000 rules and 1/10/100 providers with a cached token; 1/10/100 keys in
// the JWKS with fresh EdDSA tokens (a cached token never looks at keys).
func scaleRows(t *testing.T, tb *table, filter []byte) {
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}
	for _, n := range []int{10, 100, 1000} {
		var rules []any
		for i := range n - 3 { // baseConfig adds three
			rules = append(rules, map[string]any{"name": fmt.Sprintf("r%d", i), "match": map[string]any{"prefix": fmt.Sprintf("/r%d/", i)},
				"requires": map[string]any{"provider_name": "idp"}})
		}
		h := newHost(t, filter, baseConfig(rules, nil), 1)
		tb.hostRow("scale", fmt.Sprintf("%d rules, cached token, last rule", n), doer(t, h, "/api/items", cached, 200), "")
	}
	for _, n := range []int{1, 10, 100} {
		providers := map[string]any{}
		jw := publicJWKS()
		var rules []any
		for i := range n - 1 {
			name := fmt.Sprintf("p%d", i)
			providers[name] = provider(fmt.Sprintf("%s/p%d", issuer, i), jw, "RS256")
			rules = append(rules, map[string]any{"name": name, "match": map[string]any{"prefix": "/" + name + "/"},
				"requires": map[string]any{"provider_name": name}})
		}
		h := newHost(t, filter, baseConfig(rules, providers), 1)
		tb.hostRow("scale", fmt.Sprintf("%d providers, cached token", n), doer(t, h, "/api/items", cached, 200), "")
	}
	for _, n := range []int{1, 10, 100} {
		keys := make([]any, n)
		var last signer
		for i := range n {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			last = signer{"EdDSA", fmt.Sprintf("k%d", i), priv}
			keys[i] = jwk(last.kid, priv)
		}
		jb, _ := json.Marshal(map[string]any{"keys": keys})
		var c map[string]any
		json.Unmarshal(baseConfig(nil, nil), &c)
		c["providers"].(map[string]any)["idp"] = provider(issuer, string(jb), "EdDSA")
		cfg, _ := json.Marshal(c)
		h := newHost(t, filter, cfg, 1)
		batch := freshBatch["EdDSA"]
		ns, r := timeRounds(10, batch, doer(t, h, "/api/items", last.mintN(t, 10+rounds*batch), 200), tb.noop)
		tb.add("scale", fmt.Sprintf("%d keys in the JWKS, fresh EdDSA, last kid", n), ns, r[0], "")
	}
}

// parallelRow: 4 VMs, one goroutine each, cached token; ns is wall time per request overall.
func parallelRow(t *testing.T, tb *table, filter []byte, cached []string) {
	const vms, per = 4, 1000
	h := newHost(t, filter, baseConfig(nil, nil), vms)
	run := func(n int) {
		var wg sync.WaitGroup
		for w := range vms {
			wg.Go(func() {
				for range n {
					resp, err := h.Do(harness.Request{Path: "/api/items", Worker: w,
						Headers: [][2]string{{"authorization", "Bearer " + cached[0]}}})
					if err != nil || resp.Status != 200 {
						t.Errorf("worker %d: %v %v", w, err, resp)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	run(100)
	ns, r := timeRounds(0, 1, func(int) { run(per) }, tb.noop)
	tb.add("parallel", "4 VMs in parallel, cached token (wall / request)", ns/float64(vms*per), r[0]/float64(vms*per), fmt.Sprintf("%d CPUs", runtime.NumCPU()))
}

// startupTable measures module size (as built and stripped) and start-up: a cold compile
// (fresh wazero runtime, no cache) and instantiate + _initialize + configure (harness.New
// with the module already compiled), median of 5.
func startupTable(t *testing.T, filter, noop []byte) string {
	stripped, err := build(filepath.Join(buildDir, "stripped.wasm"), ".", "GOFLAGS='-ldflags=-s -w'")
	if err != nil {
		t.Fatal(err)
	}
	noopStripped, err := build(filepath.Join(buildDir, "noop-stripped.wasm"), "./e2e/bench/testdata/noop", "GOFLAGS='-ldflags=-s -w'")
	if err != nil {
		t.Fatal(err)
	}
	compile := func(wasm []byte) time.Duration {
		ctx := context.Background()
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		defer rt.Close(ctx)
		start := time.Now()
		if _, err := rt.CompileModule(ctx, wasm); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	start := func(wasm, cfg []byte) time.Duration {
		newHost(t, wasm, cfg, 1) // compiled once per content, so the next ones only instantiate
		var ds []time.Duration
		for range rounds {
			s := time.Now()
			h, err := harness.New(harness.Options{Wasm: wasm, PluginConfig: cfg, Profile: harness.ProfileEnvoy133, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(s))
			h.Close()
		}
		return median(ds)
	}
	var b strings.Builder
	b.WriteString("| module | size | stripped (-s -w) | compile (cold) | instantiate + configure |\n|---|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| filter | %s B | %s B | %v | %v |\n", groupDigits(float64(len(filter))), groupDigits(float64(len(stripped))),
		compile(filter).Round(time.Millisecond), start(filter, baseConfig(nil, nil)).Round(10*time.Microsecond))
	fmt.Fprintf(&b, "| no-op | %s B | %s B | %v | %v |\n", groupDigits(float64(len(noop))), groupDigits(float64(len(noopStripped))),
		compile(noop).Round(time.Millisecond), start(noop, nil).Round(10*time.Microsecond))
	return b.String()
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// outDir is where the report goes: BENCH_OUT or build/bench at the repository root.
func outDir() string {
	if d := os.Getenv("BENCH_OUT"); d != "" {
		return d
	}
	return filepath.Join(root(), "build", "bench")
}

func writeReport(t *testing.T, rows []Row, startup string) {
	dir := outDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	title := fmt.Sprintf("jwt-proxy-wasm under wazero (Envoy 1.33 WASI), %s", time.Now().UTC().Format("2006-01-02"))
	md := "# " + title + "\n\n" + Markdown(rows) + "\n## Module\n\n" + startup
	fmt.Println(md)
	for name, body := range map[string]string{"table.md": md, "chart.svg": SVG(rows, title)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s", dir)
}
