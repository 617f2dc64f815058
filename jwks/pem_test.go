package jwks

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

// PEM fixtures are made with crypto/x509, allowed in tests only (tests never reach the wasm).
func pemOf(t *testing.T, typ string, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkixDER(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParsePEM_RoundTrip(t *testing.T) {
	k := testKeys()
	tests := []struct {
		name     string
		pem      string
		wantPub  crypto.PublicKey
		wantType KeyType
	}{
		{name: "PKIX RSA", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, &k.rsa.PublicKey)), wantPub: &k.rsa.PublicKey, wantType: KeyRSA},
		{name: "PKCS#1 RSA", pem: pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)), wantPub: &k.rsa.PublicKey, wantType: KeyRSA},
		{name: "PKIX P-256", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, &k.p256.PublicKey)), wantPub: &k.p256.PublicKey, wantType: KeyEC},
		{name: "PKIX P-384", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, &k.p384.PublicKey)), wantPub: &k.p384.PublicKey, wantType: KeyEC},
		{name: "PKIX P-521", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, &k.p521.PublicKey)), wantPub: &k.p521.PublicKey, wantType: KeyEC},
		{name: "PKIX Ed25519", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, edPub(k.ed))), wantPub: edPub(k.ed), wantType: KeyOKP},
		{name: "text around the block", pem: "my key:\n" + pemOf(t, "PUBLIC KEY", pkixDER(t, edPub(k.ed))) + "\n\n", wantPub: edPub(k.ed), wantType: KeyOKP},
		{name: "CRLF line endings", pem: strings.ReplaceAll(pemOf(t, "PUBLIC KEY", pkixDER(t, &k.p384.PublicKey)), "\n", "\r\n"), wantPub: &k.p384.PublicKey, wantType: KeyEC},
		{name: "RSA without NULL parameters", pem: pemOf(t, "PUBLIC KEY", rsaSPKI(t, nil)), wantPub: &k.rsa.PublicKey, wantType: KeyRSA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ParsePEM([]byte(tc.pem))
			if err != nil {
				t.Fatalf("ParsePEM() error = %v", err)
			}
			if set.Len() != 1 {
				t.Fatalf("ParsePEM() = %d keys, want 1", set.Len())
			}
			got := set.Keys()[0]
			var pub crypto.PublicKey
			switch got.Type {
			case KeyRSA:
				pub = got.RSA
			case KeyEC:
				pub = got.EC
			case KeyOKP:
				pub = got.Ed25519
			}
			if got.Type != tc.wantType || got.ID != "" || !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.wantPub) {
				t.Fatalf("ParsePEM() = %+v, want the original key", got)
			}
		})
	}
}

func TestParsePEM_SeveralBlocks(t *testing.T) {
	k := testKeys()
	in := pemOf(t, "PUBLIC KEY", pkixDER(t, &k.rsa.PublicKey)) + pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.rsaB.PublicKey)) + pemOf(t, "PUBLIC KEY", pkixDER(t, &k.p256.PublicKey))
	set, err := ParsePEM([]byte(in))
	if err != nil || set.Len() != 3 {
		t.Fatalf("ParsePEM() = %v, %v; want 3 keys", set, err)
	}
	if got, err := set.Lookup("", "RS256"); err != nil || len(got) != 2 {
		t.Fatalf("Lookup(RS256) = %d keys, %v; want 2", len(got), err)
	}
}

// tlv builds one DER element (short or long form length), for hand-made fixtures.
func tlv(tag byte, parts ...[]byte) []byte {
	var c []byte
	for _, p := range parts {
		c = append(c, p...)
	}
	switch n := len(c); {
	case n < 0x80:
		return append([]byte{tag, byte(n)}, c...)
	case n < 0x100:
		return append([]byte{tag, 0x81, byte(n)}, c...)
	default:
		return append([]byte{tag, 0x82, byte(n >> 8), byte(n)}, c...)
	}
}

