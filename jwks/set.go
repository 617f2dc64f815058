package jwks

import (
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
)

// Set is an immutable, parsed key set.
type Set struct {
	keys []*Key
}

// ParseSet parses a JWKS document ({"keys":[...]}). A bad key is skipped and reported in
// skipped (each wrapping ErrKeyInvalid, ErrKeyWeak or ErrKeyUnsupported, naming the key's
// index and kid); a set with no usable key returns ErrNoUsableKeys (wrapping the reasons).
// The document itself fails with ErrTooLarge (checked before parsing), ErrMalformed (not
// JSON, not an object, no "keys" array, a member name twice) or ErrTooManyKeys.
func ParseSet(body []byte, lim Limits) (set *Set, skipped []error, err error) {
	lim = lim.withDefaults()
	if len(body) > lim.MaxBytes {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), lim.MaxBytes)
	}
	if err := validJSON(body); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	doc := gjson.ParseBytes(body)
	if !doc.IsObject() {
		return nil, nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var keys gjson.Result
	if err := members(doc, func(name string, v gjson.Result) {
		if name == "keys" {
			keys = v
		}
	}); err != nil {
		return nil, nil, fmt.Errorf("%w: %v (ambiguous)", ErrMalformed, err)
	}
	if !keys.IsArray() {
		return nil, nil, fmt.Errorf("%w: no \"keys\" array", ErrMalformed)
	}
	n := 0
	keys.ForEach(func(_, _ gjson.Result) bool { n++; return true })
	if n > lim.MaxKeys {
		return nil, nil, fmt.Errorf("%w: %d keys, limit %d", ErrTooManyKeys, n, lim.MaxKeys)
	}

	set = &Set{keys: make([]*Key, 0, n)}
	i := 0
	keys.ForEach(func(_, v gjson.Result) bool {
		k, err := parseJWK(v)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("keys[%d]%s: %w", i, kidOf(v), err))
		} else {
			set.keys = append(set.keys, k)
		}
		i++
		return true
	})
	if len(set.keys) == 0 {
		if n == 0 {
			return nil, nil, fmt.Errorf("%w: the \"keys\" array is empty", ErrNoUsableKeys)
		}
		return nil, skipped, fmt.Errorf("%w: %w", ErrNoUsableKeys, errors.Join(skipped...))
	}
	return set, skipped, nil
}

// kidOf names a skipped key for the operator: ` (kid "abc")`, or nothing without a string kid.
func kidOf(v gjson.Result) string {
	if kid := v.Get("kid"); kid.Type == gjson.String {
		return fmt.Sprintf(" (kid %q)", kid.Str)
	}
	return ""
}

// ParseKey parses one JWK object (as the JSON object's bytes), under DefaultLimits.MaxBytes.
// Errors wrap ErrTooLarge, ErrKeyInvalid (also for bytes that are not one JSON object),
// ErrKeyWeak or ErrKeyUnsupported.
func ParseKey(jwk []byte) (*Key, error) {
	if len(jwk) > DefaultLimits.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(jwk), DefaultLimits.MaxBytes)
	}
	if err := validJSON(jwk); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyInvalid, err)
	}
	return parseJWK(gjson.ParseBytes(jwk))
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxKeys <= 0 {
		l.MaxKeys = DefaultLimits.MaxKeys
	}
	return l
}

// NewSet builds a set from keys already parsed (inline secrets, tests).
// RSA keys built by hand get their prepared verifier here.
func NewSet(keys ...*Key) *Set {
	for _, k := range keys {
		if k != nil && k.rsaFast == nil {
			k.prepareRSA()
		}
	}
	return &Set{keys: keys}
}

// Keys returns the keys in document order. Callers must not modify them.
func (s *Set) Keys() []*Key { return s.keys }

// Len is the number of usable keys.
func (s *Set) Len() int { return len(s.keys) }
