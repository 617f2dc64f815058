package harness

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestDo_HeadersReachUpstreamLowerCased(t *testing.T) {
	var got *http.Request
	h := Start(t, Options{Wasm: module(t, "basic"), Upstream: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("X-Up", "1")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, "hello")
	})})

	resp, err := h.Do(Request{Path: "/headers?a=1", Headers: [][2]string{{"Authorization", "Bearer abc"}, {"X-Custom", "v"}}})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Status != 201 || string(resp.Body) != "hello" || resp.Local {
		t.Fatalf("response = %d %q local=%v", resp.Status, resp.Body, resp.Local)
	}
	if resp.Header("x-filtered") != "yes" || resp.Header("x-upstream-status") != "201" || resp.Header("x-up") != "1" {
		t.Errorf("response headers = %v", resp.Headers)
	}
	up := resp.Upstream
	if up.Path != "/rewritten" || up.Method != "GET" || up.Authority != "example.com" {
		t.Errorf("upstream = %s %s %s", up.Method, up.Authority, up.Path)
	}
	if up.Header("x-seen-auth") != "Bearer abc" || up.Header("authorization") != "" {
		t.Errorf("upstream headers = %v", up.Headers)
	}
	if want := ":authority,:path,:method,:scheme,authorization,x-custom"; up.Header("x-names") != want {
		t.Errorf("plugin saw header names %q, want %q", up.Header("x-names"), want)
	}
	if got.URL.Path != "/rewritten" || got.Host != "example.com" || got.Header.Get("X-Custom") != "v" {
		t.Errorf("handler saw %s %s %v", got.Host, got.URL, got.Header)
	}
	if h.UpstreamHits() != 1 {
		t.Errorf("UpstreamHits = %d", h.UpstreamHits())
	}
}

func TestDo_LocalReplyNeverReachesUpstream(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic")})

	resp, err := h.Do(Request{Path: "/deny"})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Status != 403 || !resp.Local || string(resp.Body) != "denied\n" {
		t.Fatalf("response = %d local=%v %q", resp.Status, resp.Local, resp.Body)
	}
	if resp.Header("www-authenticate") != `Bearer realm="test"` || resp.Header("content-type") != "text/plain" || resp.Header("content-length") != "7" {
		t.Errorf("headers = %v", resp.Headers)
	}
	if resp.Upstream != nil || h.UpstreamHits() != 0 {
		t.Errorf("upstream reached: %v", resp.Upstream)
	}
	// Envoy encodes a local reply through the filter chain, the sending filter included.
	if resp.Header("x-filtered") != "yes" || resp.Header("x-upstream-status") != "403" {
		t.Errorf("local reply skipped proxy_on_response_headers: %v", resp.Headers)
	}
}

func TestDo_RequestBodyOnceWithEndOfStream(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic")})

	resp, err := h.Do(Request{Method: "POST", Path: "/upper", Body: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}

	// size/end_of_stream/result of editing request headers after they continued (Envoy: gone)
	if got := resp.Header("x-body-info"); got != "3/true/error status returned by host: bad argument" {
		t.Errorf("x-body-info = %q", got)
	}
	if resp.Upstream.Header("x-late") != "" {
		t.Error("a request header added after the headers continued reached the upstream")
	}
	if string(resp.Upstream.Body) != "ABC" {
		t.Errorf("upstream body = %q", resp.Upstream.Body)
	}
}

func TestDo_LogsCapturedWithLevels(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic")})

	if _, err := h.Do(Request{Path: "/log"}); err != nil {
		t.Fatal(err)
	}

	want := map[string]int{"warn line": 3, "error line": 4, "stderr line": 4, `plugin started with ""`: 2}
	for _, l := range h.Logs() {
		if lvl, ok := want[l.Msg]; ok {
			if l.Level != lvl {
				t.Errorf("%q at level %d, want %d", l.Msg, l.Level, lvl)
			}
			delete(want, l.Msg)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing logs %v in %v", want, h.Logs())
	}
}

func TestNew_PluginStartFailure(t *testing.T) {
	_, err := New(Options{Wasm: module(t, "basic"), PluginConfig: []byte("fail")})

	if !errors.Is(err, ErrPluginStart) {
		t.Fatalf("err = %v, want ErrPluginStart", err)
	}
	if !strings.Contains(err.Error(), "invalid plugin configuration: fail requested") {
		t.Errorf("err = %v, want the plugin's critical log", err)
	}
}
