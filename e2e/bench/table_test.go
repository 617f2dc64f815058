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

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// algs are the table's algorithms; freshBatch is how many fresh tokens one round uses.
var (
	algs       = []string{"RS256", "PS256", "ES256", "EdDSA", "HS256"}
	freshBatch = map[string]int{"RS256": 60, "PS256": 60, "ES256": 30, "EdDSA": 60, "HS256": 400}
)

// TestTable measures every row in one run and writes build/bench/table.md and chart.svg
// (BENCH_OUT overrides the directory). BENCH=1 enables it.
func TestTable(t *testing.T) {
	enabled(t, "BENCH")
	filter, noop := module(t, "filter"), module(t, "noop")
	var rows []Row
	add := func(group, name string, ns float64, note string) {
		rows = append(rows, Row{Group: group, Name: name, Ns: ns, Note: note})
		t.Logf("%-9s %-44s %12.0f ns %s", group, name, ns, note)
	}
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}

	// Baseline: the no-op module reading the same Authorization header.
	noopHost := newHost(t, noop, nil, 1)
	noopDo := doer(t, noopHost, "/api/items", cached, 200)
	noopBatch := autoBatch(noopDo)
	base1 := timeRounds(200, noopBatch, noopDo)
	add("baseline", "no-op module, reads one header", base1, "")

	cfg := baseConfig(nil, nil)
	h := newHost(t, filter, cfg, 1)
	row := func(group, name string, do func(int), note string) float64 {
		ns := timeRounds(200, autoBatch(do), do)
		add(group, name, ns, note)
		return ns
	}
	row("filter", "public route", doer(t, h, "/health", nil, 200), "")
	cachedNs := row("filter", "cached token (RS256)", doer(t, h, "/api/items", cached, 200), "")
	row("filter", "missing token (401)", doer(t, h, "/api/items", nil, 401), "")

	// Fresh tokens: each used once, so every request verifies a signature.
	fresh := map[string]float64{}
	for _, alg := range algs {
		s := signerFor(alg)
		n := freshBatch[alg]
		toks := s.mintN(t, 10+rounds*n)
		// A fresh host per alg: no token of this run is in its cache.
		hf := newHost(t, filter, cfg, 1)
		do := doer(t, hf, s.path(), toks, 200)
		fresh[alg] = timeRounds(10, n, do)
		add("fresh", "fresh token "+alg, fresh[alg], "")
	}
	bad := signer{"RS256", "k-rsa", otherRSA}.mint(t, claims(0, nil))
	expired := rs.mint(t, claims(0, map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()}))
	row("rejected", "bad signature (RS256)", doer(t, h, "/api/items", []string{bad}, 401), "")
	row("rejected", "expired (RS256)", doer(t, h, "/api/items", []string{expired}, 401), "")

	// The bare check inside wasm and natively, on the same tokens and keys.
	tokens := map[string]string{}
	for _, alg := range algs {
		s := signerFor(alg)
		tokens[alg] = s.mint(t, s.claims(0, nil))
	}
	allKeys := publicJWKS(jwk("", secret))
	v := newVerifier(t, allKeys, tokens)
	set, _, err := jwks.ParseSet([]byte(allKeys), jwks.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := &jwt.Expected{Algorithms: jwt.SupportedAlgorithms(), Now: now}
	for _, alg := range algs {
		n := freshBatch[alg] / 2
		bare := v.perCall(t, v.sig, alg, n)
		add("wasm bare", "jwt.VerifySignature "+alg, bare, "")
		add("wasm bare", "jwt.Parse+Verify "+alg, v.perCall(t, v.full, alg, n), "")
		fresh[alg+"/bare"] = bare
	}
	for _, alg := range algs {
		tok := tokens[alg]
		parsed, err := jwt.Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		sig := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if err := jwt.VerifySignature(parsed, set, want.Algorithms); err != nil {
					b.Fatal(err)
				}
			}
		})
		full := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				p, err := jwt.Parse(tok)
				if err == nil {
					_, err = jwt.Verify(p, set, want)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		add("native", "jwt.VerifySignature "+alg, float64(sig.NsPerOp()), fmt.Sprintf("wasm/native %.1fx", fresh[alg+"/bare"]/float64(sig.NsPerOp())))
		add("native", "jwt.Parse+Verify "+alg, float64(full.NsPerOp()), "")
	}
	for i := range rows {
		for _, alg := range algs {
			if rows[i].Group == "fresh" && rows[i].Name == "fresh token "+alg {
				rows[i].Note = fmt.Sprintf("%.2fx bare wasm check", rows[i].Ns/fresh[alg+"/bare"])
			}
		}
	}

	scaleRows(t, filter, add)
	parallelRow(t, filter, cached, add)

	// The baseline again at the end; ratios use the mean of both (the box drifts).
	base2 := timeRounds(200, noopBatch, noopDo)
	add("baseline", "no-op module, again at the end", base2, "")
	base := (base1 + base2) / 2
	for i := range rows {
		rows[i].Ratio = rows[i].Ns / base
	}
	t.Logf("cached token: %.2fx no-op (target <= 2)", cachedNs/base)

	startup := startupTable(t, filter, noop)
	writeReport(t, rows, startup)
}

