package rsafast

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-224 and SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"encoding/binary"
	"hash"
)

// VerifyPSS verifies an RSASSA-PSS signature of digest with MGF1 over the
// same hash and a salt as long as the hash, like crypto/rsa.VerifyPSS with
// rsa.PSSSaltLengthEqualsHash (same verdicts; a bad signature is
// rsa.ErrVerification). Hashes other than SHA-224/256/384/512 go to
// crypto/rsa.
func (k *PublicKey) VerifyPSS(hash crypto.Hash, digest, sig []byte) error {
	if _, ok := digestInfo[hash]; !ok || k.std {
		return rsa.VerifyPSS(k.pub, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	em, err := k.publicOp(sig)
	if err != nil {
		return err
	}
	// RFC 8017 9.1.2 with emBits = bits-1: when bits-1 is a multiple of 8
	// the encoded message is one byte shorter than the modulus, and the
	// byte in front of it must be zero.
	emBits := k.bits - 1
	emLen := (emBits + 7) / 8
	if len(em) > emLen {
		if em[0] != 0 {
			return rsa.ErrVerification
		}
		em = em[1:]
	}
	h := hash.New()
	hLen, sLen := h.Size(), h.Size()
	// Steps 2-4: digest length, room for hash + salt + 2, trailer 0xbc.
	if len(digest) != hLen || emLen < hLen+sLen+2 || em[emLen-1] != 0xbc {
		return rsa.ErrVerification
	}
	// Step 5: EM = maskedDB || H || 0xbc.
	db, H := em[:emLen-hLen-1], em[emLen-hLen-1:emLen-1]
	// Step 6: the bits above emBits must be zero.
	topMask := byte(0xff >> (8*emLen - emBits))
	if db[0]&^topMask != 0 {
		return rsa.ErrVerification
	}
	// Steps 7-9: DB = maskedDB xor MGF1(H), top bits cleared.
	mgf1XOR(db, h, H)
	db[0] &= topMask
	// Step 10: DB = 00..00 || 01 || salt.
	ps := len(db) - sLen - 1
	for _, b := range db[:ps] {
		if b != 0 {
			return rsa.ErrVerification
		}
	}
	if db[ps] != 0x01 {
		return rsa.ErrVerification
	}
	// Steps 11-14: H = Hash(00*8 || digest || salt).
	h.Reset()
	h.Write(make([]byte, 8))
	h.Write(digest)
	h.Write(db[ps+1:])
	// Public data: a variable-time comparison leaks nothing secret.
	if !bytes.Equal(h.Sum(nil), H) {
		return rsa.ErrVerification
	}
	return nil
}

// mgf1XOR xors out with MGF1(seed) using h (RFC 8017 B.2.1).
func mgf1XOR(out []byte, h hash.Hash, seed []byte) {
	var counter [4]byte
	for done := 0; done < len(out); {
		h.Reset()
		h.Write(seed)
		h.Write(counter[:])
		for _, b := range h.Sum(nil) {
			if done == len(out) {
				break
			}
			out[done] ^= b
			done++
		}
		binary.BigEndian.PutUint32(counter[:], binary.BigEndian.Uint32(counter[:])+1)
	}
}
