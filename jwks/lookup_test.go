package jwks

import (
	"crypto/ecdsa"
	"errors"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	k := testKeys()
	key := func(j string) *Key { return mustParseKey(t, j) }
	set := NewSet(
		key(obj(rsaMembers(&k.rsa.PublicKey), str("kid", "rsa"))),
		key(obj(rsaMembers(&k.rsaB.PublicKey), str("kid", "rsa-ps"), str("alg", "PS256"))),
		key(obj(ecMembers(&k.p256.PublicKey), str("kid", "p256"))),
		key(obj(ecMembers(&k.p384.PublicKey), str("kid", "p384"))),
		key(obj(edMembers(edPub(k.ed)), str("kid", "ed"))),
		key(obj(octMembers(secret(32)), str("kid", "hs32"))),
		key(obj(octMembers(secret(64)), str("kid", "hs64"))),
		key(obj(rsaMembers(&k.rsaC.PublicKey), str("kid", "shared"))),
		key(obj(ecMembers(&k.p256.PublicKey), str("kid", "shared"))),
		key(obj(rsaMembers(&k.rsa.PublicKey))), // no kid
	)
	tests := []struct {
		name     string
		kid      string
		alg      string
		wantKids []string // "-" stands for the key without kid
		wantErr  error
	}{
		{name: "kid match", kid: "rsa", alg: "RS256", wantKids: []string{"rsa"}},
		{name: "kid match any RSA alg", kid: "rsa", alg: "PS512", wantKids: []string{"rsa"}},
		{name: "kid unknown", kid: "nope", alg: "RS256", wantErr: ErrUnknownKid},
		{name: "kid unknown and alg unknown", kid: "nope", alg: "XX", wantErr: ErrUnknownKid},
		{name: "kid of another type", kid: "rsa", alg: "ES256", wantErr: ErrNoKeyForAlg},
		{name: "kid of RSA key with HS256 (key confusion)", kid: "rsa", alg: "HS256", wantErr: ErrNoKeyForAlg},
		{name: "kid is case sensitive", kid: "RSA", alg: "RS256", wantErr: ErrUnknownKid},
		{name: "JWK alg pins the key", kid: "rsa-ps", alg: "PS256", wantKids: []string{"rsa-ps"}},
		{name: "JWK alg refuses another alg", kid: "rsa-ps", alg: "RS256", wantErr: ErrNoKeyForAlg},
		{name: "no kid: all fitting RSA keys", alg: "RS256", wantKids: []string{"rsa", "shared", "-"}},
		{name: "no kid: PS256 adds the pinned key", alg: "PS256", wantKids: []string{"rsa", "rsa-ps", "shared", "-"}},
		{name: "no kid: ES256 finds the P-256 keys", alg: "ES256", wantKids: []string{"p256", "shared"}},
		{name: "no kid: ES384 finds P-384", alg: "ES384", wantKids: []string{"p384"}},
		{name: "no kid: ES512 has no P-521", alg: "ES512", wantErr: ErrNoKeyForAlg},
		{name: "curve mismatch", kid: "p384", alg: "ES256", wantErr: ErrNoKeyForAlg},
		{name: "shared kid picks the fitting type", kid: "shared", alg: "ES256", wantKids: []string{"shared"}},
		{name: "EdDSA", alg: "EdDSA", wantKids: []string{"ed"}},
		{name: "HS256 fits both secrets", alg: "HS256", wantKids: []string{"hs32", "hs64"}},
		{name: "HS384 needs 48 bytes", alg: "HS384", wantKids: []string{"hs64"}},
		{name: "HS512 needs 64 bytes", alg: "HS512", wantKids: []string{"hs64"}},
		{name: "HS512 with the short secret's kid", kid: "hs32", alg: "HS512", wantErr: ErrNoKeyForAlg},
		{name: "alg none", alg: "none", wantErr: ErrNoKeyForAlg},
		{name: "alg empty", alg: "", wantErr: ErrNoKeyForAlg},
		{name: "alg lower case", alg: "rs256", wantErr: ErrNoKeyForAlg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := set.Lookup(tc.kid, tc.alg)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Lookup(%q, %q) error = %v, want %v", tc.kid, tc.alg, err, tc.wantErr)
			}
			var kids []string
			for _, k := range got {
				if !k.Fits(tc.alg) {
					t.Errorf("Lookup returned kid %q which does not fit %s", k.ID, tc.alg)
				}
				if k.ID == "" {
					kids = append(kids, "-")
				} else {
					kids = append(kids, k.ID)
				}
			}
			if strings.Join(kids, ",") != strings.Join(tc.wantKids, ",") {
				t.Fatalf("Lookup(%q, %q) = %v, want %v", tc.kid, tc.alg, kids, tc.wantKids)
			}
		})
	}
}

