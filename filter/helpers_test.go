//go:build !wasm

// proxytest runs the contexts natively (its mock host does not build for wasm).

package filter

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

// base is the fixed clock of every test.
var base = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// Test keys are generated once per test binary, never checked in.
var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
	secret  = []byte("0123456789abcdef0123456789abcdef") // 32 bytes, test only
)

func testRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

var b64 = base64.RawURLEncoding

func testJWKS(t *testing.T) []byte {
	k := testRSA(t)
	b, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "r1", "alg": "RS256",
		"n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}}})
	return b
}

// mint signs claims with HS256 (secret) or RS256 (testRSA, kid r1); iat/exp default to base/base+1h.
func mint(t *testing.T, alg string, claims map[string]any) string {
	t.Helper()
	if _, ok := claims["iat"]; !ok {
		claims["iat"] = base.Unix()
	}
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = base.Add(time.Hour).Unix()
	}
	hdr := map[string]any{"alg": alg, "typ": "JWT"}
	if alg == "RS256" {
		hdr["kid"] = "r1"
	}
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	var sig []byte
	switch alg {
	case "HS256":
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "RS256":
		sum := sha256.Sum256([]byte(input))
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, testRSA(t), crypto.SHA256, sum[:]); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("mint: alg %s", alg)
	}
	return input + "." + b64.EncodeToString(sig)
}

// newHost starts the plugin on proxytest with cfg and the fixed clock. proxytest allows one
// emulator at a time (a global lock until reset, run by t.Cleanup): one per (sub)test.
func newHost(t *testing.T, cfg string, now func() time.Time) proxytest.HostEmulator {
	t.Helper()
	if now == nil {
		now = func() time.Time { return base }
	}
	opt := proxytest.NewEmulatorOption().
		WithVMContext(&vmContext{now: now}).
		WithPluginConfiguration([]byte(cfg)).
		WithProperty([]string{"source", "address"}, []byte("10.1.2.3:5555"))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(reset)
	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		t.Fatalf("StartPlugin() = %v, critical logs %q", st, host.GetCriticalLogs())
	}
	return host
}

// request runs request headers for path with extra headers through a new HTTP context.
func request(host proxytest.HostEmulator, path string, hdrs ...[2]string) (uint32, types.Action) {
	id := host.InitializeHttpContext()
	h := append([][2]string{{":method", "GET"}, {":path", path}, {":authority", "example.com"}, {":scheme", "http"}}, hdrs...)
	return id, host.CallOnRequestHeaders(id, h, true)
}

func counterValue(t *testing.T, host proxytest.HostEmulator, name string) uint64 {
	t.Helper()
	v, err := host.GetCounterMetric(metricPrefix + name)
	if err != nil {
		t.Fatalf("metric %s: %v", name, err)
	}
	return v
}

func headerValue(hs [][2]string, name string) (string, bool) {
	for _, h := range hs {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}

func proxytestOption(cfg string) *proxytest.EmulatorOption {
	return proxytest.NewEmulatorOption().WithVMContext(&vmContext{now: func() time.Time { return base }}).
		WithPluginConfiguration([]byte(cfg))
}

func newEmulator(opt *proxytest.EmulatorOption) (proxytest.HostEmulator, func()) {
	return proxytest.NewHostEmulator(opt)
}
