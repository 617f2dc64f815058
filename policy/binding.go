package policy

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// Certificate-bound access tokens (RFC 8705 section 3): a token with cnf["x5t#S256"] is
// accepted only over a connection whose verified client certificate has that SHA-256
// thumbprint. The filter and jwtctl check both decide with CheckBinding, so they cannot drift.

// The failures of a certificate binding.
var (
	ErrCertificateRequired = &Denial{Status: 401, Code: CodeCertificateRequired,
		Message: "token must be bound to a client certificate, presented over mutual TLS"}
	ErrCertificateMismatch = &Denial{Status: 401, Code: CodeCertificateMismatch,
		Message: "token is bound to another client certificate"}
)

// ThumbprintPath reads cnf["x5t#S256"]: '#' is a gjson query character, hence escaped.
var ThumbprintPath = "cnf." + gjson.Escape("x5t#S256")

// Binding is what a token's claims say about its certificate binding.
type Binding struct {
	Bound      bool   // cnf x5t#S256 is present
	String     bool   // and is a string
	Thumbprint string // its value: base64url SHA-256 of the certificate's DER, no padding
}

// ReadBinding reads claims' cnf x5t#S256.
func ReadBinding(c *jwt.Claims) Binding {
	if c == nil {
		return Binding{}
	}
	r := c.Get(ThumbprintPath)
	if !r.Exists() {
		return Binding{}
	}
	return Binding{Bound: true, String: r.Type == gjson.String, Thumbprint: r.Str}
}

// CheckBinding decides a verified token's binding: an unbound token passes unless the
// provider requires a binding; a bound one needs the connection's client certificate
// (peer: its thumbprint in x5t#S256 form, false without one) to match, compared in constant
// time. peer is called only for a bound token (in the filter it is a host call).
func CheckBinding(b Binding, required bool, peer func() (string, bool)) error {
	if !b.Bound {
		if required {
			return ErrCertificateRequired
		}
		return nil
	}
	if !b.String {
		return ErrCertificateMismatch
	}
	got, ok := peer()
	switch {
	case !ok:
		return ErrCertificateRequired
	case subtle.ConstantTimeCompare([]byte(b.Thumbprint), []byte(got)) != 1:
		return ErrCertificateMismatch
	}
	return nil
}

// ThumbprintFromHex turns a SHA-256 digest in hex (Envoy's
// connection.sha256_peer_certificate_digest, either case) into the x5t#S256 form; false
// when it is not 64 hex digits.
func ThumbprintFromHex(h string) (string, bool) {
	if len(h) != 64 {
		return "", false
	}
	sum, err := hex.DecodeString(h)
	if err != nil {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(sum), true
}
