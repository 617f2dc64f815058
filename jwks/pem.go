package jwks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
)

// ParsePEM parses one or more PEM public keys ("PUBLIC KEY" = PKIX, "RSA PUBLIC KEY" = PKCS#1)
// without crypto/x509 (it pulls file-system WASI imports into the module). Unlike ParseSet it
// is all or nothing: a paste is operator config, so any bad block fails the whole input with
// an error naming the block and, for the wrong kind of block, what to paste instead. Keys
// have no kid; the size rules are those of JWKs (RSA 2048 to 8192 bits).
func ParsePEM(data []byte) (*Set, error) {
	if len(data) > DefaultLimits.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), DefaultLimits.MaxBytes)
	}
	// pem.Decode silently skips a damaged block and resumes at the next BEGIN line, so count
	// the BEGIN lines to notice a block it dropped.
	begins := bytes.Count(data, []byte("-----BEGIN "))
	var keys []*Key
	rest := data
	for i := 0; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if len(keys) >= DefaultLimits.MaxKeys {
			return nil, fmt.Errorf("%w: more than %d PEM blocks", ErrTooManyKeys, DefaultLimits.MaxKeys)
		}
		k, err := parsePEMBlock(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", i, block.Type, err)
		}
		keys = append(keys, k)
	}
	switch {
	case len(keys) == 0 && begins == 0:
		return nil, fmt.Errorf("%w: no PEM block (paste a -----BEGIN PUBLIC KEY----- block)", ErrMalformed)
	case len(keys) != begins || len(bytes.TrimSpace(rest)) > 0:
		return nil, fmt.Errorf("%w: a PEM block is damaged or incomplete (%d BEGIN lines, %d blocks decoded)", ErrMalformed, begins, len(keys))
	}
	return NewSet(keys...), nil
}

func parsePEMBlock(b *pem.Block) (*Key, error) {
	if len(b.Headers) > 0 {
		return nil, fmt.Errorf("%w: PEM headers (an encrypted or annotated block); paste the bare public key", ErrKeyUnsupported)
	}
	switch b.Type {
	case "PUBLIC KEY":
		return parsePKIX(b.Bytes)
	case "RSA PUBLIC KEY":
		pub, rest, err := parsePKCS1(b.Bytes)
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("%w: trailing data after the RSA key", ErrKeyInvalid)
		}
		if err != nil {
			return nil, err
		}
		return newRSA(pub), nil
	case "CERTIFICATE":
		return nil, fmt.Errorf("%w: a certificate is not used for trust here; paste its public key instead (openssl x509 -pubkey -noout -in cert.pem)", ErrKeyUnsupported)
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%w: this is a PRIVATE key, never configure it here; paste the public key instead (openssl pkey -pubout -in key.pem)", ErrKeyUnsupported)
	}
	return nil, fmt.Errorf("%w: PEM type %q (paste a \"PUBLIC KEY\" or \"RSA PUBLIC KEY\" block)", ErrKeyUnsupported, b.Type)
}

// parsePKCS1 reads RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
// (RFC 8017 appendix A.1.1).
func parsePKCS1(der []byte) (*rsa.PublicKey, []byte, error) {
	seq, rest, err := readTLV(der, tagSequence)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: RSA public key is not DER", ErrKeyInvalid)
	}
	if len(seq) > 0 && seq[0] == tagSequence {
		return nil, nil, fmt.Errorf("%w: this is a PKIX key: label it -----BEGIN PUBLIC KEY-----", ErrKeyInvalid)
	}
	n, seq, err := readUint(seq)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: RSA modulus is not a DER INTEGER", ErrKeyInvalid)
	}
	e, seq, err := readUint(seq)
	if err != nil || len(seq) > 0 {
		return nil, nil, fmt.Errorf("%w: RSA exponent is not a DER INTEGER", ErrKeyInvalid)
	}
	pub, err := newRSAKey(n, e)
	return pub, rest, err
}

