package rsafast

import (
	"bytes"
	"crypto"
	"crypto/rsa"
)

// digestInfo holds the DER prefix of DigestInfo for each hash (RFC 8017
// section 9.2, note 1); the digest follows it.
var digestInfo = map[crypto.Hash][]byte{
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// VerifyPKCS1v15 verifies an RSASSA-PKCS1-v1_5 signature of digest, like
// crypto/rsa.VerifyPKCS1v15 (same verdicts; a bad signature is
// rsa.ErrVerification). Hashes without a prefix above go to crypto/rsa.
//
// It computes s^e mod n and compares the whole block with the encoding it
// expects (RFC 8017 8.2.2 steps 3-4); the decrypted block is never parsed.
func (k *PublicKey) VerifyPKCS1v15(hash crypto.Hash, digest, sig []byte) error {
	prefix, ok := digestInfo[hash]
	if !ok || k.std {
		return rsa.VerifyPKCS1v15(k.pub, hash, digest, sig)
	}
	if len(digest) != hash.Size() {
		return rsa.VerifyPKCS1v15(k.pub, hash, digest, sig) // its error message
	}
	em, err := k.publicOp(sig)
	if err != nil {
		return err
	}
	// EM = 00 01 FF..FF 00 || DigestInfo; the FF run is at least 8 bytes
	// long, which holds for any key of MinBits or more.
	want := make([]byte, k.size)
	want[1] = 0x01
	tail := want[k.size-len(prefix)-len(digest):]
	for i := 2; i < len(want)-len(tail)-1; i++ {
		want[i] = 0xff
	}
	copy(tail[copy(tail, prefix):], digest)
	// Public data: a variable-time comparison leaks nothing secret.
	if !bytes.Equal(em, want) {
		return rsa.ErrVerification
	}
	return nil
}
