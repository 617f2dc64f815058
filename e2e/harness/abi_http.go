package harness

import (
	"strconv"
	"strings"
)

// Header map types (spec v0.2.1 proxy_map_type_t).
const (
	mapRequestHeaders   = 0
	mapRequestTrailers  = 1
	mapResponseHeaders  = 2
	mapResponseTrailers = 3
	mapCallHeaders      = 6
	mapCallTrailers     = 7
)

// Buffer types (spec v0.2.1 proxy_buffer_type_t).
const (
	bufRequestBody  = 0
	bufResponseBody = 1
	bufCallBody     = 4
	bufVMConfig     = 6
	bufPluginConfig = 7
)

// headerMapOf returns the map of type t for the current context and whether it may be
// modified, as Envoy's getMap/getConstMap: a request (response) header map exists during
// proxy_on_request_headers (response) and, when that paused, until proxy_continue_stream; during
// proxy_on_log both are readable. Envoy drops its pointer once the filter continues, so later
// calls see no map (nil: BadArgument, or empty pairs for get_header_map_pairs).
func (v *vm) headerMapOf(t uint32) (*headerMap, bool) {
	switch t {
	case mapCallHeaders, mapCallTrailers:
		if v.callResp == nil {
			return nil, false
		}
		if t == mapCallHeaders {
			return &v.callResp.headers, false
		}
		return &v.callResp.trailers, false
	}
	s := v.streams[v.current]
	if s == nil {
		return nil, false
	}
	switch t {
	case mapRequestHeaders:
		if s.reqHeadersLive {
			return s.reqHeaders, true
		}
		if s.logPhase {
			return s.reqHeaders, false
		}
	case mapResponseHeaders:
		if s.respHeadersLive {
			return s.respHeaders, true
		}
		if s.logPhase && s.respHeaders != nil {
			return s.respHeaders, false
		}
	}
	return nil, false // no trailers in this host's requests
}

