package harness

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func idpServer(t *testing.T, delay time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"keys":[]}`+" from "+r.Host+r.URL.Path+" "+r.Header.Get("X-From"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCallout_PauseThenResume(t *testing.T) {
	idp := idpServer(t, 0)
	h := Start(t, Options{Wasm: module(t, "basic"), Clusters: map[string]string{"idp": idp.URL}})

	resp, err := h.Do(Request{Path: "/callout?cluster=idp&path=/jwks"})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Status != 200 || resp.Upstream == nil {
		t.Fatalf("status %d, upstream %v", resp.Status, resp.Upstream)
	}
	up := resp.Upstream
	if up.Header("x-callout-status") != "200" || up.Header("x-callout-body") != `{"keys":[]} from idp.example/jwks plugin` {
		t.Errorf("upstream headers = %v", up.Headers)
	}
	cs := h.Callouts()
	if len(cs) != 1 || cs[0].Cluster != "idp" || cs[0].Status != 200 || cs[0].Failure != "" || cs[0].Timeout != time.Second {
		t.Errorf("callouts = %+v", cs)
	}
}

func TestCallout_LocalReplyFromCallback(t *testing.T) {
	idp := idpServer(t, 0)
	h := Start(t, Options{Wasm: module(t, "basic"), Clusters: map[string]string{"idp": idp.URL}})

	resp, err := h.Do(Request{Path: "/callout?deny=1"})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Status != 401 || !resp.Local || string(resp.Body) != "callout said no" || h.UpstreamHits() != 0 {
		t.Fatalf("response = %d local=%v %q hits=%d", resp.Status, resp.Local, resp.Body, h.UpstreamHits())
	}
}

func TestCallout_Refused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name       string
		path       string
		clusters   map[string]string
		wantStatus int
		wantBody   string
		wantFail   string
	}{
		{name: "unknown cluster is BadArgument", path: "/callout?cluster=nope", wantStatus: 500, wantBody: "dispatch: error status returned by host: bad argument", wantFail: "unknown cluster"},
		{name: "missing :authority is BadArgument", path: "/callout-noauth?cluster=idp", clusters: map[string]string{"idp": closed}, wantStatus: 500, wantBody: "dispatch: error status returned by host: bad argument", wantFail: "missing :method, :path or :authority"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Start(t, Options{Wasm: module(t, "basic"), Clusters: tc.clusters})

			resp, err := h.Do(Request{Path: tc.path})
			if err != nil {
				t.Fatal(err)
			}

			if resp.Status != tc.wantStatus || string(resp.Body) != tc.wantBody {
				t.Errorf("response = %d %q", resp.Status, resp.Body)
			}
			if cs := h.Callouts(); len(cs) != 1 || cs[0].Failure != tc.wantFail || cs[0].Status != 0 {
				t.Errorf("callouts = %+v", cs)
			}
		})
	}
}

// Envoy's async client answers a timeout with the router's 504 and a connection failure with a
// 503; the plugin sees them as responses.
func TestCallout_FailuresArriveAsRouterReplies(t *testing.T) {
	slow := idpServer(t, 2*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	// reset sends headers promising a body, then closes the connection.
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
		_ = buf.Flush()
		conn.Close()
	}))
	t.Cleanup(reset.Close)
	tests := []struct {
		name        string
		cluster     string
		wantStatus  string
		wantHeaders string
		wantBody    string
		wantFail    string
	}{
		{name: "timeout", cluster: slow.URL, wantStatus: "504", wantHeaders: "3", wantBody: "upstream request timeout", wantFail: "timeout"},
		{name: "connection refused", cluster: closed, wantStatus: "503", wantHeaders: "3", wantBody: "upstream connect error", wantFail: "connection refused"},
		{name: "reset after headers: no headers at all", cluster: reset.URL, wantStatus: "none", wantHeaders: "0", wantFail: "reset: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Start(t, Options{Wasm: module(t, "basic"), Clusters: map[string]string{"idp": tc.cluster}})
			start := time.Now()

			resp, err := h.Do(Request{Path: "/callout?timeout=200"})
			if err != nil {
				t.Fatal(err)
			}

			if took := time.Since(start); took > 1500*time.Millisecond {
				t.Errorf("took %v, want about the 200 ms callout timeout", took)
			}
			up := resp.Upstream
			if up == nil || up.Header("x-callout-status") != tc.wantStatus || up.Header("x-callout-headers") != tc.wantHeaders ||
				!strings.HasPrefix(up.Header("x-callout-body"), tc.wantBody) {
				t.Fatalf("upstream = %+v", up)
			}
			if cs := h.Callouts(); len(cs) != 1 || cs[0].Failure != tc.wantFail || cs[0].Status != 0 {
				t.Errorf("callouts = %+v", cs)
			}
		})
	}
}

func TestDo_PausedWithoutResumeTimesOut504(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic"), StreamTimeout: 100 * time.Millisecond})

	resp, err := h.Do(Request{Path: "/pause"})
	if err != nil {
		t.Fatal(err)
	}

	if resp.Status != 504 || !resp.Local || string(resp.Body) != "upstream request timeout" || h.UpstreamHits() != 0 {
		t.Fatalf("response = %d local=%v %q", resp.Status, resp.Local, resp.Body)
	}
}