// spki wraps a key in SubjectPublicKeyInfo with the given algorithm OID and parameters.
func spki(oid, params, key []byte) []byte {
	return tlv(tagSequence, tlv(tagSequence, tlv(tagOID, oid), params), tlv(tagBitString, []byte{0}, key))
}

func rsaSPKI(t *testing.T, params []byte) []byte {
	return spki(oidRSA, params, x509.MarshalPKCS1PublicKey(&testKeys().rsa.PublicKey))
}

func TestParsePEM_Rejects(t *testing.T) {
	k := testKeys()
	rsaPEM := pemOf(t, "PUBLIC KEY", pkixDER(t, &k.rsa.PublicKey))
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256Point, _ := k.p256.PublicKey.Bytes()
	compressed := append([]byte{2 + p256Point[64]&1}, p256Point[1:33]...)
	pkcs1 := x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)
	longLen := append([]byte{tagSequence, 0x84, 0, 0, 1, 10}, pkcs1[4:]...) // 4 length bytes
	nonMinimal := append([]byte{tagSequence, 0x82, 0x00, pkcs1[3]}, pkcs1[4:]...)
	tests := []struct {
		name    string
		pem     string
		wantErr error
		wantMsg string
	}{
		{name: "empty", pem: "", wantErr: ErrMalformed, wantMsg: "no PEM block"},
		{name: "a JWKS pasted as PEM", pem: dexJWKS(), wantErr: ErrMalformed, wantMsg: "no PEM block"},
		{name: "certificate", pem: pemOf(t, "CERTIFICATE", selfSigned(t, k.rsa)), wantErr: ErrKeyUnsupported, wantMsg: "openssl x509 -pubkey -noout"},
		{name: "PKCS#8 private key", pem: pemOf(t, "PRIVATE KEY", []byte{1}), wantErr: ErrKeyUnsupported, wantMsg: "this is a PRIVATE key"},
		{name: "EC private key", pem: pemOf(t, "EC PRIVATE KEY", []byte{1}), wantErr: ErrKeyUnsupported, wantMsg: "openssl pkey -pubout"},
		{name: "other type", pem: pemOf(t, "SSH2 PUBLIC KEY", []byte{1}), wantErr: ErrKeyUnsupported, wantMsg: `PEM type "SSH2 PUBLIC KEY"`},
		{name: "headers", pem: strings.Replace(rsaPEM, "KEY-----\n", "KEY-----\nProc-Type: 4,ENCRYPTED\n\n", 1), wantErr: ErrKeyUnsupported, wantMsg: "PEM headers"},
		{name: "PKCS#1 labelled PUBLIC KEY", pem: pemOf(t, "PUBLIC KEY", pkcs1), wantErr: ErrKeyInvalid, wantMsg: "label it -----BEGIN RSA PUBLIC KEY-----"},
		{name: "PKIX labelled RSA PUBLIC KEY", pem: pemOf(t, "RSA PUBLIC KEY", pkixDER(t, &k.rsa.PublicKey)), wantErr: ErrKeyInvalid, wantMsg: "label it -----BEGIN PUBLIC KEY-----"},
		{name: "RSA 1024", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, &k.rsa1024.PublicKey)), wantErr: ErrKeyWeak, wantMsg: "1024 bits"},
		{name: "PKCS#1 RSA 1024", pem: pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.rsa1024.PublicKey)), wantErr: ErrKeyWeak, wantMsg: "1024 bits"},
		{name: "X25519", pem: pemOf(t, "PUBLIC KEY", pkixDER(t, x25519.PublicKey())), wantErr: ErrKeyUnsupported, wantMsg: "Ed448, X25519 or DSA"},
		{name: "RSA-PSS OID", pem: pemOf(t, "PUBLIC KEY", spki(oidRSAPSS, nil, pkcs1)), wantErr: ErrKeyUnsupported, wantMsg: "RSASSA-PSS"},
		{name: "unknown OID", pem: pemOf(t, "PUBLIC KEY", spki([]byte{0x2a, 3}, nil, pkcs1)), wantErr: ErrKeyUnsupported, wantMsg: "unknown algorithm"},
		{name: "secp256k1", pem: pemOf(t, "PUBLIC KEY", spki(oidEC, tlv(tagOID, oidSecp256k1), p256Point)), wantErr: ErrKeyUnsupported, wantMsg: "secp256k1"},
		{name: "unknown curve", pem: pemOf(t, "PUBLIC KEY", spki(oidEC, tlv(tagOID, []byte{0x2b, 1}), p256Point)), wantErr: ErrKeyUnsupported, wantMsg: "unknown EC curve"},
		{name: "explicit curve parameters", pem: pemOf(t, "PUBLIC KEY", spki(oidEC, tlv(tagSequence), p256Point)), wantErr: ErrKeyUnsupported, wantMsg: "not a named curve"},
		{name: "compressed point", pem: pemOf(t, "PUBLIC KEY", spki(oidEC, tlv(tagOID, oidP256), compressed)), wantErr: ErrKeyInvalid, wantMsg: "P-256 point is not an uncompressed point"},
		{name: "P-256 point under P-384", pem: pemOf(t, "PUBLIC KEY", spki(oidEC, tlv(tagOID, oidP384), p256Point)), wantErr: ErrKeyInvalid, wantMsg: "P-384 point"},
		{name: "Ed25519 with parameters", pem: pemOf(t, "PUBLIC KEY", spki(oidEd25519, derNull, edPub(k.ed))), wantErr: ErrKeyInvalid, wantMsg: "parameters must be absent"},
		{name: "Ed25519 31 bytes", pem: pemOf(t, "PUBLIC KEY", spki(oidEd25519, nil, edPub(k.ed)[:31])), wantErr: ErrKeyInvalid, wantMsg: "32 bytes"},
		{name: "RSA parameters not NULL", pem: pemOf(t, "PUBLIC KEY", rsaSPKI(t, tlv(tagOID, oidP256))), wantErr: ErrKeyInvalid, wantMsg: "not NULL"},
		{name: "trailing data after SPKI", pem: pemOf(t, "PUBLIC KEY", append(pkixDER(t, &k.rsa.PublicKey), 0)), wantErr: ErrKeyInvalid, wantMsg: "not one DER SEQUENCE"},
		{name: "trailing data in BIT STRING", pem: pemOf(t, "PUBLIC KEY", spki(oidRSA, derNull, append(pkcs1, 0, 0))), wantErr: ErrKeyInvalid, wantMsg: "trailing data after the RSA key"},
		{name: "trailing data after PKCS#1", pem: pemOf(t, "RSA PUBLIC KEY", append(pkcs1, 0, 0)), wantErr: ErrKeyInvalid, wantMsg: "trailing data"},
		{name: "BIT STRING with unused bits", pem: pemOf(t, "PUBLIC KEY", tlv(tagSequence, tlv(tagSequence, tlv(tagOID, oidEd25519)), tlv(tagBitString, []byte{1}, edPub(k.ed)))), wantErr: ErrKeyInvalid, wantMsg: "no key BIT STRING"},
		{name: "no algorithm", pem: pemOf(t, "PUBLIC KEY", tlv(tagSequence, tlv(tagBitString, []byte{0}, pkcs1))), wantErr: ErrKeyInvalid, wantMsg: "no algorithm identifier"},
		{name: "algorithm without OID", pem: pemOf(t, "PUBLIC KEY", tlv(tagSequence, tlv(tagSequence, derNull), tlv(tagBitString, []byte{0}, pkcs1))), wantErr: ErrKeyInvalid, wantMsg: "no algorithm OID"},
		{name: "length in 4 bytes", pem: pemOf(t, "RSA PUBLIC KEY", longLen), wantErr: ErrKeyInvalid, wantMsg: "not DER"},
		{name: "non-minimal length", pem: pemOf(t, "RSA PUBLIC KEY", nonMinimal), wantErr: ErrKeyInvalid, wantMsg: "not DER"},
		{name: "negative modulus", pem: pemOf(t, "RSA PUBLIC KEY", tlv(tagSequence, tlv(tagInteger, []byte{0x80, 1}), tlv(tagInteger, []byte{1, 0, 1}))), wantErr: ErrKeyInvalid, wantMsg: "modulus is not a DER INTEGER"},
		{name: "modulus with extra zero", pem: pemOf(t, "RSA PUBLIC KEY", tlv(tagSequence, tlv(tagInteger, []byte{0, 1}), tlv(tagInteger, []byte{1, 0, 1}))), wantErr: ErrKeyInvalid, wantMsg: "modulus is not a DER INTEGER"},
		{name: "empty exponent", pem: pemOf(t, "RSA PUBLIC KEY", tlv(tagSequence, pkcs1[4:len(pkcs1)-5], tlv(tagInteger))), wantErr: ErrKeyInvalid, wantMsg: "exponent is not a DER INTEGER"},
		{name: "damaged block before a good one", pem: strings.Replace(rsaPEM, "-----END PUBLIC KEY-----", "-----END PUBLIC KEX-----", 1) + rsaPEM, wantErr: ErrMalformed, wantMsg: "damaged or incomplete (2 BEGIN lines, 1 blocks decoded)"},
		{name: "truncated block", pem: rsaPEM[:len(rsaPEM)-30], wantErr: ErrMalformed, wantMsg: "damaged or incomplete"},
		{name: "garbage after the block", pem: rsaPEM + "MIIBIjANBgkq", wantErr: ErrMalformed, wantMsg: "damaged or incomplete"},
		{name: "bad block names its index", pem: rsaPEM + pemOf(t, "PUBLIC KEY", pkixDER(t, &k.rsa1024.PublicKey)), wantErr: ErrKeyWeak, wantMsg: "PEM block 1 (PUBLIC KEY): key is too weak"},
		{name: "over MaxKeys", pem: strings.Repeat(pemOf(t, "PUBLIC KEY", pkixDER(t, edPub(k.ed))), DefaultLimits.MaxKeys+1), wantErr: ErrTooManyKeys},
		{name: "over MaxBytes", pem: rsaPEM + strings.Repeat(" ", DefaultLimits.MaxBytes), wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ParsePEM([]byte(tc.pem))
			if !errors.Is(err, tc.wantErr) || set != nil {
				t.Fatalf("ParsePEM() = %v, %v; want nil, %v", set, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("ParsePEM() error = %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func Test_readTLV(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		wantLen int
		wantErr bool
	}{
		{name: "short form", in: []byte{0x30, 1, 0}, wantLen: 1},
		{name: "long form 1 byte", in: append([]byte{0x30, 0x81, 0x80}, make([]byte, 0x80)...), wantLen: 0x80},
		{name: "long form for a short length", in: []byte{0x30, 0x81, 0x05, 0, 0, 0, 0, 0}, wantErr: true},
		{name: "long form leading zero", in: append([]byte{0x30, 0x82, 0x00, 0x80}, make([]byte, 0x80)...), wantErr: true},
		{name: "indefinite length", in: []byte{0x30, 0x80, 0, 0}, wantErr: true},
		{name: "length past the end", in: []byte{0x30, 3, 0}, wantErr: true},
		{name: "length bytes past the end", in: []byte{0x30, 0x82, 1}, wantErr: true},
		{name: "wrong tag", in: []byte{0x31, 0}, wantErr: true},
		{name: "one byte", in: []byte{0x30}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := readTLV(tc.in, tagSequence)
			if (err != nil) != tc.wantErr || len(c) != tc.wantLen {
				t.Fatalf("readTLV() = %d bytes, %v; want %d bytes, error %v", len(c), err, tc.wantLen, tc.wantErr)
			}
		})
	}
}
