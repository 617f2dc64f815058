package harness

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
)

type phase int

const (
	phaseRequest phase = iota
	phaseResponse
)

// stream is one HTTP context.
type stream struct {
	id              uint32
	source          string
	phase           phase
	reqHeaders      *headerMap
	reqTrailers     *headerMap
	respHeaders     *headerMap
	respTrailers    *headerMap
	reqBody         []byte
	hasReqBody      bool
	respBody        []byte
	reqHeadersLive  bool // Envoy's request_headers_ pointer is set
	reqBodyLive     bool
	respHeadersLive bool
	respBodyLive    bool
	logPhase        bool // during proxy_on_log: both header maps readable
	paused          bool
	resumedDuring   bool
	local           *localReply
	props           map[string][]byte
	wake            chan struct{}
}

// signal wakes the request waiting on this stream (non-blocking).
func (s *stream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (h *Host) pick(worker int) (*vm, error) {
	if worker < 0 {
		worker = int(h.rr.Add(1)-1) % len(h.vms)
	}
	if worker >= len(h.vms) {
		return nil, fmt.Errorf("worker %d out of range (%d VMs)", worker, len(h.vms))
	}
	return h.vms[worker], nil
}

// requestHeaders builds Envoy's request header map: pseudo-headers first, names lower-cased,
// a "host" header becomes :authority.
func requestHeaders(req *Request) *headerMap {
	m := &headerMap{}
	authority := req.Authority
	var rest [][2]string
	for _, p := range req.Headers {
		k := strings.ToLower(p[0])
		if k == "host" {
			if authority == "" {
				authority = p[1]
			}
			continue
		}
		rest = append(rest, [2]string{k, p[1]})
	}
	if authority == "" {
		authority = "example.com"
	}
	method, scheme, path := req.Method, req.Scheme, req.Path
	if method == "" {
		method = http.MethodGet
	}
	if scheme == "" {
		scheme = "http"
	}
	if path == "" {
		path = "/"
	}
	m.add(":authority", authority)
	m.add(":path", path)
	m.add(":method", method)
	m.add(":scheme", scheme)
	m.pairs = append(m.pairs, rest...)
	if len(req.Body) > 0 {
		if _, ok := m.get("content-length"); !ok {
			m.add("content-length", strconv.Itoa(len(req.Body)))
		}
	}
	return m
}

// Do runs one request through one VM, as Envoy's HTTP filter chain with this filter and a
// router: proxy_on_context_create -> proxy_on_request_headers (end_of_stream when there is no
// body) -> proxy_on_request_body once with the whole body and end_of_stream (as behind a
// buffering filter) -> the Upstream handler -> proxy_on_response_headers/body -> proxy_on_log,
// proxy_on_done, proxy_on_delete. A paused stream waits for proxy_continue_stream or a local
// reply; a pause in a headers callback is StopAllIterationAndWatermark (cpp-host's default for
// ABI 0.2.x), so the body is delivered only after the resume. Envoy would keep a stream nothing
// resumes open until its idle timeout; the host answers 504 "upstream request timeout" after
// Options.StreamTimeout (real time).
func (h *Host) Do(req Request) (*Response, error) {
	v, err := h.pick(req.Worker)
	if err != nil {
		return nil, err
	}
	if v.failed.Load() {
		return h.failedVM(&req, requestHeaders(&req))
	}
	source := req.Source
	if source == "" {
		source = "127.0.0.1:50000"
	}
	v.mu.Lock()
	s := &stream{id: v.nextID, source: source, reqHeaders: requestHeaders(&req), props: map[string][]byte{}, wake: make(chan struct{}, 1)}
	v.nextID++
	v.streams[s.id] = s
	for k, val := range req.Properties {
		s.props[k] = append([]byte(nil), val...)
	}
	original := s.reqHeaders.clone()
	if len(req.Body) > 0 {
		s.reqBody, s.hasReqBody = append([]byte(nil), req.Body...), true
	}
	v.call(v.fn.contextCreate, s.id, uint64(s.id), uint64(v.rootID))
	s.reqHeadersLive = true
	v.filter(s, v.fn.requestHeaders, headersPause, func() { s.reqHeadersLive = false },
		uint64(s.id), uint64(len(s.reqHeaders.pairs)), boolArg(!s.hasReqBody))
	v.await(s)
	if s.hasReqBody && s.local == nil {
		s.reqBodyLive = true
		v.filter(s, v.fn.requestBody, bodyPause, func() { s.reqBodyLive = false },
			uint64(s.id), uint64(len(s.reqBody)), 1)
		v.await(s)
	}
	s.reqHeadersLive, s.reqBodyLive = false, false
	if v.failed.Load() {
		v.finishFailed(s)
		v.mu.Unlock()
		return h.failedVM(&req, &headerMap{pairs: original})
	}
	if s.local != nil {
		resp := v.finish(s, nil)
		v.mu.Unlock()
		return resp, nil
	}
	up := &UpstreamRequest{Body: append([]byte(nil), s.reqBody...)}
	upHeaders := s.reqHeaders.clone()
	v.mu.Unlock()

	status, respHeaders, respBody := h.forward(up, upHeaders)

	v.mu.Lock()
	defer v.mu.Unlock()
	s.phase = phaseResponse
	s.respHeaders = &headerMap{pairs: append([][2]string{{":status", strconv.Itoa(status)}}, respHeaders...)}
	s.respBody = respBody
	s.respHeadersLive = true
	v.filter(s, v.fn.responseHeaders, headersPause, func() { s.respHeadersLive = false },
		uint64(s.id), uint64(len(s.respHeaders.pairs)), boolArg(len(respBody) == 0))
	v.await(s)
	if len(respBody) > 0 && s.local == nil {
		s.respBodyLive = true
		v.filter(s, v.fn.responseBody, bodyPause, func() { s.respBodyLive = false },
			uint64(s.id), uint64(len(respBody)), 1)
		v.await(s)
	}
	s.respHeadersLive, s.respBodyLive = false, false
	if v.failed.Load() {
		v.finishFailed(s)
		if h.opts.FailOpen { // the failed filter is skipped: the upstream's answer as it came
			return &Response{Status: status, Headers: respHeaders, Body: respBody, Upstream: up}, nil
		}
		return h.failedResponse(up), nil
	}
	return v.finish(s, up), nil
}

func boolArg(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// headersPause: cpp-host converts StopIteration (1) and anything above
// StopAllIterationAndWatermark (4) to StopAllIterationAndWatermark; ContinueAndEndStream (2)
// continues.
func headersPause(res uint64) bool { return res != actionContinue && res != 2 }

// bodyPause: every FilterDataStatus but Continue stops.
func bodyPause(res uint64) bool { return res != actionContinue }

// filter runs one proxy_on_*_headers/body callback. A pause holds the stream unless the plugin
// resumed it during the call (Envoy defers continueDecoding until the VM call returns); a
// continue releases the callback's map or buffer (onContinue), as Envoy drops its pointer. A
// local reply overrides the action, as cpp-host's stopNextIteration.
func (v *vm) filter(s *stream, fn api.Function, pause func(uint64) bool, onContinue func(), args ...uint64) {
	if v.failed.Load() || s.local != nil {
		return
	}
	s.resumedDuring = false
	res, ok := v.call(fn, s.id, args...)
	switch {
	case !ok || s.local != nil:
	case pause(res) && !s.resumedDuring:
		s.paused = true
	case !pause(res):
		onContinue()
	}
}

// await blocks (VM lock released) while the stream is paused.
func (v *vm) await(s *stream) {
	if !s.paused || s.local != nil || v.failed.Load() {
		return
	}
	deadline := time.NewTimer(v.h.opts.StreamTimeout)
	defer deadline.Stop()
	for s.paused && s.local == nil && !v.failed.Load() {
		v.mu.Unlock()
		select {
		case <-s.wake:
		case <-deadline.C:
			v.mu.Lock()
			if s.paused && s.local == nil {
				s.local = &localReply{status: http.StatusGatewayTimeout, details: "stream_timeout", body: []byte("upstream request timeout")}
				v.h.addLog(v.id, 3, fmt.Sprintf("stream %d paused for %s without proxy_continue_stream: answered 504", s.id, v.h.opts.StreamTimeout))
			}
			continue
		}
		v.mu.Lock()
	}
}

// finish builds the client's response and ends the stream. A local reply is first encoded
// through the filter chain, as Envoy's sendLocalReplyViaFilterChain: the plugin sees it in
// proxy_on_response_headers/body (once; the actions are not waited on). A reset stream
// (proxy_close_stream) is not encoded.
func (v *vm) finish(s *stream, up *UpstreamRequest) *Response {
	resp := &Response{Upstream: up}
	if l := s.local; l != nil {
		resp.Local = true
		s.phase = phaseResponse
		s.respHeaders = &headerMap{pairs: l.responseHeaders()}
		s.respBody = append([]byte(nil), l.body...)
		if !l.reset {
			s.respHeadersLive = true
			v.call(v.fn.responseHeaders, s.id, uint64(s.id), uint64(len(s.respHeaders.pairs)), boolArg(len(l.body) == 0))
			s.respHeadersLive = false
			if len(l.body) > 0 {
				s.respBodyLive = true
				v.call(v.fn.responseBody, s.id, uint64(s.id), uint64(len(s.respBody)), 1)
				s.respBodyLive = false
			}
		}
	}
	v.endStream(s)
	if v.failed.Load() {
		return v.h.failedResponse(up)
	}
	for _, p := range s.respHeaders.pairs {
		if p[0] == ":status" {
			resp.Status, _ = strconv.Atoi(p[1])
			continue
		}
		resp.Headers = append(resp.Headers, p)
	}
	resp.Body = s.respBody
	return resp
}

// endStream: access log (request and response headers readable), then the filter's destroy.
func (v *vm) endStream(s *stream) {
	s.logPhase = true
	v.call(v.fn.log, s.id, uint64(s.id))
	s.logPhase = false
	v.call(v.fn.done, s.id, uint64(s.id))
	v.call(v.fn.delete, s.id, uint64(s.id))
	delete(v.streams, s.id)
}

// finishFailed forgets a stream whose VM failed (no more calls into it).
func (v *vm) finishFailed(s *stream) { delete(v.streams, s.id) }

// forward sends the filtered request to the Upstream handler in-process.
func (h *Host) forward(up *UpstreamRequest, pairs [][2]string) (int, [][2]string, []byte) {
	hm := headerMap{pairs: pairs}
	up.Method, _ = hm.get(":method")
	up.Path, _ = hm.get(":path")
	up.Authority, _ = hm.get(":authority")
	scheme, _ := hm.get(":scheme")
	for _, p := range pairs {
		if !strings.HasPrefix(p[0], ":") {
			up.Headers = append(up.Headers, p)
		}
	}
	if scheme == "" {
		scheme = "http"
	}
	r := httptest.NewRequest(up.Method, scheme+"://"+up.Authority+up.Path, bytes.NewReader(up.Body))
	r.Host = up.Authority
	r.RequestURI = up.Path
	r.Header = http.Header{}
	for _, p := range up.Headers {
		r.Header.Add(p[0], p[1])
	}
	r.ContentLength = int64(len(up.Body))
	h.upstreamHits.Add(1)
	rec := httptest.NewRecorder()
	h.opts.Upstream.ServeHTTP(rec, r)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	headers := lowerPairs(res.Header)
	if res.Header.Get("Content-Length") == "" {
		headers = append(headers, [2]string{"content-length", strconv.Itoa(len(body))})
	}
	return res.StatusCode, headers, body
}

// failedVM answers a request on a failed VM by the failure policy: fail closed -> 503 local
// reply (Envoy's "wasm_fail_stream"); FailOpen -> the filter is skipped.
func (h *Host) failedVM(req *Request, hm *headerMap) (*Response, error) {
	if !h.opts.FailOpen {
		return &Response{Status: http.StatusServiceUnavailable, Local: true}, nil
	}
	up := &UpstreamRequest{Body: append([]byte(nil), req.Body...)}
	status, headers, body := h.forward(up, hm.clone())
	return &Response{Status: status, Headers: headers, Body: body, Upstream: up}, nil
}

// failedResponse: the VM failed while the response was being filtered.
func (h *Host) failedResponse(up *UpstreamRequest) *Response {
	return &Response{Status: http.StatusServiceUnavailable, Local: true, Upstream: up}
}
