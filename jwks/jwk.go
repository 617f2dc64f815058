package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/tidwall/gjson"
)

// jwk holds the members of one JWK object that we read; the rest are ignored (RFC 7517
// section 4: unknown members MUST be ignored). x5c, x5t and x5u are ignored on purpose:
// certificates are never a source of trust here, the key members are.
type jwk struct {
	kty, kid, alg, use, keyOps, crv gjson.Result
	n, e, x, y, k                   gjson.Result
	private                         string // the first private member seen, if any
}

// privateMembers are the RFC 7518 section 6 members only a private RSA/EC/OKP key has.
var privateMembers = map[string]bool{"d": true, "p": true, "q": true, "dp": true, "dq": true, "qi": true, "oth": true}

// parseJWK turns one JWK object into a verification key. Every error wraps ErrKeyInvalid,
// ErrKeyWeak or ErrKeyUnsupported.
func parseJWK(obj gjson.Result) (*Key, error) {
	if !obj.IsObject() {
		return nil, fmt.Errorf("%w: not a JSON object", ErrKeyInvalid)
	}
	var j jwk
	err := members(obj, func(name string, v gjson.Result) {
		switch name {
		case "kty":
			j.kty = v
		case "kid":
			j.kid = v
		case "alg":
			j.alg = v
		case "use":
			j.use = v
		case "key_ops":
			j.keyOps = v
		case "crv":
			j.crv = v
		case "n":
			j.n = v
		case "e":
			j.e = v
		case "x":
			j.x = v
		case "y":
			j.y = v
		case "k":
			j.k = v
		default:
			if privateMembers[name] && j.private == "" {
				j.private = name
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v (ambiguous)", ErrKeyInvalid, err)
	}

	k := &Key{}
	if k.ID, err = optString("kid", j.kid); err != nil {
		return nil, err
	}
	if k.Alg, err = optString("alg", j.alg); err != nil {
		return nil, err
	}
	kty, err := reqString("kty", j.kty)
	if err != nil {
		return nil, err
	}
	if j.private != "" && kty != "oct" {
		// A JWKS is public; a private member means the IdP (or operator) leaked the key.
		return nil, fmt.Errorf("%w: has private member %q (publish only public keys, and rotate this one)", ErrKeyInvalid, j.private)
	}
	if err := checkUse(j.use, j.keyOps); err != nil {
		return nil, err
	}
	switch kty {
	case "RSA":
		err = j.rsa(k)
	case "EC":
		err = j.ec(k)
	case "OKP":
		err = j.okp(k)
	case "oct":
		err = j.oct(k)
	default:
		err = fmt.Errorf("%w: kty %q (supported: RSA, EC, OKP, oct)", ErrKeyUnsupported, kty)
	}
	if err != nil {
		return nil, err
	}
	if err := checkAlg(k); err != nil {
		return nil, err
	}
	return k, nil
}

// checkUse accepts a key meant for signatures: "use" absent or "sig"; "key_ops" absent or
// listing "verify".
func checkUse(use, keyOps gjson.Result) error {
	u, err := optString("use", use)
	if err != nil {
		return err
	}
	if use.Exists() && u != "sig" {
		return fmt.Errorf("%w: use %q (only \"sig\" keys verify tokens)", ErrKeyUnsupported, u)
	}
	if !keyOps.Exists() {
		return nil
	}
	if !keyOps.IsArray() {
		return fmt.Errorf("%w: key_ops is not an array", ErrKeyInvalid)
	}
	verify := false
	var bad bool
	keyOps.ForEach(func(_, op gjson.Result) bool {
		if op.Type != gjson.String {
			bad = true
			return false
		}
		verify = verify || op.Str == "verify"
		return true
	})
	if bad {
		return fmt.Errorf("%w: key_ops holds a non-string", ErrKeyInvalid)
	}
	if !verify {
		return fmt.Errorf("%w: key_ops %s lacks \"verify\"", ErrKeyUnsupported, keyOps.Raw)
	}
	return nil
}

// signatureAlgs are the JWS algorithms Fits knows; any other "alg" marks a key we cannot use.
var signatureAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true, "PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true, "EdDSA": true, "HS256": true, "HS384": true, "HS512": true,
}

// checkAlg refuses a key whose JWK "alg" it could never verify: an algorithm we do not
// support (or an encryption one), or one that does not fit the key type, curve or size.
func checkAlg(k *Key) error {
	if k.Alg == "" || k.Fits(k.Alg) {
		return nil
	}
	if !signatureAlgs[k.Alg] {
		return fmt.Errorf("%w: alg %q", ErrKeyUnsupported, k.Alg)
	}
	if k.Type == KeyOct && k.Alg[0] == 'H' {
		return fmt.Errorf("%w: %s needs a secret of at least %d bytes, this one has %d", ErrKeyWeak, k.Alg, minSecret(k.Alg), len(k.Secret))
	}
	return fmt.Errorf("%w: alg %q does not fit this %s key", ErrKeyInvalid, k.Alg, k.describe())
}

func (j *jwk) rsa(k *Key) error {
	n, err := reqBytes("n", j.n)
	if err != nil {
		return err
	}
	e, err := reqBytes("e", j.e)
	if err != nil {
		return err
	}
	k.Type = KeyRSA
	if k.RSA, err = newRSAKey(n, e); err != nil {
		return err
	}
	k.prepareRSA()
	return nil
}

// curves maps JWK "crv" names (RFC 7518 section 6.2.1.1) to curves and coordinate sizes.
var curves = map[string]struct {
	curve elliptic.Curve
	size  int
}{
	"P-256": {elliptic.P256(), 32},
	"P-384": {elliptic.P384(), 48},
	"P-521": {elliptic.P521(), 66},
}

func (j *jwk) ec(k *Key) error {
	crv, err := reqString("crv", j.crv)
	if err != nil {
		return err
	}
	c, ok := curves[crv]
	if !ok {
		return fmt.Errorf("%w: EC crv %q (supported: P-256, P-384, P-521)", ErrKeyUnsupported, crv)
	}
	x, err := reqBytes("x", j.x)
	if err != nil {
		return err
	}
	y, err := reqBytes("y", j.y)
	if err != nil {
		return err
	}
	// RFC 7518 section 6.2.1.2: the coordinates are exactly the curve's size, never trimmed.
	if len(x) != c.size || len(y) != c.size {
		return fmt.Errorf("%w: %s coordinates must be %d bytes each, got x %d, y %d", ErrKeyInvalid, crv, c.size, len(x), len(y))
	}
	point := make([]byte, 0, 1+2*c.size)
	point = append(append(append(point, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c.curve, point)
	if err != nil {
		return fmt.Errorf("%w: %s point is not on the curve", ErrKeyInvalid, crv)
	}
	k.Type, k.EC = KeyEC, pub
	return nil
}

func (j *jwk) okp(k *Key) error {
	crv, err := reqString("crv", j.crv)
	if err != nil {
		return err
	}
	if crv != "Ed25519" {
		return fmt.Errorf("%w: OKP crv %q (supported: Ed25519)", ErrKeyUnsupported, crv)
	}
	x, err := reqBytes("x", j.x)
	if err != nil {
		return err
	}
	pub, err := newEd25519Key(x)
	if err != nil {
		return err
	}
	k.Type, k.Ed25519 = KeyOKP, pub
	return nil
}

func (j *jwk) oct(k *Key) error {
	secret, err := reqBytes("k", j.k)
	if err != nil {
		return err
	}
	if err := checkSecret(secret); err != nil {
		return err
	}
	k.Type, k.Secret = KeyOct, secret
	return nil
}

// describe names a key's type for error messages.
func (k *Key) describe() string {
	switch k.Type {
	case KeyRSA:
		return "RSA"
	case KeyEC:
		if k.EC != nil {
			return "EC " + k.EC.Curve.Params().Name
		}
		return "EC"
	case KeyOKP:
		return "OKP Ed25519"
	case KeyOct:
		return "oct"
	}
	return "unknown"
}

func optString(name string, v gjson.Result) (string, error) {
	if !v.Exists() {
		return "", nil
	}
	if v.Type != gjson.String {
		return "", fmt.Errorf("%w: %q is not a string", ErrKeyInvalid, name)
	}
	return v.Str, nil
}

func reqString(name string, v gjson.Result) (string, error) {
	if !v.Exists() {
		return "", fmt.Errorf("%w: %q is missing", ErrKeyInvalid, name)
	}
	return optString(name, v)
}

func reqBytes(name string, v gjson.Result) ([]byte, error) {
	s, err := reqString(name, v)
	if err != nil {
		return nil, err
	}
	return decodeB64URL(name, s)
}
