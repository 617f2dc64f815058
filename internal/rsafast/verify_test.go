package rsafast

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"runtime"
	"slices"
	"testing"
)

func TestNew(t *testing.T) {
	odd := func(bits int) *big.Int { // an odd number of exactly bits bits
		n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
		return n.Or(n, big.NewInt(1))
	}
	tests := []struct {
		name string
		pub  *rsa.PublicKey
		ok   bool
	}{
		{"2048 bits, e=65537", &rsa.PublicKey{N: odd(2048), E: 65537}, true},
		{"8192 bits", &rsa.PublicKey{N: odd(8192), E: 65537}, true},
		{"odd size 2049 bits", &rsa.PublicKey{N: odd(2049), E: 65537}, true},
		{"e=3 uses crypto/rsa", &rsa.PublicKey{N: odd(2048), E: 3}, false},
		{"e=65539 uses crypto/rsa", &rsa.PublicKey{N: odd(2048), E: 65539}, false},
		{"2047 bits uses crypto/rsa", &rsa.PublicKey{N: odd(2047), E: 65537}, false},
		{"1024 bits uses crypto/rsa", &rsa.PublicKey{N: odd(1024), E: 65537}, false},
		{"8193 bits uses crypto/rsa", &rsa.PublicKey{N: odd(8193), E: 65537}, false},
		{"even modulus", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537}, false},
		{"nil modulus", &rsa.PublicKey{E: 65537}, false},
		{"nil key", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := New(tt.pub); ok != tt.ok {
				t.Errorf("New ok = %v, want %v", ok, tt.ok)
			}
		})
	}
}

func TestNegInverse(t *testing.T) {
	for _, x := range []limb{1, 3, 5, 0xffff, ^limb(0), ^limb(0) - 2} {
		if got := x * negInverse(x); got != ^limb(0) {
			t.Errorf("x * negInverse(x) = %#x for x = %#x, want -1", got, x)
		}
	}
}

// TestExp65537 checks the Montgomery exponentiation against math/big on
// edge values, for every modulus size class the fuzzers use.
func TestExp65537(t *testing.T) {
	for _, bits := range []int{2048, 2049, 3072} {
		priv := testKey(t, bits)
		k := fastKey(t, priv)
		n := priv.N
		one := big.NewInt(1)
		xs := []*big.Int{big.NewInt(0), one, big.NewInt(2), new(big.Int).Sub(n, one), new(big.Int).Rsh(n, 1),
			new(big.Int).Sub(new(big.Int).Lsh(one, uint(bits-1)), one)}
		for range 20 {
			x, _ := rand.Int(rand.Reader, n)
			xs = append(xs, x)
		}
		for _, x := range xs {
			sig := x.FillBytes(make([]byte, k.Size()))
			got, err := k.publicOp(sig)
			if err != nil {
				t.Fatalf("%d bits: publicOp(%x): %v", bits, x, err)
			}
			want := new(big.Int).Exp(x, big.NewInt(65537), n).FillBytes(make([]byte, k.Size()))
			if string(got) != string(want) {
				t.Fatalf("%d bits: x^65537 mod n wrong for x = %x", bits, x)
			}
		}
	}
}

// TestVerify covers each rejection reason with both schemes; every verdict
// must also match crypto/rsa.
func TestVerify(t *testing.T) {
	priv := testKey(t, 2048)
	k := fastKey(t, priv)
	msg := []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9")
	for _, pss := range []bool{false, true} {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA224} {
			d := digest(h, msg)
			var sig []byte
			var err error
			if pss {
				sig, err = rsa.SignPSS(rand.Reader, priv, h, d, pssEqualsHash)
			} else {
				sig, err = rsa.SignPKCS1v15(nil, priv, h, d)
			}
			if err != nil {
				t.Fatal(err)
			}
			other := map[crypto.Hash]crypto.Hash{crypto.SHA224: crypto.SHA256, crypto.SHA256: crypto.SHA512,
				crypto.SHA384: crypto.SHA256, crypto.SHA512: crypto.SHA384}
			flip := func(b []byte, i int) []byte { b = append([]byte(nil), b...); b[i] ^= 1; return b }
			nPlus := func(delta int64) []byte {
				return new(big.Int).Add(priv.N, big.NewInt(delta)).FillBytes(make([]byte, k.Size()))
			}
			tests := []struct {
				name   string
				hash   crypto.Hash
				digest []byte
				sig    []byte
				ok     bool
			}{
				{"valid", h, d, sig, true},
				{"last signature bit flipped", h, d, flip(sig, len(sig)-1), false},
				{"first signature bit flipped", h, d, flip(sig, 0), false},
				{"digest bit flipped", h, flip(d, 3), sig, false},
				{"digest of another hash length", h, d[:len(d)-1], sig, false},
				{"signed with another hash", other[h], digest(other[h], msg), sig, false},
				{"signature one byte short", h, d, sig[1:], false},
				{"signature with a leading zero byte", h, d, append([]byte{0}, sig...), false},
				{"empty signature", h, d, nil, false},
				{"s = n", h, d, nPlus(0), false},
				{"s = n+1", h, d, nPlus(1), false},
				{"s = n-1", h, d, nPlus(-1), false},
				{"s = 0", h, d, make([]byte, k.Size()), false},
				{"s = 2^(8*size) - 1", h, d, bytesOf(0xff, k.Size()), false},
			}
			for _, tt := range tests {
				t.Run(scheme(pss)+"/"+h.String()+"/"+tt.name, func(t *testing.T) {
					std, fast := verdicts(&priv.PublicKey, k, pss, tt.hash, tt.digest, tt.sig)
					if fast != tt.ok || std != tt.ok {
						t.Errorf("accepted: fast %v, crypto/rsa %v, want %v", fast, std, tt.ok)
					}
					var err error
					if pss {
						err = k.VerifyPSS(tt.hash, tt.digest, tt.sig)
					} else {
						err = k.VerifyPKCS1v15(tt.hash, tt.digest, tt.sig)
					}
					if !tt.ok && len(tt.digest) == tt.hash.Size() && !errors.Is(err, rsa.ErrVerification) {
						t.Errorf("error = %v, want rsa.ErrVerification", err)
					}
				})
			}
		}
	}
}

