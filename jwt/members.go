package jwt

import (
	"math"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Inside wasm every gjson scan of a payload costs microseconds, and a request reads several
// claims (policy conditions, claim headers, the identity). Parse already walks every
// top-level member once, so it keeps them in a small index and reads find a member without
// scanning the payload again.

// member is one top-level member of a payload: where its name (as written) and its raw value
// lie in the payload. Offsets rather than strings keep the index small (8 bytes a member) and
// free of pointers: the GC does not scan it and filling it needs no write barriers. A token's
// payload is below 64 KiB (MaxTokenBytes); larger JSON from NewClaims is not indexed.
type member struct{ name, nameLen, raw, rawLen uint16 }

// memberIndex lists every top-level member of a payload. It is complete (ok) only when the
// payload walked cleanly and no member name was escaped: escaped names would need gjson's
// own unescaping to match paths exactly, so such payloads are read with gjson instead.
type memberIndex struct {
	members []member
	ok      bool
}

// find returns the raw value of the member of js named exactly name. A linear scan: payloads
// have a few dozen members, and comparing lengths first rejects most of them at once.
func (x *memberIndex) find(js, name string) (raw string, found bool) {
	for i := range x.members {
		if m := &x.members[i]; int(m.nameLen) == len(name) && js[m.name:m.name+m.nameLen] == name {
			return js[m.raw : m.raw+m.rawLen], true
		}
	}
	return "", false
}

// indexBuilder collects members on the stack while the payload is walked, so that the index
// costs one allocation of the exact size (typical payloads have 10 to 30 members).
type indexBuilder struct {
	buf     [32]member
	n       int
	more    []member // all members once buf overflows
	escaped bool     // or too large for 16-bit offsets: no index
}

// add records a member; name and raw must be substrings of js.
func (b *indexBuilder) add(js, name string, escaped bool, raw string) {
	if escaped || len(js) > math.MaxUint16 {
		b.escaped = true
	}
	if b.escaped {
		return
	}
	m := member{offsetIn(js, name), uint16(len(name)), offsetIn(js, raw), uint16(len(raw))}
	switch {
	case b.more != nil:
		b.more = append(b.more, m)
	case b.n < len(b.buf):
		b.buf[b.n] = m
		b.n++
	default:
		b.more = make([]member, b.n, 2*b.n)
		copy(b.more, b.buf[:])
		b.more = append(b.more, m)
	}
}

func (b *indexBuilder) build() memberIndex {
	if b.escaped {
		return memberIndex{}
	}
	if b.more != nil {
		return memberIndex{members: b.more, ok: true}
	}
	if b.n == 0 {
		return memberIndex{ok: true}
	}
	m := make([]member, b.n)
	copy(m, b.buf[:b.n])
	return memberIndex{members: m, ok: true}
}

// offsetIn is where sub starts in s; sub is a substring of s (an empty one may point
// anywhere, and gets 0).
func offsetIn(s, sub string) uint16 {
	if sub == "" {
		return 0
	}
	return uint16(uintptr(unsafe.Pointer(unsafe.StringData(sub))) - uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

// plainPath marks the bytes a path's first component may hold to be looked up in the index:
// none of them has a meaning in gjson's path syntax.
var plainPath = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	return t
}()

// get implements Claims.Get. It answers from the index exactly what
// gjson.GetBytes(payload, path) gives, when that is plain to see from gjson's path rules:
//   - "name": the member's value (readValue is gjson.Parse of it), or non-existent;
//   - "name.rest" with rest starting with a plain byte or '#': gjson descends into the
//     member's value with rest, which is gjson.Get(value, rest) when the value is an object
//     or array; a scalar or absent member has nothing to descend into, so non-existent.
//
// Anything else (modifiers, pipes, wildcards, escapes, multipaths, JSON lines, "a..b",
// "a.!lit", "a.@mod") goes to gjson on the whole payload.
func (c *Claims) get(path string) gjson.Result {
	if !c.index.ok {
		return gjson.GetBytes(c.json, path)
	}
	i := 0
	for i < len(path) && plainPath[path[i]] {
		i++
	}
	switch {
	case i == 0:
		return gjson.GetBytes(c.json, path)
	case i == len(path):
		raw, found := c.index.find(bytesString(c.json), path)
		if !found {
			return gjson.Result{}
		}
		return readValue(raw)
	case path[i] != '.' || i+1 == len(path) || !plainPath[path[i+1]] && path[i+1] != '#':
		return gjson.GetBytes(c.json, path)
	}
	raw, found := c.index.find(bytesString(c.json), path[:i])
	if !found || raw[0] != '{' && raw[0] != '[' {
		return gjson.Result{}
	}
	return gjson.Get(raw, path[i+1:])
}
