package jwks

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

// Known answers from the RFCs, typed in from the published texts.

// rfc7517A1 is RFC 7517 appendix A.1, "Example Public Keys", as printed.
const rfc7517A1 = `{"keys":
  [
    {"kty":"EC",
     "crv":"P-256",
     "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
     "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
     "use":"enc",
     "kid":"1"},

    {"kty":"RSA",
     "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
     "e":"AQAB",
     "alg":"RS256",
     "kid":"2011-04-29"}
  ]
}`

// rfc7517A2ECd is the private scalar of the same EC key, from RFC 7517 appendix A.2.
const rfc7517A2ECd = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"

func TestRFC7517_A1(t *testing.T) {
	set, skipped, err := ParseSet([]byte(rfc7517A1), DefaultLimits)
	if err != nil {
		t.Fatalf("ParseSet() error = %v", err)
	}
	// The EC key is an encryption key ("use":"enc"): a verifier must not use it.
	if len(skipped) != 1 || !errors.Is(skipped[0], ErrKeyUnsupported) || !strings.HasPrefix(skipped[0].Error(), `keys[0] (kid "1"): `) {
		t.Fatalf("skipped = %v, want keys[0] (kid \"1\") unsupported", skipped)
	}
	if set.Len() != 1 {
		t.Fatalf("set has %d keys, want 1", set.Len())
	}
	k := set.Keys()[0]
	if k.Type != KeyRSA || k.ID != "2011-04-29" || k.Alg != "RS256" || k.RSA.N.BitLen() != 2048 || k.RSA.E != 65537 {
		t.Fatalf("RSA key = kid %q alg %q bits %d e %d", k.ID, k.Alg, k.RSA.N.BitLen(), k.RSA.E)
	}
	if !bytes.HasPrefix(k.RSA.N.Bytes(), []byte{0xd2, 0xfc, 0x7b, 0x6a}) {
		t.Fatalf("n starts % x, want d2 fc 7b 6a", k.RSA.N.Bytes()[:4])
	}
	if got := string(EncodeJWK(k)); !strings.Contains(got, `"n":"0vx7agoebGcQ`) || !strings.Contains(got, `KnqDKgw","e":"AQAB"`) {
		t.Fatalf("EncodeJWK() = %s, want the RFC's n and e back", got)
	}
}

func TestRFC7517_A1_ECKeyForSignatures(t *testing.T) {
	// The same EC key with "use":"sig" parses, and its point is d·G for the RFC's private d.
	body := strings.Replace(rfc7517A1, `"use":"enc"`, `"use":"sig"`, 1)
	set, skipped, err := ParseSet([]byte(body), DefaultLimits)
	if err != nil || len(skipped) != 0 || set.Len() != 2 {
		t.Fatalf("ParseSet() = %d keys, skipped %v, error %v", set.Len(), skipped, err)
	}
	k := set.Keys()[0]
	if k.ID != "1" || !k.Fits("ES256") || k.Fits("ES384") {
		t.Fatalf("EC key kid %q must fit ES256 only", k.ID)
	}
	d, err := decodeB64URL("d", rfc7517A2ECd)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := k.EC.Bytes()
	if want := priv.PublicKey().Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("EC point = %x, want d·G = %x", got, want)
	}
}

// RFC 8037 appendix A.2 (public key), A.1 (its private seed) and A.4 (an Ed25519 JWS).
const (
	rfc8037A2 = `{"kty":"OKP","crv":"Ed25519",
   "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
	rfc8037A1d       = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037A4Input   = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
	rfc8037A4Signing = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

func TestRFC8037_A2(t *testing.T) {
	k := mustParseKey(t, rfc8037A2)
	if k.Type != KeyOKP || !k.Fits("EdDSA") || k.Fits("ES256") {
		t.Fatalf("key = type %d, want an OKP key fitting EdDSA only", k.Type)
	}
	seed, _ := decodeB64URL("d", rfc8037A1d)
	if !ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey).Equal(k.Ed25519) {
		t.Fatalf("x is not the public key of the A.1 seed")
	}
	sig, _ := decodeB64URL("sig", rfc8037A4Signing)
	if !ed25519.Verify(k.Ed25519, []byte(rfc8037A4Input), sig) {
		t.Fatalf("the A.4 signature does not verify with the parsed key")
	}
	if got, want := string(EncodeJWK(k)), `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`; got != want {
		t.Fatalf("EncodeJWK() = %s, want %s", got, want)
	}
}
