package jwks

import (
	"bytes"
	"testing"
)

func TestEncodeJWK_RoundTrip(t *testing.T) {
	k := testKeys()
	sec, _ := NewSecretKey(secret(48), "s")
	keys := []*Key{
		{Type: KeyRSA, RSA: &k.rsa.PublicKey, ID: "r", Alg: "RS256"},
		{Type: KeyEC, EC: &k.p256.PublicKey},
		{Type: KeyEC, EC: &k.p384.PublicKey, ID: "p384"},
		{Type: KeyEC, EC: &k.p521.PublicKey, Alg: "ES512"},
		{Type: KeyOKP, Ed25519: edPub(k.ed), ID: "quote\" backslash\\ tab\t nl\n é \x01"},
		sec,
	}
	for _, want := range keys {
		j := EncodeJWK(want)
		got, err := ParseKey(j)
		if err != nil {
			t.Fatalf("ParseKey(EncodeJWK()) error = %v for %s", err, j)
		}
		if !bytes.Equal(EncodeJWK(got), j) || got.ID != want.ID || got.Alg != want.Alg || got.Type != want.Type {
			t.Fatalf("round trip changed the key: %s -> %s", j, EncodeJWK(got))
		}
	}
	set, skipped, err := ParseSet(EncodeJWKS(append(keys, nil, &Key{Type: KeyRSA})...), DefaultLimits)
	if err != nil || len(skipped) != 0 || set.Len() != len(keys) {
		t.Fatalf("ParseSet(EncodeJWKS()) = %v, skipped %v, %v; want %d keys", set, skipped, err, len(keys))
	}
}

func TestEncodeJWK_Exact(t *testing.T) {
	k := &Key{Type: KeyOct, Secret: []byte{0xfb, 0xff}, ID: "a", Alg: "HS256"}
	if got, want := string(EncodeJWK(k)), `{"kty":"oct","k":"-_8","kid":"a","alg":"HS256"}`; got != want {
		t.Fatalf("EncodeJWK() = %s, want %s", got, want)
	}
	for _, bad := range []*Key{nil, {}, {Type: KeyRSA}, {Type: KeyEC}, {Type: KeyOKP}, {Type: KeyOct}} {
		if got := EncodeJWK(bad); got != nil {
			t.Errorf("EncodeJWK(%+v) = %s, want nil", bad, got)
		}
	}
	if got := string(EncodeJWKS()); got != `{"keys":[]}` {
		t.Errorf("EncodeJWKS() = %s", got)
	}
}
