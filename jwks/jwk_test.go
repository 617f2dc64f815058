package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

func TestParseKey_Accepts(t *testing.T) {
	k := testKeys()
	// n with a leading zero byte, as some libraries emit it.
	nZero := b64(append([]byte{0}, k.rsa.PublicKey.N.Bytes()...))
	padded := func(s string) string { return s + strings.Repeat("=", (4-len(s)%4)%4) }
	edX := b64(edPub(k.ed))
	tests := []struct {
		name     string
		jwk      string
		wantType KeyType
		wantKid  string
		wantAlg  string
	}{
		{name: "RSA 2048", jwk: obj(rsaMembers(&k.rsa.PublicKey)), wantType: KeyRSA},
		{name: "RSA with kid alg use key_ops", jwk: obj(rsaMembers(&k.rsa.PublicKey), str("kid", "k1"), str("alg", "PS256"), str("use", "sig"), `"key_ops":["verify","sign"]`), wantType: KeyRSA, wantKid: "k1", wantAlg: "PS256"},
		{name: "RSA n with leading zero", jwk: obj(replace(rsaMembers(&k.rsa.PublicKey), "n", str("n", nZero))), wantType: KeyRSA},
		{name: "RSA ignores x5c and x5t", jwk: obj(rsaMembers(&k.rsa.PublicKey), `"x5c":["not a certificate"]`, str("x5t", "!!"), str("x5t#S256", "!!")), wantType: KeyRSA},
		{name: "RSA ignores unknown members", jwk: obj(rsaMembers(&k.rsa.PublicKey), `"ext":true`, `"vendor":{"a":[1,2]}`), wantType: KeyRSA},
		{name: "EC P-256 ES256", jwk: obj(ecMembers(&k.p256.PublicKey), str("alg", "ES256")), wantType: KeyEC, wantAlg: "ES256"},
		{name: "EC P-384", jwk: obj(ecMembers(&k.p384.PublicKey)), wantType: KeyEC},
		{name: "EC P-521 ES512", jwk: obj(ecMembers(&k.p521.PublicKey), str("alg", "ES512")), wantType: KeyEC, wantAlg: "ES512"},
		{name: "OKP Ed25519 EdDSA", jwk: obj(edMembers(edPub(k.ed)), str("alg", "EdDSA"), str("kid", "ed")), wantType: KeyOKP, wantKid: "ed", wantAlg: "EdDSA"},
		{name: "Ed25519 x with = padding tolerated", jwk: obj(replace(edMembers(edPub(k.ed)), "x", str("x", padded(edX)))), wantType: KeyOKP},
		{name: "oct 32 bytes", jwk: obj(octMembers(secret(32))), wantType: KeyOct},
		{name: "oct 48 bytes HS384", jwk: obj(octMembers(secret(48)), str("alg", "HS384")), wantType: KeyOct, wantAlg: "HS384"},
		{name: "oct 64 bytes HS512", jwk: obj(octMembers(secret(64)), str("alg", "HS512")), wantType: KeyOct, wantAlg: "HS512"},
		{name: "kid with escapes", jwk: obj(rsaMembers(&k.rsa.PublicKey), `"kid":"a\"b\u00e9"`), wantType: KeyRSA, wantKid: "a\"bé"},
		{name: "member names with escapes", jwk: `{"k\u0074y":"oct","\u006b":"` + b64(secret(32)) + `"}`, wantType: KeyOct},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustParseKey(t, tc.jwk)
			if got.Type != tc.wantType || got.ID != tc.wantKid || got.Alg != tc.wantAlg {
				t.Fatalf("ParseKey() = type %d kid %q alg %q, want type %d kid %q alg %q", got.Type, got.ID, got.Alg, tc.wantType, tc.wantKid, tc.wantAlg)
			}
		})
	}
}

