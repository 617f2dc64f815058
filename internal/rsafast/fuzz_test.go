package rsafast

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"math/big"
	"testing"
)

// The differential fuzzers feed the same (key, hash, digest, signature) to
// crypto/rsa and to this package and require the same verdict. Keys come
// from a fixed pool minted per process: 2048, 3072 and 4096 bits, plus 2049
// bits, where PSS's encoded message is one byte shorter than the modulus.
func FuzzDifferentialPKCS1(f *testing.F) { fuzzDifferential(f, false) }
func FuzzDifferentialPSS(f *testing.F)   { fuzzDifferential(f, true) }

var (
	fuzzSizes  = []int{2048, 3072, 4096, 2049}
	fuzzHashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA224}
)

// Mutations of a valid signature, selected by the mode argument.
const (
	modeValid     = iota // the signature as signed
	modeXor              // sig[pos] ^= val
	modeRaw              // raw bytes as the signature, any length
	modeRawPadded        // raw bytes left-padded (leading zeros) or cut to the modulus size
	modeNearN            // s = n + pos - 32768: both sides of n
	modeLength           // one zero byte prepended or the first byte dropped
	modeMessage          // the digest of another message, or of another hash
	modeForgedEM         // the encoded message edited, then signed with the private key
	modeDigestLen        // a digest one byte short or long
	numModes
)

func fuzzDifferential(f *testing.F, pss bool) {
	for mode := range uint8(numModes) {
		for key := range uint8(len(fuzzSizes)) {
			f.Add(key, mode%4, mode, uint16(mode)*37, byte(1<<(mode%8)), []byte("header.payload"), []byte{0, 1, 0xff, mode})
		}
	}
	f.Fuzz(func(t *testing.T, key, hashSel, mode uint8, pos uint16, val byte, msg, raw []byte) {
		priv := testKey(t, fuzzSizes[int(key)%len(fuzzSizes)])
		k := fastKey(t, priv)
		h := fuzzHashes[int(hashSel)%len(fuzzHashes)]
		d := digest(h, msg)
		sig := sign(t, priv, pss, h, d)
		size := k.Size()
		switch mode % numModes {
		case modeXor:
			sig[int(pos)%size] ^= val
		case modeRaw:
			sig = raw
		case modeRawPadded:
			if len(raw) > size {
				raw = raw[:size]
			}
			sig = append(make([]byte, size-len(raw)), raw...)
		case modeNearN:
			s := new(big.Int).Add(priv.N, big.NewInt(int64(pos)-32768))
			sig = s.FillBytes(make([]byte, size))
		case modeLength:
			if pos%2 == 0 {
				sig = append([]byte{0}, sig...)
			} else {
				sig = sig[1:]
			}
		case modeMessage:
			if pos%2 == 0 {
				d = digest(h, append(msg, val))
			} else {
				d = digest(fuzzHashes[(int(hashSel)+1)%len(fuzzHashes)], msg)
			}
		case modeForgedEM:
			pub := &priv.PublicKey
			em := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, size))
			copy(em[int(pos)%size:], raw)
			em[int(pos)%size] ^= val
			m := new(big.Int).Mod(new(big.Int).SetBytes(em), pub.N)
			sig = new(big.Int).Exp(m, priv.D, pub.N).FillBytes(make([]byte, size))
		case modeDigestLen:
			if pos%2 == 0 {
				d = d[1:]
			} else {
				d = append(d, val)
			}
		}
		std, fast := verdicts(&priv.PublicKey, k, pss, h, d, sig)
		if std != fast {
			t.Fatalf("%d-bit key, %v, mode %d: crypto/rsa accepted=%v, rsafast accepted=%v\ndigest %x\nsig %s",
				priv.N.BitLen(), h, mode%numModes, std, fast, d, hex.EncodeToString(sig))
		}
		if mode%numModes == modeValid && !fast {
			t.Fatalf("%d-bit key, %v: valid signature rejected", priv.N.BitLen(), h)
		}
	})
}

// sign returns a fresh signature of d (PSS salts are random).
func sign(t *testing.T, priv *rsa.PrivateKey, pss bool, h crypto.Hash, d []byte) []byte {
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
	return sig
}
