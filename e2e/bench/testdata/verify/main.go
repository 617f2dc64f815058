// Command verify is a wasm reactor for the benchmarks (e2e/bench): it runs the project's
// signature check (jwt.VerifySignature) and whole verification (jwt.Parse + jwt.Verify) in a
// loop inside wasm, so the filter's per-request cost can be set against the bare crypto.
//
// Inputs come through the environment (the benchmark mints keys at run time): BENCH_JWKS is
// a JWKS, BENCH_TOKEN_0..BENCH_TOKEN_<n-1> tokens its keys verify, BENCH_NOW a unix time.
package main

import (
	"os"
	"strconv"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

func main() {}

var (
	set    *jwks.Set
	raws   []string
	tokens []*jwt.Token
	want   jwt.Expected
)

func init() {
	var err error
	if set, _, err = jwks.ParseSet([]byte(os.Getenv("BENCH_JWKS")), jwks.Limits{}); err != nil {
		panic(err)
	}
	now, _ := strconv.ParseInt(os.Getenv("BENCH_NOW"), 10, 64)
	want = jwt.Expected{Algorithms: jwt.SupportedAlgorithms(), Now: time.Unix(now, 0)}
	for i := 0; ; i++ {
		raw, ok := os.LookupEnv("BENCH_TOKEN_" + strconv.Itoa(i))
		if !ok {
			break
		}
		t, err := jwt.Parse(raw)
		if err != nil {
			panic(err)
		}
		raws, tokens = append(raws, raw), append(tokens, t)
	}
}

// verifySig checks token i's signature n times; it returns how many checks failed.
//
//go:wasmexport verify_sig
func verifySig(i, n int32) int32 {
	failed := int32(0)
	for range n {
		if jwt.VerifySignature(tokens[i], set, want.Algorithms) != nil {
			failed++
		}
	}
	return failed
}

// verifyFull parses and verifies token i n times; it returns how many failed.
//
//go:wasmexport verify_full
func verifyFull(i, n int32) int32 {
	failed := int32(0)
	for range n {
		t, err := jwt.Parse(raws[i])
		if err == nil {
			_, err = jwt.Verify(t, set, &want)
		}
		if err != nil {
			failed++
		}
	}
	return failed
}
