package policy

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRealmBytes bounds a realm built from the request URL (it is echoed in a header).
const maxRealmBytes = 1024

// Messages sent when Format.HideDetails is set (Infracast's wording).
const (
	MsgAuthRequired = "Authentication required"
	MsgInvalidToken = "Invalid or expired token"
	MsgForbidden    = "Insufficient permissions"
	MsgBadRequest   = "Bad request"
	MsgTooLarge     = "Request body too large"
)

func render(d Decision, f Format, r *Request) Reply {
	status := d.Status
	if d.Allow {
		return Reply{Status: 200}
	}
	if status < 400 || status > 599 {
		status = 403 // a denial without a proper status still denies
	}
	msg, reason := d.Message, d.Code
	if f.HideDetails || msg == "" {
		msg = genericMessage(status, d.Code)
	}
	if f.HideDetails {
		reason = ""
	}

	var headers [][2]string
	if challenge := challenge(status, d.Code, f, r); challenge != "" {
		headers = append(headers, [2]string{"www-authenticate", challenge})
	}
	var b strings.Builder
	switch f.Kind {
	case FormatText:
		headers = append(headers, [2]string{"content-type", "text/plain; charset=utf-8"})
		// First line for people, second for machines: "reason: token_expired".
		b.WriteString(msg)
		b.WriteByte('\n')
		if reason != "" {
			b.WriteString("reason: ")
			b.WriteString(reason)
			b.WriteByte('\n')
		}
	case FormatJSONRPC:
		headers = append(headers, [2]string{"content-type", "application/json"})
		// The request body is not read before deciding, so the id is unknown: null (JSON-RPC 2.0 §5).
		code := -32001
		if status == 400 || status == 413 {
			code = -32600
		}
		b.WriteString(`{"jsonrpc":"2.0","id":null,"error":{"code":`)
		b.WriteString(strconv.Itoa(code))
		b.WriteString(`,"message":`)
		writeJSONString(&b, msg)
		if reason != "" {
			b.WriteString(`,"data":{"reason":`)
			writeJSONString(&b, reason)
			b.WriteByte('}')
		}
		b.WriteString("}}")
	default:
		headers = append(headers, [2]string{"content-type", "application/json"})
		b.WriteString(`{"error":{"code":`)
		writeJSONString(&b, statusWord(status))
		b.WriteString(`,"message":`)
		writeJSONString(&b, msg)
		if reason != "" {
			b.WriteString(`,"reason":`)
			writeJSONString(&b, reason)
		}
		b.WriteString("}}")
	}
	return Reply{Status: status, Headers: headers, Body: []byte(b.String())}
}

func genericMessage(status int, code string) string {
	switch {
	case status == 401 && code == CodeTokenMissing:
		return MsgAuthRequired
	case status == 401:
		return MsgInvalidToken
	case status == 400:
		return MsgBadRequest
	case status == 413:
		return MsgTooLarge
	}
	return MsgForbidden
}

func statusWord(status int) string {
	switch status {
	case 400:
		return "BAD_REQUEST"
	case 401:
		return "UNAUTHORIZED"
	case 403:
		return "FORBIDDEN"
	case 413:
		return "PAYLOAD_TOO_LARGE"
	}
	return "ERROR"
}

// challenge is the WWW-Authenticate value (RFC 6750 §3): no error code for a missing token,
// invalid_token for a bad one, insufficient_scope for failed claim conditions. Descriptions
// go in the body only, as Envoy's jwt_authn does. Other denials (no route, source address,
// bad path) are not about the token and carry no challenge.
func challenge(status int, code string, f Format, r *Request) string {
	var errCode string
	switch {
	case status == 401 && code == CodeTokenMissing:
	case status == 401:
		errCode = "invalid_token"
	case status == 403 && code == CodeInsufficientPermissions:
		errCode = "insufficient_scope"
	default:
		return ""
	}
	realm := f.Realm
	if realm == "" {
		realm = requestURL(r)
	}
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	writeQuoted(&b, realm)
	b.WriteByte('"')
	if errCode != "" {
		b.WriteString(`, error="`)
		b.WriteString(errCode)
		b.WriteByte('"')
	}
	return b.String()
}

// requestURL is scheme://host/path without the query, Envoy's default realm.
func requestURL(r *Request) string {
	if r == nil {
		return ""
	}
	scheme := r.Scheme
	if scheme == "" {
		scheme = "http"
	}
	u := scheme + "://" + r.Host + r.Path
	if len(u) > maxRealmBytes {
		u = u[:maxRealmBytes]
	}
	return u
}

// writeQuoted writes s as the inside of an HTTP quoted-string (RFC 9110 §5.6.4): '"' and '\'
// escaped, control characters dropped so a value can never break the header.
func writeQuoted(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
}

// writeJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD so the body stays
// valid JSON.
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
