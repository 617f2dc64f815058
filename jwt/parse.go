package jwt

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// b64 is RFC 7515's base64url without padding. Strict refuses non-zero trailing bits, so each
// token has one encoding; '=', '+', '/' and spaces are outside the alphabet. The decoder skips
// '\r' and '\n'; decodeSegment refuses those by the decoded length.
var b64 = base64.RawURLEncoding.Strict()

// maxDetail bounds attacker-chosen text (kid, alg) quoted in error details and logs.
const maxDetail = 64

// parse fills t from t.Raw. It decodes the three segments into one buffer (one allocation)
// that the token's strings and gjson results then point into; the buffer is never written
// again, which is what makes the zero-copy views below safe.
func parse(t *Token) error {
	raw := t.Raw
	if len(raw) > MaxTokenBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), MaxTokenBytes)
	}
	if raw == "" {
		return fmt.Errorf("%w: empty token", ErrMalformed)
	}
	dot1 := strings.IndexByte(raw, '.')
	dot2 := -1
	if dot1 >= 0 {
		if i := strings.IndexByte(raw[dot1+1:], '.'); i >= 0 {
			dot2 = dot1 + 1 + i
		}
	}
	if dot2 < 0 || strings.IndexByte(raw[dot2+1:], '.') >= 0 {
		n := strings.Count(raw, ".") + 1
		if n == 5 {
			return fmt.Errorf("%w: 5 segments", ErrJWE)
		}
		return fmt.Errorf("%w: %d segments, want 3", ErrMalformed, n)
	}
	hSeg, pSeg, sSeg := raw[:dot1], raw[dot1+1:dot2], raw[dot2+1:]
	if hSeg == "" || pSeg == "" {
		return fmt.Errorf("%w: empty header or payload segment", ErrMalformed)
	}

	hLen, pLen := b64.DecodedLen(len(hSeg)), b64.DecodedLen(len(pSeg))
	buf := make([]byte, hLen+pLen+b64.DecodedLen(len(sSeg)))
	header, err := decodeSegment(buf[:hLen:hLen], hSeg, "header")
	if err != nil {
		return err
	}
	payload, err := decodeSegment(buf[hLen:hLen+pLen:hLen+pLen], pSeg, "payload")
	if err != nil {
		return err
	}
	sig, err := decodeSegment(buf[hLen+pLen:], sSeg, "signature")
	if err != nil {
		return err
	}
	t.header, t.payload, t.signature = header, payload, sig
	t.signingInput = raw[:dot2]

	if err := parseHeader(t); err != nil {
		return err
	}
	t.claims.json = payload
	return scanClaims(bytesString(payload), &t.claims.std, &t.claims.index)
}

// decodeSegment decodes seg into dst, which holds exactly DecodedLen(len(seg)) bytes.
func decodeSegment(dst []byte, seg, name string) ([]byte, error) {
	n, err := b64.Decode(dst, stringBytes(seg))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url without padding: %v", ErrMalformed, name, err)
	}
	// The decoder skips '\r' and '\n'. Valid unpadded lengths (not 1 mod 4) decode to
	// strictly increasing sizes, so a segment decodes to its full DecodedLen only if nothing
	// was skipped: this refuses line breaks without another pass over the token.
	if n != len(dst) || len(seg)%4 == 1 {
		return nil, fmt.Errorf("%w: %s is not base64url without padding (line break or bad length)", ErrMalformed, name)
	}
	return dst[:n], nil
}

// parseHeader reads the JOSE header. Unknown members are ignored, and so are the members that
// name keys (jku, x5u, jwk, x5c): keys come from the provider's configuration only.
func parseHeader(t *Token) error {
	var algSeen bool
	err := walkObject(bytesString(t.header), "header", func(key string, _ bool, raw string) error {
		var v gjson.Result
		switch key {
		case "alg", "kid", "typ", "cty":
			v = readValue(raw)
		}
		switch key {
		case "alg":
			if v.Type != gjson.String || v.Str == "" {
				return fmt.Errorf("%w: header alg is not a non-empty string", ErrMalformed)
			}
			t.Alg, algSeen = v.Str, true
		case "kid":
			if v.Type != gjson.String {
				return fmt.Errorf("%w: header kid is not a string", ErrMalformed)
			}
			t.Kid = v.Str
		case "typ":
			if v.Type != gjson.String {
				return fmt.Errorf("%w: header typ is not a string", ErrMalformed)
			}
			t.Typ = v.Str
		case "cty":
			if v.Type != gjson.String {
				return fmt.Errorf("%w: header cty is not a string", ErrMalformed)
			}
			// RFC 7519 section 5.2: cty "JWT" marks a nested token, which we do not unwrap.
			if strings.EqualFold(v.Str, "JWT") {
				return fmt.Errorf("%w: nested JWT (cty %q) is not supported", ErrMalformed, v.Str)
			}
		case "crit":
			// RFC 7515 section 4.1.11: a recipient must reject extensions it does not
			// understand; we understand none (b64=false among them).
			return fmt.Errorf("%w: %s", ErrCrit, clip(raw))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !algSeen {
		return fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	return nil
}

// walkObject validates js as one JSON object without a repeated member name (compared after
// unescaping, so "alg" and "a\u006cg" collide) and calls fn with each member's name, whether
// that name was escaped, and its raw value, in order. Duplicates are refused because parsers
// disagree on which one wins.
func walkObject(js, what string, fn func(key string, escaped bool, raw string) error) error {
	var names nameSet
	it := newObjectIter(js)
	for {
		name, escaped, raw, ok := it.next()
		if !ok {
			break
		}
		if escaped {
			name = gjson.Parse(`"` + name + `"`).Str
		}
		if names.add(name) {
			return fmt.Errorf("%w: %s has member %q twice", ErrMalformed, what, clip(name))
		}
		if err := fn(name, escaped, raw); err != nil {
			return err
		}
	}
	switch it.err {
	case nil:
		return nil
	case errNotObject:
		return fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, what)
	default:
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, it.err)
	}
}

// nameSet finds repeated member names: a small open-addressing table on the stack for the
// first 32 names (a typical payload has about 20), a map beyond.
type nameSet struct {
	names [32]string
	n     int
	slots [64]uint8 // index+1 into names; 0 is empty
	many  map[string]struct{}
}

// add records name and reports whether it was already there.
func (s *nameSet) add(name string) (dup bool) {
	if s.many != nil {
		if _, dup = s.many[name]; !dup {
			s.many[name] = struct{}{}
		}
		return dup
	}
	if s.n == len(s.names) {
		s.many = make(map[string]struct{}, 4*len(s.names))
		for _, x := range s.names {
			s.many[x] = struct{}{}
		}
		return s.add(name)
	}
	h := nameHash(name)
	for ; s.slots[h] != 0; h = (h + 1) % uint(len(s.slots)) {
		if s.names[s.slots[h]-1] == name {
			return true
		}
	}
	s.names[s.n] = name
	s.n++
	s.slots[h] = uint8(s.n)
	return false
}

// nameHash spreads member names over the table; collisions only cost a comparison.
func nameHash(s string) uint {
	h := uint(len(s)) * 0x9e37
	if len(s) > 0 {
		h ^= uint(s[0])*31 ^ uint(s[len(s)-1])*131 ^ uint(s[len(s)/2])*7
	}
	return h % 64
}

// clip shortens attacker-chosen text for error details.
func clip(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	return s[:maxDetail] + "..."
}

// stringBytes views s as bytes without copying; callers only read them.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// bytesString views b as a string without copying; b must not change afterwards.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
