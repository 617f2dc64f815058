package jwt

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// b64 is RFC 7515's base64url without padding. Strict refuses non-zero trailing bits, so each
// token has one encoding; '=', '+', '/' and spaces are outside the alphabet. The decoder skips
// '\r' and '\n', so parse refuses them before decoding.
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
	if strings.IndexByte(raw, '\n') >= 0 || strings.IndexByte(raw, '\r') >= 0 {
		return fmt.Errorf("%w: line break in token", ErrMalformed)
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
	std, err := scanClaims(bytesString(payload))
	if err != nil {
		return err
	}
	t.claims = Claims{json: payload, std: std}
	return nil
}

func decodeSegment(dst []byte, seg, name string) ([]byte, error) {
	n, err := b64.Decode(dst, stringBytes(seg))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url without padding: %v", ErrMalformed, name, err)
	}
	return dst[:n], nil
}

// parseHeader reads the JOSE header. Unknown members are ignored, and so are the members that
// name keys (jku, x5u, jwk, x5c): keys come from the provider's configuration only.
func parseHeader(t *Token) error {
	var algSeen bool
	err := walkObject(bytesString(t.header), "header", func(key, raw string) error {
		var v gjson.Result
		switch key {
		case "alg", "kid", "typ", "cty":
			v = gjson.Parse(raw)
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
// unescaping, so "alg" and "a\u006cg" collide) and calls fn with each member's name and raw
// value, in order. Duplicates are refused because parsers disagree on which one wins.
func walkObject(js, what string, fn func(key, raw string) error) error {
	var small [32]string
	seen := small[:0]
	var many map[string]struct{}
	err := scanObject(js, func(name string, escaped bool, raw string) error {
		if escaped {
			name = gjson.Parse(`"` + name + `"`).Str
		}
		if many == nil && len(seen) < len(small) {
			for _, s := range seen {
				if s == name {
					return fmt.Errorf("%w: %s has member %q twice", ErrMalformed, what, clip(name))
				}
			}
			seen = append(seen, name)
		} else {
			if many == nil {
				many = make(map[string]struct{}, 2*len(small))
				for _, s := range seen {
					many[s] = struct{}{}
				}
			}
			if _, dup := many[name]; dup {
				return fmt.Errorf("%w: %s has member %q twice", ErrMalformed, what, clip(name))
			}
			many[name] = struct{}{}
		}
		return fn(name, raw)
	})
	switch {
	case errors.Is(err, errNotObject):
		return fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, what)
	case errors.Is(err, errJSONSyntax), errors.Is(err, errJSONDepth):
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return err
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
