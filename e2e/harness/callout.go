package harness

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// calloutResult is the response delivered by proxy_on_http_call_response.
type calloutResult struct {
	reset    bool      // Envoy's onHttpCallFailure: proxy_get_status answers BrokenConnection "reset"
	headers  headerMap // with :status; empty when the call failed (reset)
	body     []byte
	trailers headerMap
}

// maxCalloutWait bounds a callout whose plugin asked for no timeout.
const maxCalloutWait = 60 * time.Second

func init() {
	// proxy_http_call: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_http_call
	// As Envoy's Context::httpCall: unknown cluster or missing :method/:path/:authority ->
	// BadArgument; the token steps by 4 (cpp-host nextHttpCallId); the response comes later on
	// the root context (cpp-host http_call uses contextOrEffectiveContext()->root_context(); the SDK
	// then sets the effective context back to the caller's stream).
	register("proxy_http_call", []string{"upstream_name_data", "upstream_name_size", "headers_map_data", "headers_map_size",
		"body_data", "body_size", "trailers_map_data", "trailers_map_size", "timeout_milliseconds", "return_callout_id"}, func(v *vm, s []uint64) {
		cluster, ok1 := v.readString(u32(s[0]), u32(s[1]))
		hb, ok2 := v.read(u32(s[2]), u32(s[3]))
		body, ok3 := v.read(u32(s[4]), u32(s[5]))
		tb, ok4 := v.read(u32(s[6]), u32(s[7]))
		if !ok1 || !ok2 || !ok3 || !ok4 {
			s[0] = statusInvalidMemoryAccess
			return
		}
		headers, err1 := decodePairs(hb)
		trailers, err2 := decodePairs(tb)
		if err1 != nil || err2 != nil {
			s[0] = statusBadArgument
			return
		}
		timeout := time.Duration(u32(s[8])) * time.Millisecond
		c := Callout{Worker: v.id, Cluster: cluster, Headers: headers, Timeout: timeout}
		base, known := v.h.opts.Clusters[cluster]
		hm := headerMap{pairs: headers}
		_, hasMethod := hm.get(":method")
		_, hasPath := hm.get(":path")
		_, hasAuthority := hm.get(":authority")
		switch {
		case !known:
			c.Failure = "unknown cluster"
		case !hasMethod || !hasPath || !hasAuthority:
			c.Failure = "missing :method, :path or :authority"
		}
		if c.Failure != "" {
			v.h.recordCallout(c)
			s[0] = statusBadArgument
			return
		}
		v.nextToken += 4
		token := v.nextToken
		if !v.putU32(u32(s[9]), token) {
			s[0] = statusInvalidMemoryAccess
			return
		}
		v.calls[token] = v.rootID
		body = append([]byte(nil), body...)
		v.h.async(func() {
			res := doCallout(base, headers, body, trailers, timeout, &c)
			v.h.recordCallout(c)
			v.deliverCallout(token, res)
		})
		s[0] = statusOK
	})
}

// deliverCallout calls proxy_on_http_call_response on the root context, even when the stream
// that asked is gone (the SDK then drops the callback).
func (v *vm) deliverCallout(token uint32, res *calloutResult) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ctxID, ok := v.calls[token]
	delete(v.calls, token)
	if !ok {
		return
	}
	v.callResp = res
	v.call(v.fn.httpCallResponse, ctxID, uint64(ctxID), uint64(token),
		uint64(len(res.headers.pairs)), uint64(len(res.body)), uint64(len(res.trailers.pairs)))
	v.callResp = nil
}

// doCallout performs the request against the cluster's base URL. Like Envoy's async client, a
// timeout arrives as a 504 "upstream request timeout" response and a connection failure as a
// 503 from the router; a reset after the headers is a failure with no headers at all.
func doCallout(base string, headers [][2]string, body []byte, trailers [][2]string, timeout time.Duration, c *Callout) *calloutResult {
	hm := headerMap{pairs: headers}
	method, _ := hm.get(":method")
	path, _ := hm.get(":path")
	authority, _ := hm.get(":authority")
	wait := timeout
	if wait <= 0 || wait > maxCalloutWait {
		wait = maxCalloutWait
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, bytes.NewReader(body))
	if err != nil {
		c.Failure = "bad request: " + err.Error()
		return routerReply(503, "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure")
	}
	req.Host = authority
	for _, p := range headers {
		if !strings.HasPrefix(p[0], ":") && p[0] != "host" {
			req.Header.Add(p[0], p[1])
		}
	}
	if len(trailers) > 0 {
		req.Trailer = http.Header{}
		for _, p := range trailers {
			req.Trailer.Add(p[0], p[1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			c.Failure = "timeout"
			return routerReply(504, "upstream request timeout")
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			c.Failure = "connection refused"
		} else {
			c.Failure = "reset: " + err.Error()
		}
		return routerReply(503, "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure")
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			c.Failure = "timeout"
		} else {
			c.Failure = "reset: " + err.Error()
		}
		return &calloutResult{reset: true} // onFailure: 0 headers, 0 body
	}
	c.Status = resp.StatusCode
	res := &calloutResult{body: rb}
	res.headers.add(":status", strconv.Itoa(resp.StatusCode))
	res.headers.pairs = append(res.headers.pairs, lowerPairs(resp.Header)...)
	if resp.Header.Get("Content-Length") == "" && resp.ContentLength >= 0 {
		res.headers.add("content-length", strconv.Itoa(len(rb)))
	}
	res.trailers.pairs = lowerPairs(resp.Trailer)
	return res
}

// routerReply is the local reply Envoy's router gives the async client.
func routerReply(status int, body string) *calloutResult {
	r := &calloutResult{body: []byte(body)}
	r.headers.add(":status", strconv.Itoa(status))
	r.headers.add("content-length", strconv.Itoa(len(body)))
	r.headers.add("content-type", "text/plain")
	return r
}

// lowerPairs flattens a Go header with lower-case names, sorted for stable order.
func lowerPairs(h http.Header) [][2]string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][2]string
	for _, k := range keys {
		for _, val := range h[k] {
			out = append(out, [2]string{strings.ToLower(k), val})
		}
	}
	return out
}
