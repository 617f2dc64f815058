package jwks

import (
	"crypto/x509"
	"errors"
	"testing"
)

func FuzzParseSet(f *testing.F) {
	k := testKeys()
	good := obj(rsaMembers(&k.rsa.PublicKey), str("kid", "a"))
	for _, tc := range badKeys() {
		f.Add([]byte(jwks(good, tc.jwk)))
		f.Add([]byte(jwks(tc.jwk)))
	}
	f.Add([]byte(rfc7517A1))
	f.Add([]byte(jwks(rfc8037A2, obj(ecMembers(&k.p384.PublicKey)), obj(octMembers(secret(64)), str("alg", "HS512")))))
	f.Add([]byte(dexJWKS()))
	f.Add([]byte(`{"keys":[],"keys":[]}`))
	f.Add([]byte(`{"keys":[[[[[[[[[[]]]]]]]]]]}`))
	lim := Limits{MaxBytes: 64 << 10, MaxKeys: 8}
	f.Fuzz(func(t *testing.T, body []byte) {
		set, skipped, err := ParseSet(body, lim)
		if err != nil {
			if set != nil {
				t.Fatalf("set and error %v", err)
			}
			if !isOneOf(err, ErrMalformed, ErrTooLarge, ErrTooManyKeys, ErrNoUsableKeys) {
				t.Fatalf("error of no class: %v", err)
			}
		} else if set == nil || set.Len() == 0 {
			t.Fatalf("no error and no key")
		}
		for _, s := range skipped {
			if !isOneOf(s, ErrKeyInvalid, ErrKeyWeak, ErrKeyUnsupported) {
				t.Fatalf("skip reason of no class: %v", s)
			}
		}
		if set != nil {
			for _, key := range set.Keys() {
				checkKey(t, key)
			}
		}
	})
}

func FuzzParsePEM(f *testing.F) {
	k := testKeys()
	for _, der := range [][]byte{x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)} {
		f.Add([]byte(pemBlock("RSA PUBLIC KEY", der)))
	}
	for _, pub := range []any{&k.rsa.PublicKey, &k.p256.PublicKey, &k.p521.PublicKey, edPub(k.ed), &k.rsa1024.PublicKey} {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(pemBlock("PUBLIC KEY", der)))
		f.Add(der) // raw DER, for the fuzzer to wrap
	}
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := ParsePEM(data)
		if (set == nil) == (err == nil) {
			t.Fatalf("ParsePEM() = %v, %v: want exactly one of set and error", set, err)
		}
		if set != nil {
			for _, key := range set.Keys() {
				checkKey(t, key)
			}
		}
		// Also feed the bytes as DER, where the fuzzer mutates structure rather than base64.
		if key, err := parsePKIX(data); (key == nil) == (err == nil) {
			t.Fatalf("parsePKIX() = %v, %v", key, err)
		} else if key != nil {
			checkKey(t, key)
		}
	})
}

func pemBlock(typ string, der []byte) string {
	return "-----BEGIN " + typ + "-----\n" + b64std(der) + "\n-----END " + typ + "-----\n"
}

func isOneOf(err error, classes ...error) bool {
	for _, c := range classes {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// checkKey asserts a parsed key is usable: its member set, and within our size rules.
func checkKey(t *testing.T, k *Key) {
	t.Helper()
	switch k.Type {
	case KeyRSA:
		if k.RSA == nil || k.RSA.N.BitLen() < minRSABits || k.RSA.N.BitLen() > maxRSABits || k.RSA.E < 3 || k.RSA.E&1 == 0 {
			t.Fatalf("bad RSA key %+v", k)
		}
	case KeyEC:
		if k.EC == nil {
			t.Fatalf("EC key without point")
		}
		if _, err := k.EC.Bytes(); err != nil {
			t.Fatalf("EC key off curve: %v", err)
		}
	case KeyOKP:
		if len(k.Ed25519) != 32 {
			t.Fatalf("Ed25519 key of %d bytes", len(k.Ed25519))
		}
	case KeyOct:
		if len(k.Secret) < minSecretLen {
			t.Fatalf("secret of %d bytes", len(k.Secret))
		}
	default:
		t.Fatalf("key of type %d", k.Type)
	}
	if k.Alg != "" && !k.Fits(k.Alg) {
		t.Fatalf("key with alg %q that does not fit it", k.Alg)
	}
}
