// Command demo-idp serves the identity side of `make demo`: Dex (in-process, in-memory, with the
// demo's static clients) and an echo upstream that answers every request with what it received,
// so the demo shows which headers the filter added or removed.
//
//	go run ./cmd/demo-idp -dex 127.0.0.1:5556 -upstream 127.0.0.1:9000
//
// It prints one line containing "ready" when both listen, and runs until interrupted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/interop/dex"
)

// Clients are the demo's confidential clients; examples/demo/config.json's rules name them.
var Clients = []dex.Client{
	{ID: "orders", Secret: "orders-demo-secret", Name: "Orders service", Groups: []string{"orders-writer"}},
	{ID: "reporting", Secret: "reporting-demo-secret", Name: "Reporting job"},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo-idp:", err)
		os.Exit(1)
	}
}

func run() error {
	dexAddr := flag.String("dex", "127.0.0.1:5556", "address Dex listens on (issuer http://ADDR/dex)")
	upAddr := flag.String("upstream", "127.0.0.1:9000", "address the echo upstream listens on")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := dex.Start(ctx, dex.Options{Addr: *dexAddr, Clients: Clients})
	if err != nil {
		return err
	}
	defer d.Close()
	ln, err := net.Listen("tcp", *upAddr)
	if err != nil {
		return err
	}
	up := &http.Server{Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = up.Serve(ln) }()
	defer up.Close()
	fmt.Printf("demo-idp: ready: Dex issuer %s, echo upstream http://%s\n", d.Issuer, ln.Addr())
	<-ctx.Done()
	return nil
}

// echo answers with the request line and headers as JSON.
func echo(w http.ResponseWriter, r *http.Request) {
	hdrs := map[string]string{}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		hdrs[strings.ToLower(name)] = strings.Join(r.Header.Values(name), ", ")
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"upstream": "echo", "method": r.Method, "path": r.URL.RequestURI(), "headers": hdrs})
}