func init() {
	// proxy_get_header_map_value: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_header_map_value
	register("proxy_get_header_map_value", []string{"map_type", "key_data", "key_size", "return_value_data", "return_value_size"}, func(v *vm, s []uint64) {
		m, _ := v.headerMapOf(u32(s[0]))
		key, ok := v.readString(u32(s[1]), u32(s[2]))
		switch {
		case !ok:
			s[0] = statusInvalidMemoryAccess
		case m == nil:
			s[0] = statusBadArgument
		default:
			val, found := m.get(strings.ToLower(key))
			if !found {
				s[0] = statusNotFound
				return
			}
			s[0] = v.copyOut([]byte(val), u32(s[3]), u32(s[4]))
		}
	})
	// proxy_add_header_map_value: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_add_header_map_value
	register("proxy_add_header_map_value", []string{"map_type", "key_data", "key_size", "value_data", "value_size"}, func(v *vm, s []uint64) {
		s[0] = v.editMap(s, func(m *headerMap, k, val string) { m.add(k, val) })
	})
	// proxy_replace_header_map_value: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_replace_header_map_value
	register("proxy_replace_header_map_value", []string{"map_type", "key_data", "key_size", "value_data", "value_size"}, func(v *vm, s []uint64) {
		s[0] = v.editMap(s, func(m *headerMap, k, val string) { m.replace(k, val) })
	})
	// proxy_remove_header_map_value: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_remove_header_map_value
	register("proxy_remove_header_map_value", []string{"map_type", "key_data", "key_size"}, func(v *vm, s []uint64) {
		s[0] = v.editMap([]uint64{s[0], s[1], s[2], 0, 0}, func(m *headerMap, k, _ string) { m.remove(k) })
	})
	// proxy_get_header_map_pairs: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_header_map_pairs
	register("proxy_get_header_map_pairs", []string{"map_type", "return_map_data", "return_map_size"}, func(v *vm, s []uint64) {
		// Envoy answers an absent map with an empty one (headerMapToPairs(nullptr)).
		m, _ := v.headerMapOf(u32(s[0]))
		if m == nil || len(m.pairs) == 0 {
			s[0] = v.copyOut(nil, u32(s[1]), u32(s[2]))
			return
		}
		s[0] = v.copyOut(encodePairs(m.pairs), u32(s[1]), u32(s[2]))
	})
	// proxy_set_header_map_pairs: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_set_header_map_pairs
	register("proxy_set_header_map_pairs", []string{"map_type", "map_data", "map_size"}, func(v *vm, s []uint64) {
		m, writable := v.headerMapOf(u32(s[0]))
		b, ok := v.read(u32(s[1]), u32(s[2]))
		switch {
		case !ok:
			s[0] = statusInvalidMemoryAccess
		case m == nil || !writable:
			s[0] = statusBadArgument
		default:
			pairs, err := decodePairs(b)
			if err != nil {
				s[0] = statusSerializationFailed
				return
			}
			m.pairs = pairs
			s[0] = statusOK
		}
	})
	// proxy_get_header_map_size: Envoy's HeaderMap::byteSize (sum of name and value lengths).
	register("proxy_get_header_map_size", []string{"map_type", "return_map_size"}, func(v *vm, s []uint64) {
		m, writable := v.headerMapOf(u32(s[0]))
		if m == nil || !writable {
			s[0] = statusBadArgument
			return
		}
		n := 0
		for _, p := range m.pairs {
			n += len(p[0]) + len(p[1])
		}
		s[0] = okIf(v.putU32(u32(s[1]), uint32(n)))
	})
	// proxy_get_buffer_status: length of a buffer (flags 0).
	register("proxy_get_buffer_status", []string{"buffer_type", "return_buffer_size", "return_buffer_flags"}, func(v *vm, s []uint64) {
		b, found, _ := v.buffer(u32(s[0]))
		if !found {
			s[0] = statusNotFound
			return
		}
		s[0] = okIf(v.putU32(u32(s[1]), uint32(len(*b))) && v.putU32(u32(s[2]), 0))
	})
	// proxy_get_buffer_bytes: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_buffer_bytes
	// As cpp-host: clamp to the buffer, a zero-length read is OK with nothing written.
	register("proxy_get_buffer_bytes", []string{"buffer_type", "start", "max_size", "return_buffer_data", "return_buffer_size"}, func(v *vm, s []uint64) {
		b, found, _ := v.buffer(u32(s[0]))
		if !found {
			s[0] = statusNotFound
			return
		}
		start, n := uint64(u32(s[1])), uint64(u32(s[2]))
		if start > uint64(len(*b)) {
			s[0] = statusBadArgument
			return
		}
		if start+n > uint64(len(*b)) {
			n = uint64(len(*b)) - start
		}
		if n == 0 {
			s[0] = statusOK
			return
		}
		s[0] = v.copyOut((*b)[start:start+n], u32(s[3]), u32(s[4]))
	})
	// proxy_set_buffer_bytes: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_set_buffer_bytes
	// Envoy's Buffer::copyFrom on a live body: start 0 drains `size` bytes then prepends (0,0
	// prepends, 0,len replaces), start >= len appends, anything else BadArgument; other buffers
	// (configuration, callout body, a body outside its callback) are read-only: BadArgument.
	register("proxy_set_buffer_bytes", []string{"buffer_type", "start", "size", "buffer_data", "buffer_size"}, func(v *vm, s []uint64) {
		b, found, writable := v.buffer(u32(s[0]))
		if !found {
			s[0] = statusNotFound
			return
		}
		data, ok := v.read(u32(s[3]), u32(s[4]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		if !writable {
			s[0] = statusBadArgument
			return
		}
		start, size := int(u32(s[1])), int(u32(s[2]))
		switch {
		case start == 0:
			rest := (*b)[min(size, len(*b)):]
			*b = append(append([]byte(nil), data...), rest...)
		case start >= len(*b):
			*b = append(*b, data...)
		default:
			s[0] = statusBadArgument
			return
		}
		s[0] = statusOK
	})
	// proxy_send_local_response: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_send_local_response
	register("proxy_send_local_response", []string{"status_code", "status_code_details_data", "status_code_details_size", "body_data", "body_size", "headers_data", "headers_size", "grpc_status"}, func(v *vm, s []uint64) {
		st := v.streams[v.current]
		if st == nil {
			s[0] = statusBadArgument
			return
		}
		details, ok1 := v.readString(u32(s[1]), u32(s[2]))
		body, ok2 := v.read(u32(s[3]), u32(s[4]))
		hb, ok3 := v.read(u32(s[5]), u32(s[6]))
		if !ok1 || !ok2 || !ok3 {
			s[0] = statusInvalidMemoryAccess
			return
		}
		pairs, err := decodePairs(hb)
		if err != nil {
			s[0] = statusSerializationFailed
			return
		}
		if st.local == nil { // Envoy keeps the first local reply of a stream
			st.local = &localReply{status: int(u32(s[0])), details: details, body: append([]byte(nil), body...), headers: pairs}
			st.signal()
		}
		s[0] = statusOK
	})
	// proxy_continue_stream: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_continue_stream
	// As Envoy's Context::continueStream: the request maps are released at once (for either
	// stream type), the stream resumes after the VM call returns.
	register("proxy_continue_stream", []string{"stream_type"}, func(v *vm, s []uint64) {
		st := v.streams[v.current]
		t := u32(s[0])
		if t > 3 {
			s[0] = statusBadArgument
			return
		}
		if t == 3 {
			s[0] = statusUnimplemented
			return
		}
		if st == nil || t == 2 {
			s[0] = statusOK
			return
		}
		st.reqHeadersLive, st.reqBodyLive = false, false
		if (t == 0) == (st.phase == phaseRequest) {
			st.paused = false
			st.resumedDuring = true
			st.signal()
		}
		s[0] = statusOK
	})
	// proxy_close_stream: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_close_stream
	// Envoy resets the stream; the client sees no response, modelled as a local 503 "closed".
	register("proxy_close_stream", []string{"stream_type"}, func(v *vm, s []uint64) {
		st := v.streams[v.current]
		if st == nil {
			s[0] = statusBadArgument
			return
		}
		if st.local == nil {
			st.local = &localReply{status: 503, details: "closed_by_wasm", reset: true}
			st.signal()
		}
		s[0] = statusOK
	})
}

// editMap reads key/value from stack slots 1..4 and applies op to a writable map.
func (v *vm) editMap(s []uint64, op func(m *headerMap, k, val string)) uint64 {
	m, writable := v.headerMapOf(u32(s[0]))
	key, ok1 := v.readString(u32(s[1]), u32(s[2]))
	val, ok2 := v.readString(u32(s[3]), u32(s[4]))
	switch {
	case !ok1 || !ok2:
		return statusInvalidMemoryAccess
	case m == nil || !writable:
		return statusBadArgument
	}
	op(m, strings.ToLower(key), val)
	return statusOK
}

// buffer returns the buffer of type t in the current context, whether it exists and whether it
// may be written. As Envoy's getBuffer: plugin configuration only while the plugin starts; a
// body only during its callback (and while that paused), otherwise empty.
func (v *vm) buffer(t uint32) (*[]byte, bool, bool) {
	switch t {
	case bufVMConfig:
		return &v.h.vmConfig, true, false
	case bufPluginConfig:
		if !v.configuring {
			return nil, false, false
		}
		return &v.h.pluginConfig, true, false
	case bufCallBody:
		if v.callResp == nil {
			return nil, false, false
		}
		return &v.callResp.body, true, false
	}
	s := v.streams[v.current]
	if s == nil {
		return nil, false, false
	}
	switch t {
	case bufRequestBody:
		if s.reqBodyLive {
			return &s.reqBody, true, true
		}
		return new([]byte), true, false
	case bufResponseBody:
		if s.respBodyLive {
			return &s.respBody, true, true
		}
		return new([]byte), true, false
	}
	return nil, false, false
}

// localReply is a proxy_send_local_response (or the host's own answer).
type localReply struct {
	status  int
	details string
	body    []byte
	headers [][2]string
	reset   bool
}

// responseHeaders are the headers Envoy sends with a local reply: the plugin's, then
// content-length and content-type text/plain for a non-empty body (Utility::sendLocalReply).
func (l *localReply) responseHeaders() [][2]string {
	out := [][2]string{{":status", strconv.Itoa(l.status)}}
	hasCT := false
	for _, p := range l.headers {
		if p[0] == "content-type" {
			hasCT = true
		}
		if p[0] != "content-length" && p[0] != ":status" {
			out = append(out, p)
		}
	}
	if len(l.body) > 0 {
		out = append(out, [2]string{"content-length", strconv.Itoa(len(l.body))})
		if !hasCT {
			out = append(out, [2]string{"content-type", "text/plain"})
		}
	}
	return out
}