// TestStdHasAsm checks which keys New hands to crypto/rsa natively, and
// that those keys still verify and reject.
func TestStdHasAsm(t *testing.T) {
	for _, bits := range []int{2048, 2049, 3072} {
		priv := testKey(t, bits)
		k, _ := New(&priv.PublicKey)
		want := bits == 2048 && runtime.GOARCH == "amd64"
		if runtime.GOARCH == "amd64" && k.std != want {
			t.Errorf("%d bits: std = %v, want %v", bits, k.std, want)
		}
		d := digest(crypto.SHA256, []byte("m"))
		sig, _ := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d)
		if err := k.VerifyPKCS1v15(crypto.SHA256, d, sig); err != nil {
			t.Errorf("%d bits: valid signature: %v", bits, err)
		}
		sig[0] ^= 1
		if err := k.VerifyPKCS1v15(crypto.SHA256, d, sig); !errors.Is(err, rsa.ErrVerification) {
			t.Errorf("%d bits: bad signature: %v, want rsa.ErrVerification", bits, err)
		}
	}
}

// TestFallback checks that hashes without a fast-path encoding still get
// crypto/rsa's verdict.
func TestFallback(t *testing.T) {
	priv := testKey(t, 2048)
	k := fastKey(t, priv)
	raw := []byte("unhashed input, signed as is")
	sig, err := rsa.SignPKCS1v15(nil, priv, 0, raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.VerifyPKCS1v15(0, raw, sig); err != nil {
		t.Errorf("hash 0 (raw input): %v, want nil", err)
	}
	if err := k.VerifyPKCS1v15(0, raw[1:], sig); err == nil {
		t.Error("hash 0 with another input: accepted")
	}
}

func scheme(pss bool) string {
	if pss {
		return "PSS"
	}
	return "PKCS1v15"
}

func bytesOf(b byte, n int) []byte {
	s := make([]byte, n)
	for i := range s {
		s[i] = b
	}
	return s
}

// TestExp65537EdgeModuli checks the arithmetic against math/big on odd
// moduli whose limbs are all ones or nearly empty, where rare carries and
// the final subtraction of Montgomery reduction happen most.
func TestExp65537EdgeModuli(t *testing.T) {
	one := big.NewInt(1)
	pow := func(bits int) *big.Int { return new(big.Int).Lsh(one, uint(bits)) }
	mods := []*big.Int{
		new(big.Int).Sub(pow(2048), one),                                        // all ones
		new(big.Int).Add(pow(2047), one),                                        // 100..001
		new(big.Int).Add(new(big.Int).Sub(pow(3072), pow(1000)), big.NewInt(3)), // ones, then zeros, ...11
		new(big.Int).Sub(pow(2048), big.NewInt(189)),                            // just below R
		new(big.Int).Add(pow(4095), new(big.Int).Sub(pow(64), one)),
		new(big.Int).Add(pow(2110), big.NewInt(12345)), // 2111 bits: R = 2^2112
		new(big.Int).Sub(pow(8192), one),
	}
	for _, n := range mods {
		k, ok := New(&rsa.PublicKey{N: n, E: 65537})
		if !ok {
			t.Fatalf("New refused %d-bit modulus", n.BitLen())
		}
		rr := new(big.Int).Lsh(one, uint(2*len(k.m.n)*limbBits))
		if want := limbsFromBig(rr.Mod(rr, n), len(k.m.n)); !slices.Equal(k.m.rr, want) {
			t.Fatalf("modulus %x: R² mod n wrong", n)
		}
		xs := []*big.Int{big.NewInt(0), one, big.NewInt(2), new(big.Int).Sub(n, one), new(big.Int).Sub(n, big.NewInt(2)),
			new(big.Int).Rsh(n, 1), new(big.Int).Sub(pow(n.BitLen()-1), one)}
		for range 10 {
			x, _ := rand.Int(rand.Reader, n)
			xs = append(xs, x)
		}
		for _, x := range xs {
			got, err := k.publicOp(x.FillBytes(make([]byte, k.Size())))
			want := new(big.Int).Exp(x, big.NewInt(65537), n).FillBytes(make([]byte, k.Size()))
			if err != nil || string(got) != string(want) {
				t.Fatalf("modulus %x: x^65537 wrong for x = %x (err %v)", n, x, err)
			}
		}
	}
}
