package jwks

import "crypto/elliptic"

// HasSecret reports whether the set holds an oct (HMAC) key.
func (s *Set) HasSecret() bool {
	for _, k := range s.keys {
		if k.Type == KeyOct {
			return true
		}
	}
	return false
}

// Lookup returns the keys that may verify a token with this kid and alg: with a kid, the keys
// with that kid (ErrUnknownKid when none); without, the keys whose type fits alg
// (ErrNoKeyForAlg when none). It never returns a key that does not Fit alg; when the kid
// matches only keys of another type it returns ErrNoKeyForAlg.
func (s *Set) Lookup(kid, alg string) ([]*Key, error) {
	var found []*Key
	kidSeen := false
	for _, k := range s.keys {
		if kid != "" {
			if k.ID != kid {
				continue
			}
			kidSeen = true
		}
		if k.Fits(alg) {
			found = append(found, k)
		}
	}
	switch {
	case len(found) > 0:
		return found, nil
	case kid != "" && !kidSeen:
		return nil, ErrUnknownKid
	default:
		return nil, ErrNoKeyForAlg
	}
}

// Fits reports whether alg may be used with k: family and curve match (ES256 needs P-256,
// ES384 P-384, ES512 P-521; EdDSA Ed25519; HS256/384/512 an oct secret of at least 32/48/64
// bytes; RS*/PS* RSA), and the JWK "alg", when set, equals alg.
func (k *Key) Fits(alg string) bool {
	if k.Alg != "" && k.Alg != alg {
		return false
	}
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return k.Type == KeyRSA && k.RSA != nil
	case "ES256":
		return k.Type == KeyEC && k.EC != nil && k.EC.Curve == elliptic.P256()
	case "ES384":
		return k.Type == KeyEC && k.EC != nil && k.EC.Curve == elliptic.P384()
	case "ES512":
		return k.Type == KeyEC && k.EC != nil && k.EC.Curve == elliptic.P521()
	case "EdDSA":
		return k.Type == KeyOKP && len(k.Ed25519) == 32
	case "HS256", "HS384", "HS512":
		// RFC 7518 section 3.2: the secret is at least as long as the hash output.
		return k.Type == KeyOct && len(k.Secret) >= minSecret(alg)
	}
	return false
}
