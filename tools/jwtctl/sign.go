package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
)

// sign computes the JWS signature of input (RFC 7515 section 5.1, RFC 7518 section 3).
func sign(k *privateKey, alg string, input []byte) ([]byte, error) {
	if err := k.fits(alg); err != nil {
		return nil, err
	}
	if alg == "EdDSA" {
		return ed25519.Sign(k.ed, input), nil // RFC 8037: Ed25519 over the input itself
	}
	h := hashFor(alg)
	if alg[:2] == "HS" {
		mac := hmac.New(h.New, k.secret)
		mac.Write(input)
		return mac.Sum(nil), nil
	}
	d := h.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch alg[:2] {
	case "RS":
		return rsa.SignPKCS1v15(rand.Reader, k.rsa, h, digest)
	case "PS":
		// RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash.
		return rsa.SignPSS(rand.Reader, k.rsa, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
	case "ES":
		return signECDSA(k.ec, digest)
	}
	return nil, fmt.Errorf("cannot sign %s", alg)
}

// signECDSA writes r || s, each left-padded to the curve's byte size (RFC 7518 3.4), not the
// ASN.1 form crypto/ecdsa's SignASN1 gives.
func signECDSA(k *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, k, digest)
	if err != nil {
		return nil, err
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	r.FillBytes(out[:size])
	s.FillBytes(out[size:])
	return out, nil
}

// compact joins header and payload JSON into a signed compact JWS.
func compact(k *privateKey, alg string, header, payload []byte) (string, error) {
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	sig, err := sign(k, alg, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}