func TestParseKey_KeyMaterial(t *testing.T) {
	k := testKeys()
	if got := mustParseKey(t, obj(rsaMembers(&k.rsa.PublicKey))); !got.RSA.Equal(&k.rsa.PublicKey) {
		t.Errorf("RSA key differs from the generated one")
	}
	for _, priv := range []*ecdsa.PrivateKey{k.p256, k.p384, k.p521} {
		if got := mustParseKey(t, obj(ecMembers(&priv.PublicKey))); !got.EC.Equal(&priv.PublicKey) {
			t.Errorf("%s key differs from the generated one", priv.Curve.Params().Name)
		}
	}
	if got := mustParseKey(t, obj(edMembers(edPub(k.ed)))); !got.Ed25519.Equal(k.ed.Public()) {
		t.Errorf("Ed25519 key differs from the generated one")
	}
	if got := mustParseKey(t, obj(octMembers(secret(40)))); string(got.Secret) != string(secret(40)) {
		t.Errorf("secret differs")
	}
}

// badKeys lists every reason a JWK is refused. FuzzParseSet is seeded from it.
func badKeys() []struct {
	name    string
	jwk     string
	wantErr error
	wantMsg string
} {
	k := testKeys()
	rsaM := rsaMembers(&k.rsa.PublicKey)
	p256 := ecMembers(&k.p256.PublicKey)
	edM := edMembers(edPub(k.ed))
	even := new(big.Int).Sub(k.rsa.PublicKey.N, big.NewInt(1))
	huge := new(big.Int).Lsh(big.NewInt(1), 8200)
	huge.Add(huge, big.NewInt(1))
	point, _ := k.p256.PublicKey.Bytes()
	offY := append([]byte(nil), point[33:]...)
	offY[31] ^= 1
	edX := b64(edPub(k.ed))
	return []struct {
		name    string
		jwk     string
		wantErr error
		wantMsg string
	}{
		// Document-level shape of one entry.
		{name: "entry is a string", jwk: `"RSA"`, wantErr: ErrKeyInvalid, wantMsg: "not a JSON object"},
		{name: "entry is null", jwk: `null`, wantErr: ErrKeyInvalid, wantMsg: "not a JSON object"},
		{name: "entry is an array", jwk: `[1]`, wantErr: ErrKeyInvalid, wantMsg: "not a JSON object"},
		{name: "duplicate member n", jwk: obj(rsaM, str("n", b64(k.rsa1024.N.Bytes()))), wantErr: ErrKeyInvalid, wantMsg: `member "n" appears twice`},
		{name: "duplicate kty via escape", jwk: obj(rsaM, `"k\u0074y":"oct"`), wantErr: ErrKeyInvalid, wantMsg: `member "kty" appears twice`},
		{name: "kty missing", jwk: obj(drop(rsaM, "kty")), wantErr: ErrKeyInvalid, wantMsg: `"kty" is missing`},
		{name: "kty not a string", jwk: obj(replace(rsaM, "kty", `"kty":1`)), wantErr: ErrKeyInvalid, wantMsg: `"kty" is not a string`},
		{name: "kty unknown", jwk: obj(replace(rsaM, "kty", str("kty", "AKP"))), wantErr: ErrKeyUnsupported, wantMsg: `kty "AKP"`},
		{name: "kid not a string", jwk: obj(rsaM, `"kid":7`), wantErr: ErrKeyInvalid, wantMsg: `"kid" is not a string`},
		// use, key_ops, alg.
		{name: "use enc", jwk: obj(rsaM, str("use", "enc")), wantErr: ErrKeyUnsupported, wantMsg: `use "enc"`},
		{name: "use not a string", jwk: obj(rsaM, `"use":["sig"]`), wantErr: ErrKeyInvalid, wantMsg: `"use" is not a string`},
		{name: "key_ops without verify", jwk: obj(rsaM, `"key_ops":["encrypt","sign"]`), wantErr: ErrKeyUnsupported, wantMsg: `lacks "verify"`},
		{name: "key_ops empty", jwk: obj(rsaM, `"key_ops":[]`), wantErr: ErrKeyUnsupported, wantMsg: `lacks "verify"`},
		{name: "key_ops a string", jwk: obj(rsaM, str("key_ops", "verify")), wantErr: ErrKeyInvalid, wantMsg: "key_ops is not an array"},
		{name: "key_ops with a number", jwk: obj(rsaM, `"key_ops":["verify",1]`), wantErr: ErrKeyInvalid, wantMsg: "key_ops holds a non-string"},
		{name: "alg not a string", jwk: obj(rsaM, `"alg":256`), wantErr: ErrKeyInvalid, wantMsg: `"alg" is not a string`},
		{name: "alg for encryption", jwk: obj(rsaM, str("alg", "RSA-OAEP")), wantErr: ErrKeyUnsupported, wantMsg: `alg "RSA-OAEP"`},
		{name: "alg none", jwk: obj(rsaM, str("alg", "none")), wantErr: ErrKeyUnsupported, wantMsg: `alg "none"`},
		{name: "alg ES256 on RSA", jwk: obj(rsaM, str("alg", "ES256")), wantErr: ErrKeyInvalid, wantMsg: `alg "ES256" does not fit this RSA key`},
		{name: "alg HS256 on RSA", jwk: obj(rsaM, str("alg", "HS256")), wantErr: ErrKeyInvalid, wantMsg: `alg "HS256" does not fit this RSA key`},
		{name: "alg ES384 on P-256", jwk: obj(p256, str("alg", "ES384")), wantErr: ErrKeyInvalid, wantMsg: `alg "ES384" does not fit this EC P-256 key`},
		{name: "alg RS256 on Ed25519", jwk: obj(edM, str("alg", "RS256")), wantErr: ErrKeyInvalid, wantMsg: "OKP Ed25519"},
		{name: "alg HS384 on 40-byte secret", jwk: obj(octMembers(secret(40)), str("alg", "HS384")), wantErr: ErrKeyWeak, wantMsg: "HS384 needs a secret of at least 48 bytes, this one has 40"},
		{name: "alg HS512 on 63-byte secret", jwk: obj(octMembers(secret(63)), str("alg", "HS512")), wantErr: ErrKeyWeak, wantMsg: "HS512 needs a secret of at least 64 bytes"},
		// Private members.
		{name: "RSA private d", jwk: obj(rsaM, str("d", b64(k.rsa.D.Bytes()))), wantErr: ErrKeyInvalid, wantMsg: `private member "d"`},
		{name: "RSA private qi", jwk: obj(rsaM, str("qi", "AQAB")), wantErr: ErrKeyInvalid, wantMsg: `private member "qi"`},
		{name: "RSA private oth", jwk: obj(rsaM, `"oth":[]`), wantErr: ErrKeyInvalid, wantMsg: `private member "oth"`},
		{name: "EC private d", jwk: obj(p256, str("d", b64(k.p256.D.Bytes()))), wantErr: ErrKeyInvalid, wantMsg: `private member "d"`},
		{name: "OKP private d", jwk: obj(edM, str("d", b64(k.ed.Seed()))), wantErr: ErrKeyInvalid, wantMsg: `private member "d"`},
		{name: "private key with use enc names the leak", jwk: obj(rsaM, str("use", "enc"), str("p", "AQAB")), wantErr: ErrKeyInvalid, wantMsg: `private member "p"`},
		// RSA.
		{name: "RSA 1024 bits", jwk: obj(rsaMembers(&k.rsa1024.PublicKey)), wantErr: ErrKeyWeak, wantMsg: "RSA modulus has 1024 bits, need at least 2048"},
		{name: "RSA 2047 bits", jwk: obj(replace(rsaM, "n", str("n", b64(new(big.Int).Rsh(k.rsa.N, 1).Bytes())))), wantErr: ErrKeyWeak, wantMsg: "2047 bits"},
		{name: "RSA over 8192 bits", jwk: obj(replace(rsaM, "n", str("n", b64(huge.Bytes())))), wantErr: ErrKeyUnsupported, wantMsg: "8201 bits"},
		{name: "RSA even modulus", jwk: obj(replace(rsaM, "n", str("n", b64(even.Bytes())))), wantErr: ErrKeyInvalid, wantMsg: "modulus is even"},
		{name: "RSA n missing", jwk: obj(drop(rsaM, "n")), wantErr: ErrKeyInvalid, wantMsg: `"n" is missing`},
		{name: "RSA n empty", jwk: obj(replace(rsaM, "n", str("n", ""))), wantErr: ErrKeyInvalid, wantMsg: `"n" is empty`},
		{name: "RSA n a number", jwk: obj(replace(rsaM, "n", `"n":12345`)), wantErr: ErrKeyInvalid, wantMsg: `"n" is not a string`},
		{name: "RSA n standard base64", jwk: obj(replace(rsaM, "n", str("n", "ab+/"+b64(k.rsa.N.Bytes())[4:]))), wantErr: ErrKeyInvalid, wantMsg: "use base64url"},
		{name: "RSA e missing", jwk: obj(drop(rsaM, "e")), wantErr: ErrKeyInvalid, wantMsg: `"e" is missing`},
		{name: "RSA e 1", jwk: obj(replace(rsaM, "e", str("e", "AQ"))), wantErr: ErrKeyInvalid, wantMsg: "exponent 1 must be odd"},
		{name: "RSA e even", jwk: obj(replace(rsaM, "e", str("e", "AQAA"))), wantErr: ErrKeyInvalid, wantMsg: "exponent 65536 must be odd"},
		{name: "RSA e zero", jwk: obj(replace(rsaM, "e", str("e", "AA"))), wantErr: ErrKeyInvalid, wantMsg: "exponent 0"},
		{name: "RSA e over 31 bits", jwk: obj(replace(rsaM, "e", str("e", b64([]byte{0x80, 0, 0, 1})))), wantErr: ErrKeyUnsupported, wantMsg: "does not fit 31 bits"},
		{name: "RSA e 5 bytes", jwk: obj(replace(rsaM, "e", str("e", b64([]byte{1, 0, 0, 0, 1})))), wantErr: ErrKeyUnsupported, wantMsg: "longer than 4 bytes"},
		{name: "RSA e wrong padding", jwk: obj(replace(rsaM, "e", str("e", "AQAB="))), wantErr: ErrKeyInvalid, wantMsg: "misplaced '=' padding"},
		{name: "RSA e padding in the middle", jwk: obj(replace(rsaM, "e", str("e", "AQ==AQAB"))), wantErr: ErrKeyInvalid, wantMsg: "misplaced '=' padding"},
		{name: "RSA n with a line break", jwk: obj(replace(rsaM, "n", str("n", b64(k.rsa.N.Bytes())[:40]+`\n`+b64(k.rsa.N.Bytes())[40:]))), wantErr: ErrKeyInvalid, wantMsg: "line break"},
		// EC.
		{name: "EC crv secp256k1", jwk: obj(replace(p256, "crv", str("crv", "secp256k1"))), wantErr: ErrKeyUnsupported, wantMsg: `EC crv "secp256k1"`},
		{name: "EC crv missing", jwk: obj(drop(p256, "crv")), wantErr: ErrKeyInvalid, wantMsg: `"crv" is missing`},
		{name: "EC x missing", jwk: obj(drop(p256, "x")), wantErr: ErrKeyInvalid, wantMsg: `"x" is missing`},
		{name: "EC y missing", jwk: obj(drop(p256, "y")), wantErr: ErrKeyInvalid, wantMsg: `"y" is missing`},
		{name: "EC x trimmed to 31 bytes", jwk: obj(replace(p256, "x", str("x", b64(point[2:33])))), wantErr: ErrKeyInvalid, wantMsg: "coordinates must be 32 bytes each, got x 31, y 32"},
		{name: "EC P-256 coordinates on P-384", jwk: obj(replace(p256, "crv", str("crv", "P-384"))), wantErr: ErrKeyInvalid, wantMsg: "must be 48 bytes"},
		{name: "EC point off the curve", jwk: obj(replace(p256, "y", str("y", b64(offY)))), wantErr: ErrKeyInvalid, wantMsg: "P-256 point is not on the curve"},
		{name: "EC point at zero", jwk: obj(replace(replace(p256, "x", str("x", b64(make([]byte, 32)))), "y", str("y", b64(make([]byte, 32))))), wantErr: ErrKeyInvalid, wantMsg: "not on the curve"},
		// OKP.
		{name: "OKP X25519", jwk: obj(replace(edM, "crv", str("crv", "X25519"))), wantErr: ErrKeyUnsupported, wantMsg: `OKP crv "X25519"`},
		{name: "OKP Ed448", jwk: obj(replace(edM, "crv", str("crv", "Ed448"))), wantErr: ErrKeyUnsupported, wantMsg: `OKP crv "Ed448"`},
		{name: "OKP x 31 bytes", jwk: obj(replace(edM, "x", str("x", b64(make([]byte, 31))))), wantErr: ErrKeyInvalid, wantMsg: "Ed25519 key must be 32 bytes, got 31"},
		{name: "OKP x non-canonical trailing bits", jwk: obj(replace(edM, "x", str("x", edX[:42]+flipLow(edX[42])))), wantErr: ErrKeyInvalid, wantMsg: "not base64url"},
		// oct.
		{name: "oct 31 bytes", jwk: obj(octMembers(secret(31))), wantErr: ErrKeyWeak, wantMsg: "HMAC secret has 31 bytes, need at least 32"},
		{name: "oct k missing", jwk: obj(drop(octMembers(secret(32)), "k")), wantErr: ErrKeyInvalid, wantMsg: `"k" is missing`},
	}
}

