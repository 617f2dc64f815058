package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"
	"sync"
	"testing"
)

// Keys are generated once per test binary (RSA generation is slow) and never checked in.
var testKeys = sync.OnceValue(func() (k struct {
	rsa, rsaB, rsaC, rsa1024 *rsa.PrivateKey
	p256, p384, p521         *ecdsa.PrivateKey
	ed                       ed25519.PrivateKey
}) {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var err error
	for _, p := range []**rsa.PrivateKey{&k.rsa, &k.rsaB, &k.rsaC} {
		*p, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
	}
	// crypto/rsa refuses to generate keys under 1024 bits; 1024 is enough to be "weak" here.
	k.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	for _, c := range []struct {
		p     **ecdsa.PrivateKey
		curve elliptic.Curve
	}{{&k.p256, elliptic.P256()}, {&k.p384, elliptic.P384()}, {&k.p521, elliptic.P521()}} {
		*c.p, err = ecdsa.GenerateKey(c.curve, rand.Reader)
		must(err)
	}
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// str is a JSON member with a string value: str("kid", "a") == `"kid":"a"`.
func str(name, value string) string { return `"` + name + `":"` + value + `"` }

// Member lists of public JWKs, built here independently of EncodeJWK.
func rsaMembers(pub *rsa.PublicKey) []string {
	return []string{str("kty", "RSA"), str("n", b64(pub.N.Bytes())), str("e", b64(big.NewInt(int64(pub.E)).Bytes()))}
}

func ecMembers(pub *ecdsa.PublicKey) []string {
	point, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	size := (len(point) - 1) / 2
	return []string{str("kty", "EC"), str("crv", pub.Curve.Params().Name),
		str("x", b64(point[1:1+size])), str("y", b64(point[1+size:]))}
}

func edMembers(pub ed25519.PublicKey) []string {
	return []string{str("kty", "OKP"), str("crv", "Ed25519"), str("x", b64(pub))}
}

func octMembers(secret []byte) []string { return []string{str("kty", "oct"), str("k", b64(secret))} }

// obj joins members (and extra raw members) into one JSON object.
func obj(base []string, extra ...string) string {
	return "{" + strings.Join(append(append([]string(nil), base...), extra...), ",") + "}"
}

// replace swaps the member named name (the first whose text starts with `"name":`) for repl.
func replace(base []string, name, repl string) []string {
	out := append([]string(nil), base...)
	for i, m := range out {
		if strings.HasPrefix(m, `"`+name+`":`) {
			out[i] = repl
			return out
		}
	}
	panic("no member " + name)
}

// drop removes the member named name.
func drop(base []string, name string) []string {
	var out []string
	for _, m := range base {
		if !strings.HasPrefix(m, `"`+name+`":`) {
			out = append(out, m)
		}
	}
	return out
}

func jwks(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

func secret(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}

func mustParseKey(t *testing.T, j string) *Key {
	t.Helper()
	k, err := ParseKey([]byte(j))
	if err != nil {
		t.Fatalf("ParseKey(%s) error = %v", j, err)
	}
	return k
}

func edPub(priv ed25519.PrivateKey) ed25519.PublicKey { return priv.Public().(ed25519.PublicKey) }

func b64std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
