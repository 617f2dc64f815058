package jwks

// Set is an immutable, parsed key set.
type Set struct {
	keys []*Key
}

// ParseSet parses a JWKS document ({"keys":[...]}). A bad key is skipped and reported in
// skipped (each wrapping ErrKeyInvalid, ErrKeyWeak or ErrKeyUnsupported, naming the key's
// index and kid); a set with no usable key returns ErrNoUsableKeys.
func ParseSet(body []byte, lim Limits) (set *Set, skipped []error, err error) {
	panic("TODO(jwks)")
}

// ParseKey parses one JWK object (as the JSON object's bytes).
func ParseKey(jwk []byte) (*Key, error) { panic("TODO(jwks)") }

// ParsePEM parses one or more PEM public keys ("PUBLIC KEY" = PKIX, "RSA PUBLIC KEY" = PKCS#1)
// without crypto/x509 (it pulls file-system WASI imports into the module).
func ParsePEM(data []byte) (*Set, error) { panic("TODO(jwks)") }

// NewSet builds a set from keys already parsed (inline secrets, tests).
func NewSet(keys ...*Key) *Set { return &Set{keys: keys} }

// Keys returns the keys in document order. Callers must not modify them.
func (s *Set) Keys() []*Key { return s.keys }

// Len is the number of usable keys.
func (s *Set) Len() int { return len(s.keys) }
