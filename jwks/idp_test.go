package jwks

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"testing"
	"time"
)

var testNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// selfSigned makes the certificate an IdP puts in x5c (crypto/x509 is fine in tests only).
func selfSigned(t testing.TB, priv *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "demo"},
		NotBefore:    testNow.Add(-time.Hour),
		NotAfter:     testNow.Add(10 * 365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// keycloakJWKS is shaped like Keycloak's /realms/<realm>/protocol/openid-connect/certs: an
// RS256 signing key and an RSA-OAEP encryption key, both with x5c, x5t and x5t#S256.
// The x5c certificates are made for other keys on purpose: they must be ignored.
func keycloakJWKS(t testing.TB) string {
	k := testKeys()
	x5 := func(cert []byte) []string {
		s1, s256 := sha1.Sum(cert), sha256.Sum256(cert)
		return []string{`"x5c":["` + base64.StdEncoding.EncodeToString(cert) + `"]`, str("x5t", b64(s1[:])), str("x5t#S256", b64(s256[:]))}
	}
	sig := append([]string{str("kid", "Vq8Xl0tYkLm2m3Ar0K9eQ4fYzQ3bKp1w1s0jKZx4d2M"), str("kty", "RSA"), str("alg", "RS256"), str("use", "sig")},
		rsaMembers(&k.rsa.PublicKey)[1:]...)
	enc := append([]string{str("kid", "pL1y3J0gXkTq7n6cJ1u1H7b5Qx9m2N4v8aZ0sR3tWeY"), str("kty", "RSA"), str("alg", "RSA-OAEP"), str("use", "enc")},
		rsaMembers(&k.rsaB.PublicKey)[1:]...)
	return jwks(obj(sig, x5(selfSigned(t, k.rsaC))...), obj(enc, x5(selfSigned(t, k.rsaC))...))
}

// dexJWKS is shaped like Dex's /keys: signing keys only, "use":"sig", "alg":"RS256",
// the current key and the one it rotated from.
func dexJWKS() string {
	k := testKeys()
	key := func(kid string, pub *rsa.PublicKey) string {
		return obj(append([]string{str("use", "sig"), str("kty", "RSA"), str("kid", kid), str("alg", "RS256")}, rsaMembers(pub)[1:]...))
	}
	return jwks(key("a4c2b5d1e0f98a7b", &k.rsa.PublicKey), key("0f1e2d3c4b5a6978", &k.rsaB.PublicKey))
}

func TestParseSet_Keycloak(t *testing.T) {
	set, skipped, err := ParseSet([]byte(keycloakJWKS(t)), DefaultLimits)
	if err != nil {
		t.Fatalf("ParseSet() error = %v", err)
	}
	if len(skipped) != 1 || !errors.Is(skipped[0], ErrKeyUnsupported) {
		t.Fatalf("skipped = %v, want the RSA-OAEP encryption key", skipped)
	}
	if set.Len() != 1 {
		t.Fatalf("set has %d keys, want 1", set.Len())
	}
	k := set.Keys()[0]
	if !k.RSA.Equal(&testKeys().rsa.PublicKey) || k.Alg != "RS256" || k.ID != "Vq8Xl0tYkLm2m3Ar0K9eQ4fYzQ3bKp1w1s0jKZx4d2M" {
		t.Fatalf("signing key = kid %q alg %q, want the n/e key (not the x5c one)", k.ID, k.Alg)
	}
	if got, err := set.Lookup(k.ID, "RS256"); err != nil || len(got) != 1 {
		t.Fatalf("Lookup(kid, RS256) = %v, %v", got, err)
	}
	if _, err := set.Lookup(k.ID, "PS256"); !errors.Is(err, ErrNoKeyForAlg) {
		t.Fatalf("Lookup(kid, PS256) error = %v, want ErrNoKeyForAlg (alg pinned to RS256)", err)
	}
}

func TestParseSet_Dex(t *testing.T) {
	set, skipped, err := ParseSet([]byte(dexJWKS()), DefaultLimits)
	if err != nil || len(skipped) != 0 || set.Len() != 2 {
		t.Fatalf("ParseSet() = %v keys, skipped %v, error %v", set, skipped, err)
	}
	got, err := set.Lookup("", "RS256")
	if err != nil || len(got) != 2 {
		t.Fatalf("Lookup(no kid, RS256) = %d keys, %v; want both", len(got), err)
	}
}

func BenchmarkParseSet(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{name: "keycloak", body: []byte(keycloakJWKS(b))},
		{name: "dex", body: []byte(dexJWKS())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ParseSet(bc.body, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
