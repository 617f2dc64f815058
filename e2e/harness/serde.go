package harness

import (
	"encoding/binary"
	"errors"
	"strings"
)

// errSerialization is a malformed serialized map from the guest (proxy-wasm SerializationFailure).
var errSerialization = errors.New("malformed serialized header map")

// encodePairs serializes a header map as the proxy-wasm spec does: u32 count, then per pair u32
// key length and u32 value length, then every key and value followed by a NUL byte.
// See https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_header_map_pairs
func encodePairs(pairs [][2]string) []byte {
	size := 4
	for _, p := range pairs {
		size += 8 + len(p[0]) + len(p[1]) + 2
	}
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b, uint32(len(pairs)))
	off := 4
	for _, p := range pairs {
		binary.LittleEndian.PutUint32(b[off:], uint32(len(p[0])))
		binary.LittleEndian.PutUint32(b[off+4:], uint32(len(p[1])))
		off += 8
	}
	for _, p := range pairs {
		off += copy(b[off:], p[0]) + 1
		off += copy(b[off:], p[1]) + 1
	}
	return b
}

// decodePairs parses the format of encodePairs; names are lower-cased as Envoy's
// LowerCaseString does.
func decodePairs(b []byte) ([][2]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) < 4 {
		return nil, errSerialization
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > (len(b)-4)/8 {
		return nil, errSerialization
	}
	sizes := b[4 : 4+8*n]
	data := b[4+8*n:]
	pairs := make([][2]string, 0, n)
	for i := 0; i < n; i++ {
		kl := int(binary.LittleEndian.Uint32(sizes[8*i:]))
		vl := int(binary.LittleEndian.Uint32(sizes[8*i+4:]))
		if kl+vl+2 > len(data) || kl < 0 || vl < 0 {
			return nil, errSerialization
		}
		k := string(data[:kl])
		v := string(data[kl+1 : kl+1+vl])
		data = data[kl+vl+2:]
		pairs = append(pairs, [2]string{strings.ToLower(k), v})
	}
	return pairs, nil
}

// headerMap is one of a stream's header maps (request/response headers or trailers).
type headerMap struct{ pairs [][2]string }

func (m *headerMap) get(key string) (string, bool) {
	for _, p := range m.pairs {
		if p[0] == key {
			return p[1], true
		}
	}
	return "", false
}

func (m *headerMap) add(key, value string) { m.pairs = append(m.pairs, [2]string{key, value}) }

// replace sets key to value: the first entry is overwritten, later duplicates removed (Envoy setCopy).
func (m *headerMap) replace(key, value string) {
	out := m.pairs[:0]
	found := false
	for _, p := range m.pairs {
		if p[0] == key {
			if found {
				continue
			}
			found = true
			p[1] = value
		}
		out = append(out, p)
	}
	m.pairs = out
	if !found {
		m.add(key, value)
	}
}

func (m *headerMap) remove(key string) {
	out := m.pairs[:0]
	for _, p := range m.pairs {
		if p[0] != key {
			out = append(out, p)
		}
	}
	m.pairs = out
}

func (m *headerMap) clone() [][2]string { return append([][2]string(nil), m.pairs...) }
