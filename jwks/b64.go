package jwks

import (
	"encoding/base64"
	"fmt"
	"strings"
)

var b64url = base64.RawURLEncoding.Strict()

// decodeB64URL decodes a JWK member: base64url (RFC 4648 section 5) with canonical trailing
// bits. RFC 7517 forbids padding, but JWKs are operator- or IdP-provided data, so correct
// trailing '=' padding is tolerated (it changes no key bit). Anything else is refused: the
// standard alphabet ('+', '/'), whitespace or line breaks (which encoding/base64 would skip
// silently), wrong padding, and non-zero trailing bits.
func decodeB64URL(member, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: %q is empty", ErrKeyInvalid, member)
	}
	if i := strings.IndexByte(s, '='); i >= 0 {
		pad := len(s) - i
		if strings.Trim(s[i:], "=") != "" || pad > 2 || len(s)%4 != 0 {
			return nil, fmt.Errorf("%w: %q has misplaced '=' padding", ErrKeyInvalid, member)
		}
		s = s[:i]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' {
			return nil, fmt.Errorf("%w: %q contains a line break", ErrKeyInvalid, member)
		}
	}
	out := make([]byte, b64url.DecodedLen(len(s)))
	n, err := b64url.Decode(out, []byte(s))
	if err != nil {
		hint := ""
		if strings.ContainsAny(s, "+/") {
			hint = " (use base64url: '-' and '_' instead of '+' and '/')"
		}
		return nil, fmt.Errorf("%w: %q is not base64url%s", ErrKeyInvalid, member, hint)
	}
	return out[:n], nil
}

func encodeB64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
