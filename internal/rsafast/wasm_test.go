//go:build wasmbench

package rsafast

// The in-wasm benchmark compiles wasmbench/ with scripts/build-wasm.sh and
// runs it under wazero (compiler engine), so it stays out of `go test ./...`:
//
//	go test -tags wasmbench -run '^$' -bench Wasm ./internal/rsafast/
//
// RSAFAST_WASM_TAGS=rsafast64 builds the module with 64-bit limbs instead.

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

func BenchmarkWasm(b *testing.B) {
	ctx := context.Background()
	wasm := filepath.Join(b.TempDir(), "wasmbench.wasm")
	cmd := exec.Command("../../scripts/build-wasm.sh", "-o", wasm, "./wasmbench")
	cmd.Env = os.Environ()
	if tags := os.Getenv("RSAFAST_WASM_TAGS"); tags != "" {
		cmd.Env = append(cmd.Env, "GOFLAGS=-tags="+tags)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build-wasm.sh: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(wasm)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("module %s: %d bytes", os.Getenv("RSAFAST_WASM_TAGS"), len(bin))
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		b.Fatal(err)
	}
	call := func(name string, args ...uint64) int32 {
		res, err := mod.ExportedFunction(name).Call(ctx, args...)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		return api.DecodeI32(res[0])
	}
	bufAddr := uint32(call("buffer"))
	msg := []byte("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwic3ViIjoiYWxpY2UifQ")
	algs := []struct {
		name string
		hash crypto.Hash
		pss  bool
	}{{"RS256", crypto.SHA256, false}, {"RS384", crypto.SHA384, false}, {"RS512", crypto.SHA512, false}, {"PS256", crypto.SHA256, true}}
	for _, bits := range []int{2048, 3072, 4096} {
		priv := testKey(b, bits)
		for i, alg := range algs {
			if bits != 2048 && alg.name != "RS256" {
				continue // other sizes: one row each keeps the run short
			}
			d := digest(alg.hash, msg)
			var sig []byte
			if alg.pss {
				sig, err = rsa.SignPSS(rand.Reader, priv, alg.hash, d, pssEqualsHash)
			} else {
				sig, err = rsa.SignPKCS1v15(nil, priv, alg.hash, d)
			}
			if err != nil {
				b.Fatal(err)
			}
			in := append(append(priv.N.FillBytes(make([]byte, len(sig))), sig...), msg...)
			if !mod.Memory().Write(bufAddr, in) {
				b.Fatal("buffer write out of range")
			}
			if got := call("setup", uint64(len(sig)), uint64(len(msg)), uint64(i)); got != 1 {
				b.Fatalf("setup(%s, %d) = %d", alg.name, bits, got)
			}
			b.Run(fmt.Sprintf("%s/%d", alg.name, bits), func(b *testing.B) {
				const batch = 5
				timed := func(name string) float64 {
					start := time.Now()
					if got := call(name, batch); got != batch {
						b.Fatalf("%s passed %d of %d", name, got, batch)
					}
					return float64(time.Since(start).Nanoseconds()) / batch
				}
				var ratios, stdNs, fastNs []float64
				for b.Loop() {
					s, f := timed("verify_std"), timed("verify_fast")
					ratios, stdNs, fastNs = append(ratios, f/s), append(stdNs, s), append(fastNs, f)
				}
				b.ReportMetric(median(ratios), "fast/std")
				b.ReportMetric(median(stdNs)/1e3, "std-us/op")
				b.ReportMetric(median(fastNs)/1e3, "fast-us/op")
			})
		}
	}
	b.Run("New/4096", func(b *testing.B) {
		for b.Loop() {
			call("prepare", 1)
		}
	})
}
