package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binPath  string // the wasmproxy binary
	wasmPath string // e2e/harness/testdata/basic, a small proxy-wasm test module
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmproxy-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath, wasmPath = filepath.Join(dir, "wasmproxy"), filepath.Join(dir, "basic.wasm")
	var wg sync.WaitGroup
	var errs [2]error
	wg.Add(2)
	go func() {
		defer wg.Done()
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			errs[0] = fmt.Errorf("go build: %v\n%s", err, out)
		}
	}()
	go func() {
		defer wg.Done()
		cmd := exec.Command("./scripts/build-wasm.sh", "-o", wasmPath, "./e2e/harness/testdata/basic")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			errs[1] = fmt.Errorf("build-wasm: %v\n%s", err, out)
		}
	}()
	wg.Wait()
	code := 1
	if errs[0] == nil && errs[1] == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, errs[0], errs[1])
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// startProxy runs wasmproxy with args and returns its base URL once it prints "listening".
func startProxy(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"-wasm", wasmPath, "-listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("wasmproxy stderr:\n%s", stderr.String())
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("wasmproxy exited before listening:\n%s", stderr.String())
		}
		i := strings.Index(line, "http://")
		return strings.Fields(line[i:])[0]
	case <-time.After(60 * time.Second):
		t.Fatal("wasmproxy did not print listening")
	}
	return ""
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// echo is an upstream answering with the headers it received.
func echo(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s\n", r.Method, r.Host, r.URL.RequestURI())
		for _, k := range []string{"X-Seen-Auth", "Authorization", "X-Now", "X-Callout-Status", "X-Callout-Body"} {
			fmt.Fprintf(w, "%s: %s\n", k, r.Header.Get(k))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWasmproxy_ForwardsFilteredAndRepliesLocally(t *testing.T) {
	up := echo(t)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "keys") }))
	t.Cleanup(idp.Close)
	base := startProxy(t, "-upstream", up.URL, "-cluster", "idp="+idp.URL, "-workers", "2", "-now", "1893456000")

	tests := []struct {
		name       string
		path       string
		header     []string
		wantStatus int
		wantBody   []string
	}{
		{name: "filter edits headers", path: "/headers", header: []string{"Authorization", "Bearer t"}, wantStatus: 200,
			wantBody: []string{"GET 127.0.0.1", "/rewritten", "X-Seen-Auth: Bearer t", "Authorization: \n"}},
		{name: "local reply", path: "/deny", wantStatus: 403, wantBody: []string{"denied"}},
		{name: "frozen clock", path: "/time", wantStatus: 200, wantBody: []string{"X-Now: 1893456000"}},
		{name: "callout through -cluster", path: "/callout?cluster=idp", wantStatus: 200, wantBody: []string{"X-Callout-Status: 200", "X-Callout-Body: keys"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, base+tc.path, tc.header...)

			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %q", resp.StatusCode, tc.wantStatus, body)
			}
			for _, want := range tc.wantBody {
				if !strings.Contains(body, want) {
					t.Errorf("body %q lacks %q", body, want)
				}
			}
		})
	}
}

func TestWasmproxy_RefusedConfigExitsNonZero(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(cfg, []byte("fail"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(binPath, "-wasm", wasmPath, "-config", cfg, "-upstream", "http://127.0.0.1:1", "-listen", "127.0.0.1:0").CombinedOutput()

	if err == nil {
		t.Fatalf("exit 0, want non-zero; output:\n%s", out)
	}
	if !strings.Contains(string(out), "invalid plugin configuration: fail requested") || strings.Contains(string(out), "listening") {
		t.Errorf("output lacks the plugin's message:\n%s", out)
	}
}

func TestWasmproxy_UnknownProfile(t *testing.T) {
	out, err := exec.Command(binPath, "-wasm", wasmPath, "-upstream", "http://127.0.0.1:1", "-envoy-wasi", "envoy-9").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown WASI profile "envoy-9"`) {
		t.Errorf("err=%v output:\n%s", err, out)
	}
}
