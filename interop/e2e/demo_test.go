package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemoScript runs `make demo`'s script once (DEMO_ONCE=1): it starts Dex, the echo upstream
// and tools/wasmproxy, runs the curl lines and fails unless every answer is the expected one
// (token, 200, 401 with WWW-Authenticate, 403, 200).
func TestDemoScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs and starts three servers")
	}
	for _, addr := range []string{"127.0.0.1:5556", "127.0.0.1:9000"} {
		if ln, err := net.Listen("tcp", addr); err != nil {
			t.Skipf("the demo's fixed port %s is taken (a demo running?): %v", addr, err)
		} else {
			ln.Close()
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the proxy
	if err != nil {
		t.Fatal(err)
	}
	proxy := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "scripts/demo.sh")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "DEMO_ONCE=1", "WASM="+wasmPath, "DEMO_LISTEN="+proxy)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"HTTP/1.1 200", "HTTP/1.1 401", "Www-Authenticate: Bearer realm=", "HTTP/1.1 403", "all answers as expected"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
