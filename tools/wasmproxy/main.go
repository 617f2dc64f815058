// Command wasmproxy runs a proxy-wasm filter locally as an HTTP proxy, on the e2e harness host
// (Envoy's ABI and WASI, several worker VMs), and forwards allowed requests to an upstream.
//
//	go run ./tools/wasmproxy -wasm build/jwt-proxy-wasm.wasm -config cfg.json -listen 127.0.0.1:8080 \
//	    -upstream http://127.0.0.1:9000 [-cluster NAME=URL]... [-workers N] [-now UNIX_SECONDS] \
//	    [-envoy-wasi envoy-1.33|envoy-latest]
//
// It prints one line containing "listening" when ready, and exits non-zero with the plugin's
// messages when the configuration is refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/e2e/harness"
)

// maxBody bounds a downstream request body (Envoy's buffer filter default is 1 MiB per stream
// buffer limit; a local tool can afford more).
const maxBody = 16 << 20

type clusterFlag map[string]string

func (c clusterFlag) String() string { return fmt.Sprint(map[string]string(c)) }

func (c clusterFlag) Set(s string) error {
	name, u, ok := strings.Cut(s, "=")
	if !ok || name == "" || u == "" {
		return fmt.Errorf("want NAME=URL, got %q", s)
	}
	if _, err := url.ParseRequestURI(u); err != nil {
		return fmt.Errorf("cluster %s: %v", name, err)
	}
	c[name] = u
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wasmproxy:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wasmproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wasmPath := fs.String("wasm", "", "the filter module (.wasm)")
	configPath := fs.String("config", "", "plugin configuration file (JSON); empty = no configuration")
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve HTTP on")
	upstream := fs.String("upstream", "", "base URL allowed requests are forwarded to")
	clusters := clusterFlag{}
	fs.Var(clusters, "cluster", "Envoy cluster name used by the config's callouts = URL (repeatable)")
	workers := fs.Int("workers", 1, "worker VMs (Envoy worker threads)")
	now := fs.Int64("now", 0, "freeze the host clock at this Unix time (0 = real clock)")
	profile := fs.String("envoy-wasi", harness.ProfileEnvoy133, "WASI profile: envoy-1.33 or envoy-latest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wasmPath == "" || *upstream == "" {
		fs.Usage()
		return errors.New("-wasm and -upstream are required")
	}
	wasm, err := os.ReadFile(*wasmPath)
	if err != nil {
		return err
	}
	var cfg []byte
	if *configPath != "" {
		if cfg, err = os.ReadFile(*configPath); err != nil {
			return err
		}
	}
	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		return fmt.Errorf("-upstream %q: want an absolute URL", *upstream)
	}
	logger := log.New(stderr, "", log.LstdFlags)
	opts := harness.Options{
		Wasm: wasm, PluginConfig: cfg, Clusters: clusters, Workers: *workers, Profile: *profile,
		Upstream: reverseProxy(target, logger), Logf: logger.Printf,
	}
	if *now != 0 {
		frozen := time.Unix(*now, 0).UTC()
		opts.Now = func() time.Time { return frozen }
		opts.RealTicks = true
	}
	h, err := harness.New(opts)
	if err != nil {
		if errors.Is(err, harness.ErrPluginStart) {
			return fmt.Errorf("configuration refused: %w", err)
		}
		return err
	}
	defer h.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: proxy(h, logger), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(stdout, "wasmproxy: listening on http://%s (upstream %s, %d workers, WASI %s)\n", ln.Addr(), target, *workers, *profile)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// proxy runs every request through the filter (workers round-robin) and writes what the client
// gets: the upstream's answer as the filter left it, or the local reply.
func proxy(h *harness.Host, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		req := harness.Request{
			Method: r.Method, Path: r.URL.RequestURI(), Authority: r.Host, Scheme: "http",
			Body: body, Source: r.RemoteAddr, Worker: -1,
		}
		for k, vs := range r.Header {
			for _, v := range vs {
				req.Headers = append(req.Headers, [2]string{strings.ToLower(k), v})
			}
		}
		resp, err := h.Do(req)
		if err != nil {
			logger.Printf("request %s %s: %v", r.Method, r.URL, err)
			http.Error(w, "wasmproxy: "+err.Error(), http.StatusInternalServerError)
			return
		}
		for _, kv := range resp.Headers {
			if kv[0] == "content-length" || kv[0] == "transfer-encoding" || kv[0] == "connection" {
				continue // the server frames the body itself
			}
			w.Header().Add(kv[0], kv[1])
		}
		w.WriteHeader(resp.Status)
		_, _ = w.Write(resp.Body)
	})
}

// reverseProxy forwards the filtered request to the upstream, keeping the :authority (Envoy
// does not rewrite the host unless told to).
func reverseProxy(target *url.URL, logger *log.Logger) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logger.Printf("upstream: %v", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "upstream connect error or disconnect/reset before headers")
		},
	}
}
