package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

// algs lists every JWS algorithm jwtctl signs with, in the order help texts show them.
var algs = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
}

// minRSABits is the smallest RSA key jwks accepts (smaller ones are refused as weak).
const minRSABits = 2048

// privateKey is a signing key: exactly one field is set.
type privateKey struct {
	rsa    *rsa.PrivateKey
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	secret []byte
}

// hashFor is the hash of an RS/PS/ES/HS algorithm (EdDSA hashes inside the signature).
func hashFor(alg string) crypto.Hash {
	switch alg[len(alg)-3:] {
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

func checkAlg(alg string) error {
	if !slices.Contains(algs, alg) {
		return fmt.Errorf("unknown algorithm %q (known: %s)", alg, strings.Join(algs, " "))
	}
	return nil
}

// curveFor is the curve an ES algorithm needs (RFC 7518 section 3.4).
func curveFor(alg string) elliptic.Curve {
	switch alg {
	case "ES384":
		return elliptic.P384()
	case "ES512":
		return elliptic.P521()
	}
	return elliptic.P256()
}

// generate makes a new key for alg. HMAC secrets are as long as the hash (RFC 7518 3.2).
func generate(alg string, bits int) (*privateKey, error) {
	switch alg[:2] {
	case "RS", "PS":
		if bits < minRSABits {
			return nil, fmt.Errorf("-bits %d: RSA keys under %d bits are refused by the filter", bits, minRSABits)
		}
		k, err := rsa.GenerateKey(rand.Reader, bits)
		return &privateKey{rsa: k}, err
	case "ES":
		k, err := ecdsa.GenerateKey(curveFor(alg), rand.Reader)
		return &privateKey{ec: k}, err
	case "Ed":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return &privateKey{ed: k}, err
	case "HS":
		b := make([]byte, hashFor(alg).Size())
		_, err := rand.Read(b)
		return &privateKey{secret: b}, err
	}
	return nil, checkAlg(alg)
}

// publicJWK is the key the filter verifies with, as jwks would parse it.
func (k *privateKey) publicJWK(kid, alg string) *jwks.Key {
	j := &jwks.Key{ID: kid, Alg: alg}
	switch {
	case k.rsa != nil:
		j.Type, j.RSA = jwks.KeyRSA, &k.rsa.PublicKey
	case k.ec != nil:
		j.Type, j.EC = jwks.KeyEC, &k.ec.PublicKey
	case k.ed != nil:
		j.Type, j.Ed25519 = jwks.KeyOKP, k.ed.Public().(ed25519.PublicKey)
	default:
		j.Type, j.Secret = jwks.KeyOct, k.secret
	}
	return j
}

// marshal writes the private key file: PKCS#8 PEM for key pairs, base64url text for an HMAC
// secret (the format of the config's local_jwks.secret).
func (k *privateKey) marshal() ([]byte, error) {
	if k.secret != nil {
		return []byte(base64.RawURLEncoding.EncodeToString(k.secret) + "\n"), nil
	}
	var key any
	switch {
	case k.rsa != nil:
		key = k.rsa
	case k.ec != nil:
		key = k.ec
	default:
		key = k.ed
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// loadPrivateKey reads what keygen writes (and what openssl writes): PEM PKCS#8, PKCS#1 RSA or
// SEC 1 EC private keys; anything else is taken as a base64url (or base64) HMAC secret.
func loadPrivateKey(data []byte) (*privateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		switch block.Type {
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("PKCS#8 private key: %w", err)
			}
			switch key := key.(type) {
			case *rsa.PrivateKey:
				return &privateKey{rsa: key}, nil
			case *ecdsa.PrivateKey:
				return &privateKey{ec: key}, nil
			case ed25519.PrivateKey:
				return &privateKey{ed: key}, nil
			}
			return nil, fmt.Errorf("unsupported private key type %T", key)
		case "RSA PRIVATE KEY":
			key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			return &privateKey{rsa: key}, err
		case "EC PRIVATE KEY":
			key, err := x509.ParseECPrivateKey(block.Bytes)
			return &privateKey{ec: key}, err
		}
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	s := strings.TrimSpace(string(data))
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(strings.TrimRight(s, "=")); err == nil && len(b) > 0 {
			return &privateKey{secret: b}, nil
		}
	}
	return nil, fmt.Errorf("neither a PEM private key nor a base64url HMAC secret")
}

// defaultAlg is the algorithm mint uses when -alg is not given.
func (k *privateKey) defaultAlg() string {
	switch {
	case k.rsa != nil:
		return "RS256"
	case k.ec != nil:
		switch k.ec.Curve {
		case elliptic.P384():
			return "ES384"
		case elliptic.P521():
			return "ES512"
		}
		return "ES256"
	case k.ed != nil:
		return "EdDSA"
	}
	return "HS256"
}

// fits reports why alg cannot be used with k (nil when it can), with the filter's rules:
// family and curve match, HMAC secrets at least as long as the hash.
func (k *privateKey) fits(alg string) error {
	if err := checkAlg(alg); err != nil {
		return err
	}
	pub := k.publicJWK("", "")
	if pub.Type == jwks.KeyOct && strings.HasPrefix(alg, "HS") {
		// Any secret length signs: a short one lets tests show the filter's refusal.
		return nil
	}
	if !pub.Fits(alg) {
		return fmt.Errorf("the key is %s, which cannot sign %s (use -alg %s)", k.describe(), alg, k.defaultAlg())
	}
	return nil
}

func (k *privateKey) describe() string {
	switch {
	case k.rsa != nil:
		return fmt.Sprintf("RSA-%d", k.rsa.N.BitLen())
	case k.ec != nil:
		return "EC " + k.ec.Curve.Params().Name
	case k.ed != nil:
		return "Ed25519"
	}
	return fmt.Sprintf("%d-byte HMAC", len(k.secret))
}
