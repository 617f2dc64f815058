package harness

import (
	"bytes"
	"net"
	"strconv"
	"strings"
)

// Envoy attribute values (source/extensions/filters/common/expr and wasm context.cc): strings
// raw, integers 8-byte little endian, booleans one byte, maps as serialized header pairs.
func init() {
	// proxy_get_property: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_property
	register("proxy_get_property", []string{"property_path_data", "property_path_size", "return_property_value_data", "return_property_value_size"}, func(v *vm, s []uint64) {
		b, ok := v.read(u32(s[0]), u32(s[1]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		val, found := v.property(pathSegments(b))
		if !found {
			s[0] = statusNotFound
			return
		}
		s[0] = v.copyOut(val, u32(s[2]), u32(s[3]))
	})
	// proxy_set_property: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_set_property
	// Stored per stream (Envoy's filter state) and readable back with proxy_get_property.
	register("proxy_set_property", []string{"property_path_data", "property_path_size", "property_value_data", "property_value_size"}, func(v *vm, s []uint64) {
		b, ok1 := v.read(u32(s[0]), u32(s[1]))
		val, ok2 := v.read(u32(s[2]), u32(s[3]))
		if !ok1 || !ok2 {
			s[0] = statusInvalidMemoryAccess
			return
		}
		st := v.streams[v.current]
		if st == nil {
			s[0] = statusNotFound
			return
		}
		st.props[strings.Join(pathSegments(b), ".")] = append([]byte(nil), val...)
		s[0] = statusOK
	})
}

// property answers the attributes Envoy offers; unknown ones are NotFound. Request attributes
// exist only on a stream context.
func (v *vm) property(path []string) ([]byte, bool) {
	key := strings.Join(path, ".")
	switch key {
	case "plugin_name":
		return []byte(v.h.opts.PluginName), true
	case "plugin_root_id", "plugin_vm_id":
		return []byte{}, true
	case "node.id", "node.cluster":
		return []byte("wasmproxy"), true
	}
	st := v.streams[v.current]
	if st == nil {
		return nil, false
	}
	if val, ok := st.props[key]; ok {
		return val, true
	}
	// Header-derived request/response attributes read the header maps Envoy still holds
	// (see headerMapOf); stream-info ones (addresses, protocol, response code) are always there.
	var reqMap, respMap *headerMap
	if st.reqHeadersLive || st.logPhase {
		reqMap = st.reqHeaders
	}
	if st.respHeadersLive || st.logPhase {
		respMap = st.respHeaders
	}
	hdr := func(name string) ([]byte, bool) {
		if reqMap == nil {
			return nil, false
		}
		val, ok := reqMap.get(name)
		return []byte(val), ok
	}
	if len(path) == 3 && path[1] == "headers" {
		var m *headerMap
		switch path[0] {
		case "request":
			m = reqMap
		case "response":
			m = respMap
		}
		if m == nil {
			return nil, false
		}
		val, ok := m.get(strings.ToLower(path[2]))
		return []byte(val), ok
	}
	switch key {
	case "source.address":
		return []byte(st.source), true
	case "source.port":
		return portOf(st.source)
	case "destination.address":
		return []byte("127.0.0.1:10000"), true
	case "destination.port":
		return le64(10000), true
	case "connection.mtls":
		return []byte{0}, true
	case "request.path":
		return hdr(":path")
	case "request.url_path":
		p, ok := hdr(":path")
		if i := bytes.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return p, ok
	case "request.query":
		p, ok := hdr(":path")
		if i := bytes.IndexByte(p, '?'); i >= 0 {
			return p[i+1:], true
		}
		return []byte{}, ok
	case "request.method":
		return hdr(":method")
	case "request.host":
		return hdr(":authority")
	case "request.scheme":
		return hdr(":scheme")
	case "request.protocol":
		return []byte("HTTP/1.1"), true
	case "request.id":
		return hdr("x-request-id")
	case "request.useragent":
		return hdr("user-agent")
	case "request.referer":
		return hdr("referer")
	case "request.headers":
		if reqMap == nil {
			return nil, false
		}
		return encodePairs(reqMap.pairs), true
	case "response.code":
		if st.respHeaders == nil {
			return nil, false
		}
		code, _ := st.respHeaders.get(":status")
		n, _ := strconv.Atoi(code)
		return le64(int64(n)), true
	case "response.headers":
		if respMap == nil {
			return nil, false
		}
		return encodePairs(respMap.pairs), true
	}
	// connection.subject_peer_certificate, connection.uri_san_peer_certificate, ... exist only
	// on TLS connections; the harness serves plain HTTP, so Envoy would have no value.
	return nil, false
}

func portOf(addr string) ([]byte, bool) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, false
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return nil, false
	}
	return le64(int64(n)), true
}