func TestLookup_EmptySet(t *testing.T) {
	if _, err := NewSet().Lookup("a", "RS256"); !errors.Is(err, ErrUnknownKid) {
		t.Errorf("Lookup(kid) on empty set error = %v, want ErrUnknownKid", err)
	}
	if _, err := NewSet().Lookup("", "RS256"); !errors.Is(err, ErrNoKeyForAlg) {
		t.Errorf("Lookup() on empty set error = %v, want ErrNoKeyForAlg", err)
	}
}

func TestFits(t *testing.T) {
	k := testKeys()
	rsaKey := &Key{Type: KeyRSA, RSA: &k.rsa.PublicKey}
	p521 := &Key{Type: KeyEC, EC: &k.p521.PublicKey}
	oct := func(n int) *Key { return &Key{Type: KeyOct, Secret: secret(n)} }
	tests := []struct {
		name string
		key  *Key
		alg  string
		want bool
	}{
		{name: "RSA RS384", key: rsaKey, alg: "RS384", want: true},
		{name: "RSA PS384", key: rsaKey, alg: "PS384", want: true},
		{name: "RSA EdDSA", key: rsaKey, alg: "EdDSA", want: false},
		{name: "RSA type without key", key: &Key{Type: KeyRSA}, alg: "RS256", want: false},
		{name: "RSA key with wrong Type", key: &Key{Type: KeyEC, RSA: &k.rsa.PublicKey}, alg: "RS256", want: false},
		{name: "P-521 ES512", key: p521, alg: "ES512", want: true},
		{name: "P-521 ES256", key: p521, alg: "ES256", want: false},
		{name: "EC type without key", key: &Key{Type: KeyEC}, alg: "ES256", want: false},
		{name: "EC with the curve of another key", key: &Key{Type: KeyEC, EC: &ecdsa.PublicKey{Curve: k.p384.Curve}}, alg: "ES384", want: true},
		{name: "Ed25519 short", key: &Key{Type: KeyOKP, Ed25519: edPub(k.ed)[:31]}, alg: "EdDSA", want: false},
		{name: "HS256 31 bytes", key: oct(31), alg: "HS256", want: false},
		{name: "HS256 32 bytes", key: oct(32), alg: "HS256", want: true},
		{name: "HS384 47 bytes", key: oct(47), alg: "HS384", want: false},
		{name: "HS384 48 bytes", key: oct(48), alg: "HS384", want: true},
		{name: "HS512 63 bytes", key: oct(63), alg: "HS512", want: false},
		{name: "HS512 64 bytes", key: oct(64), alg: "HS512", want: true},
		{name: "oct RS256", key: oct(64), alg: "RS256", want: false},
		{name: "JWK alg equal", key: &Key{Type: KeyOct, Secret: secret(64), Alg: "HS512"}, alg: "HS512", want: true},
		{name: "JWK alg differs", key: &Key{Type: KeyOct, Secret: secret(64), Alg: "HS512"}, alg: "HS256", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.key.Fits(tc.alg); got != tc.want {
				t.Fatalf("Fits(%q) = %v, want %v", tc.alg, got, tc.want)
			}
		})
	}
}

func TestHasSecret(t *testing.T) {
	s, _ := NewSecretKey(secret(32), "")
	if NewSet(&Key{Type: KeyRSA, RSA: &testKeys().rsa.PublicKey}).HasSecret() {
		t.Errorf("an RSA-only set reports a secret")
	}
	if !NewSet(&Key{Type: KeyRSA}, s).HasSecret() {
		t.Errorf("a set with an oct key reports no secret")
	}
}