// parsePKIX reads SubjectPublicKeyInfo (RFC 5280 section 4.1):
//
//	SEQUENCE { algorithm SEQUENCE { OID, parameters ANY OPTIONAL }, subjectPublicKey BIT STRING }
//
// for RSA (RFC 3279), EC with a named curve (RFC 5480) and Ed25519 (RFC 8410).
func parsePKIX(der []byte) (*Key, error) {
	bad := func(what string) (*Key, error) {
		return nil, fmt.Errorf("%w: PUBLIC KEY: %s", ErrKeyInvalid, what)
	}
	spki, rest, err := readTLV(der, tagSequence)
	if err != nil || len(rest) > 0 {
		return bad("not one DER SEQUENCE")
	}
	alg, after, err := readTLV(spki, tagSequence)
	if err != nil {
		if len(spki) > 0 && spki[0] == tagInteger {
			return bad("this is a PKCS#1 RSA key: label it -----BEGIN RSA PUBLIC KEY-----")
		}
		return bad("no algorithm identifier")
	}
	key, after, err := readBitString(after)
	if err != nil || len(after) > 0 {
		return bad("no key BIT STRING")
	}
	oid, params, err := readTLV(alg, tagOID)
	if err != nil {
		return bad("no algorithm OID")
	}
	switch {
	case oidIs(oid, oidRSA):
		// RFC 3279 says NULL parameters; some encoders omit them.
		if len(params) > 0 && !bytes.Equal(params, derNull) {
			return bad("RSA parameters are not NULL")
		}
		pub, rest, err := parsePKCS1(key)
		if err == nil && len(rest) > 0 {
			return bad("trailing data after the RSA key")
		}
		if err != nil {
			return nil, err
		}
		return newRSA(pub), nil
	case oidIs(oid, oidEC):
		curveOID, rest, err := readTLV(params, tagOID)
		if err != nil || len(rest) > 0 {
			return nil, fmt.Errorf("%w: PUBLIC KEY: EC parameters are not a named curve", ErrKeyUnsupported)
		}
		var curve elliptic.Curve
		switch {
		case oidIs(curveOID, oidP256):
			curve = elliptic.P256()
		case oidIs(curveOID, oidP384):
			curve = elliptic.P384()
		case oidIs(curveOID, oidP521):
			curve = elliptic.P521()
		case oidIs(curveOID, oidSecp256k1):
			return nil, fmt.Errorf("%w: PUBLIC KEY: EC curve secp256k1 (supported: P-256, P-384, P-521)", ErrKeyUnsupported)
		default:
			return nil, fmt.Errorf("%w: PUBLIC KEY: unknown EC curve (supported: P-256, P-384, P-521)", ErrKeyUnsupported)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, key)
		if err != nil {
			return bad(curve.Params().Name + " point is not an uncompressed point on the curve")
		}
		return &Key{Type: KeyEC, EC: pub}, nil
	case oidIs(oid, oidEd25519):
		if len(params) > 0 { // RFC 8410 section 3: parameters MUST be absent
			return bad("Ed25519 parameters must be absent")
		}
		pub, err := newEd25519Key(key)
		if err != nil {
			return nil, err
		}
		return &Key{Type: KeyOKP, Ed25519: pub}, nil
	case oidIs(oid, oidRSAPSS):
		return nil, fmt.Errorf("%w: PUBLIC KEY: RSASSA-PSS-only key (export it as rsaEncryption)", ErrKeyUnsupported)
	case oidIs(oid, oidEd448), oidIs(oid, oidX25519), oidIs(oid, oidDSA):
		return nil, fmt.Errorf("%w: PUBLIC KEY: Ed448, X25519 or DSA key (supported: RSA, EC P-256/384/521, Ed25519)", ErrKeyUnsupported)
	}
	return nil, fmt.Errorf("%w: PUBLIC KEY: unknown algorithm (supported: RSA, EC P-256/384/521, Ed25519)", ErrKeyUnsupported)
}
