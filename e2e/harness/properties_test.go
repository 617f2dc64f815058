package harness

import "testing"

// TestRequestProperties: Request.Properties serves TLS properties the plain-HTTP harness lacks
// (a verified client certificate), per request, over the built-in values.
func TestRequestProperties(t *testing.T) {
	h := Start(t, Options{Wasm: module(t, "basic")})
	resp, err := h.Do(Request{Path: "/props", Properties: map[string][]byte{
		"connection.subject_peer_certificate": []byte("CN=client"),
		"connection.mtls":                     {1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"x-prop-peer-cert": "ok", "x-prop-connection.mtls": "1/ok"} {
		if got := resp.Upstream.Header(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// The next request has no client certificate again.
	resp, err = h.Do(Request{Path: "/props"})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Upstream.Header("x-prop-peer-cert"); got != "error status returned by host: not found" {
		t.Errorf("without Properties: x-prop-peer-cert = %q", got)
	}
}
