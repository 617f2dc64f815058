package jwt

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// A strict RFC 8259 scanner for token headers and payloads: it validates the whole text and
// reports the top-level members of an object in one pass, which costs half of gjson.Valid
// followed by ForEach on a typical payload. Values are then read with gjson from their raw
// text. Strings must be valid UTF-8; nesting is bounded by maxDepth.

const maxDepth = 64

var (
	errJSONSyntax = errors.New("invalid JSON")
	errJSONDepth  = errors.New("JSON nested too deeply")
	errNotObject  = errors.New("not a JSON object")
)

// strSafe marks bytes that need no attention inside a JSON string.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

type jsonScanner struct {
	s string
	i int
}

// scanObject validates s as one JSON object, optionally surrounded by whitespace, and calls
// member for each top-level member: its name as written between the quotes (escaped tells
// whether it holds a backslash escape) and the raw text of its value. An error from member
// stops the scan and is returned.
func scanObject(s string, member func(name string, escaped bool, raw string) error) error {
	it := newObjectIter(s)
	for {
		name, escaped, raw, ok := it.next()
		if !ok {
			return it.err
		}
		if err := member(name, escaped, raw); err != nil {
			return err
		}
	}
}

// objectIter walks the members of a JSON object while validating it: the loop form of
// scanObject, without a call through a function value per member.
type objectIter struct {
	sc   jsonScanner
	done bool
	err  error
}

func newObjectIter(s string) objectIter {
	it := objectIter{sc: jsonScanner{s: s}}
	sc := &it.sc
	sc.ws()
	if sc.i >= len(s) || s[sc.i] != '{' {
		it.done, it.err = true, errJSONSyntax
		if sc.i < len(s) && sc.value(0) == nil && sc.ws() == len(s) {
			it.err = errNotObject
		}
		return it
	}
	sc.i++
	sc.ws()
	if sc.i < len(s) && s[sc.i] == '}' {
		sc.i++
		it.finish()
	}
	return it
}

// next returns the next member; ok is false at the end or on an error (in it.err).
func (it *objectIter) next() (name string, escaped bool, raw string, ok bool) {
	if it.done {
		return "", false, "", false
	}
	sc, s := &it.sc, it.sc.s
	if sc.i >= len(s) || s[sc.i] != '"' {
		return it.fail(errJSONSyntax)
	}
	start := sc.i + 1
	escaped, err := sc.str()
	if err != nil {
		return it.fail(err)
	}
	name = s[start : sc.i-1]
	sc.ws()
	if sc.i >= len(s) || s[sc.i] != ':' {
		return it.fail(errJSONSyntax)
	}
	sc.i++
	sc.ws()
	vstart := sc.i
	if err := sc.value(1); err != nil {
		return it.fail(err)
	}
	raw = s[vstart:sc.i]
	sc.ws()
	switch {
	case sc.i >= len(s):
		return it.fail(errJSONSyntax)
	case s[sc.i] == '}':
		sc.i++
		if it.finish(); it.err != nil {
			return "", false, "", false
		}
	case s[sc.i] == ',':
		sc.i++
		sc.ws()
	default:
		return it.fail(errJSONSyntax)
	}
	return name, escaped, raw, true
}

// finish ends the walk after the closing brace: only whitespace may follow.
func (it *objectIter) finish() {
	it.done = true
	if it.sc.ws() != len(it.sc.s) {
		it.err = errJSONSyntax
	}
}

func (it *objectIter) fail(err error) (string, bool, string, bool) {
	it.done, it.err = true, err
	return "", false, "", false
}

// ws skips whitespace and returns the new position.
func (sc *jsonScanner) ws() int {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return sc.i
		}
	}
	return sc.i
}

func (sc *jsonScanner) value(depth int) error {
	if sc.i >= len(sc.s) {
		return errJSONSyntax
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		_, err := sc.str()
		return err
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return errJSONDepth
		}
		return sc.container(depth)
	case c == '-' || (c >= '0' && c <= '9'):
		return sc.number()
	case c == 't':
		return sc.literal("true")
	case c == 'f':
		return sc.literal("false")
	case c == 'n':
		return sc.literal("null")
	}
	return errJSONSyntax
}

// container scans an object or array starting at sc.i.
func (sc *jsonScanner) container(depth int) error {
	obj := sc.s[sc.i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == closer {
		sc.i++
		return nil
	}
	for {
		if obj {
			if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
				return errJSONSyntax
			}
			if _, err := sc.str(); err != nil {
				return err
			}
			sc.ws()
			if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
				return errJSONSyntax
			}
			sc.i++
			sc.ws()
		}
		if err := sc.value(depth + 1); err != nil {
			return err
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return errJSONSyntax
		}
		if sc.s[sc.i] == closer {
			sc.i++
			return nil
		}
		if sc.s[sc.i] != ',' {
			return errJSONSyntax
		}
		sc.i++
		sc.ws()
	}
}

// str scans a string starting at the opening quote and leaves sc.i after the closing one.
func (sc *jsonScanner) str() (escaped bool, err error) {
	s, i := sc.s, sc.i+1
	for {
		for i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
		}
		for i < len(s) && strSafe[s[i]] {
			i++
		}
		if i >= len(s) {
			return false, errJSONSyntax
		}
		switch c := s[i]; {
		case c == '"':
			sc.i = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(s) {
				return false, errJSONSyntax
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return false, errJSONSyntax
				}
				i += 6
			default:
				return false, errJSONSyntax
			}
		case c < 0x20:
			return false, errJSONSyntax
		default: // c >= 0x80
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return false, errJSONSyntax
			}
			i += n
		}
	}
}

// plain8 reports whether 8 bytes hold no '"', '\\', control or non-ASCII byte, testing them
// at once (the classic "has zero byte" bit trick) since strings are most of a payload.
func plain8(s string) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	x := binary.LittleEndian.Uint64(stringBytes(s))
	q := x ^ (lo * '"')
	b := x ^ (lo * '\\')
	return ((q-lo)&^q|(b-lo)&^b|(x-lo*0x20)&^x|x)&hi == 0
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *jsonScanner) number() error {
	s, i := sc.s, sc.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return errJSONSyntax
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return errJSONSyntax
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return errJSONSyntax
		}
	}
	sc.i = i
	return nil
}

func (sc *jsonScanner) literal(lit string) error {
	if len(sc.s)-sc.i < len(lit) || sc.s[sc.i:sc.i+len(lit)] != lit {
		return errJSONSyntax
	}
	sc.i += len(lit)
	return nil
}