// scaleRows: 10/100/1,000 rules and 1/10/100 providers with a cached token; 1/10/100 keys in
// the JWKS with fresh EdDSA tokens (a cached token never looks at keys).
func scaleRows(t *testing.T, filter []byte, add func(group, name string, ns float64, note string)) {
	rs := signerFor("RS256")
	cached := []string{rs.mint(t, claims(0, nil))}
	for _, n := range []int{10, 100, 1000} {
		var rules []any
		for i := range n - 3 { // baseConfig adds three
			rules = append(rules, map[string]any{"name": fmt.Sprintf("r%d", i), "match": map[string]any{"prefix": fmt.Sprintf("/r%d/", i)},
				"requires": map[string]any{"provider_name": "idp"}})
		}
		h := newHost(t, filter, baseConfig(rules, nil), 1)
		do := doer(t, h, "/api/items", cached, 200)
		add("scale", fmt.Sprintf("%d rules, cached token, last rule", n), timeRounds(200, autoBatch(do), do), "")
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
		do := doer(t, h, "/api/items", cached, 200)
		add("scale", fmt.Sprintf("%d providers, cached token", n), timeRounds(200, autoBatch(do), do), "")
	}
	for _, n := range []int{1, 10, 100} {
		keys := make([]any, n)
		var last signer
		for i := range n {
			s := signer{"EdDSA", fmt.Sprintf("k%d", i), nil}
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			s.key = priv
			keys[i] = jwk(s.kid, priv)
			last = s
		}
		jb, _ := json.Marshal(map[string]any{"keys": keys})
		cfg := baseConfig(nil, nil)
		var c map[string]any
		json.Unmarshal(cfg, &c)
		c["providers"].(map[string]any)["idp"] = provider(issuer, string(jb), "EdDSA")
		cfg, _ = json.Marshal(c)
		h := newHost(t, filter, cfg, 1)
		batch := freshBatch["EdDSA"]
		do := doer(t, h, "/api/items", last.mintN(t, 10+rounds*batch), 200)
		add("scale", fmt.Sprintf("%d keys in the JWKS, fresh EdDSA, last kid", n), timeRounds(10, batch, do), "")
	}
}

// parallelRow: 4 VMs, one goroutine each, cached token; ns is wall time per request overall.
func parallelRow(t *testing.T, filter []byte, cached []string, add func(group, name string, ns float64, note string)) {
	const vms, per = 4, 4000
	h := newHost(t, filter, baseConfig(nil, nil), vms)
	run := func(n int) time.Duration {
		var wg sync.WaitGroup
		start := time.Now()
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
		return time.Since(start)
	}
	run(200)
	d := run(per)
	add("parallel", "4 VMs in parallel, cached token (wall / request)", float64(d.Nanoseconds())/float64(vms*per),
		fmt.Sprintf("%d CPUs", runtime.NumCPU()))
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