// flipLow changes a base64url digit's lowest bit: a 43-character encoding of 32 bytes ends in
// 2 unused bits, so the result decodes to the same bytes but is not canonical.
func flipLow(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(alphabet[strings.IndexByte(alphabet, c)^1])
}

func TestParseKey_Rejects(t *testing.T) {
	for _, tc := range badKeys() {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKey([]byte(tc.jwk))
			if !errors.Is(err, tc.wantErr) || k != nil {
				t.Fatalf("ParseKey() = %v, %v, want nil, %v", k, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("ParseKey() error = %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestParseKey_NotJSON(t *testing.T) {
	for _, in := range []string{"", "{", `{"kty":"oct",}`, strings.Repeat("[", 40) + strings.Repeat("]", 40), `{"kty":"oct"} {}`} {
		if k, err := ParseKey([]byte(in)); !errors.Is(err, ErrKeyInvalid) || k != nil {
			t.Errorf("ParseKey(%q) = %v, %v, want ErrKeyInvalid", in, k, err)
		}
	}
	huge := []byte(`{"kty":"oct","pad":"` + strings.Repeat("a", DefaultLimits.MaxBytes) + `"}`)
	if _, err := ParseKey(huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ParseKey(huge) error = %v, want ErrTooLarge", err)
	}
}

func TestNewSecretKey(t *testing.T) {
	if _, err := NewSecretKey(secret(31), "s"); !errors.Is(err, ErrKeyWeak) {
		t.Fatalf("NewSecretKey(31 bytes) error = %v, want ErrKeyWeak", err)
	}
	in := secret(32)
	k, err := NewSecretKey(in, "s")
	if err != nil {
		t.Fatalf("NewSecretKey(32 bytes) error = %v", err)
	}
	in[0] ^= 0xff
	if k.Type != KeyOct || k.ID != "s" || k.Alg != "" || string(k.Secret) != string(secret(32)) {
		t.Fatalf("NewSecretKey() = %+v, want an oct key holding a copy of the secret", k)
	}
	if !k.Fits("HS256") || k.Fits("HS384") {
		t.Fatalf("a 32-byte secret must fit HS256 only")
	}
}

func TestKeyDescribe(t *testing.T) {
	ec := &Key{Type: KeyEC, EC: &ecdsa.PublicKey{Curve: elliptic.P521()}}
	for k, want := range map[*Key]string{ec: "EC P-521", {Type: KeyEC}: "EC", {}: "unknown", {Type: KeyOct}: "oct"} {
		if got := k.describe(); got != want {
			t.Errorf("describe() = %q, want %q", got, want)
		}
	}
}

// Objects past 16 members switch duplicate detection to a map; both paths must agree.
func TestParseKey_ManyMembers(t *testing.T) {
	var extra []string
	for i := range 20 {
		extra = append(extra, fmt.Sprintf(`"m%d":%d`, i, i))
	}
	base := octMembers(secret(32))
	mustParseKey(t, obj(base, extra...))
	for _, dup := range []string{`"m3":0`, `"m19":0`, `"kty":"oct"`} {
		if _, err := ParseKey([]byte(obj(base, append(extra, dup)...))); !errors.Is(err, ErrKeyInvalid) || !strings.Contains(err.Error(), "appears twice") {
			t.Errorf("duplicate %s: error = %v, want ErrKeyInvalid (appears twice)", dup, err)
		}
	}
}
