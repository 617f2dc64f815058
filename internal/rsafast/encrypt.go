package rsafast

import "crypto/rsa"

// publicOp returns sig^65537 mod n as k.size big-endian bytes. It rejects,
// before any arithmetic, a signature whose length differs from the modulus
// length (RFC 8017 8.2.2 step 1, 8.1.2 step 1) and a representative s >= n
// (RSAVP1 step 1).
func (k *PublicKey) publicOp(sig []byte) ([]byte, error) {
	if len(sig) != k.size {
		return nil, rsa.ErrVerification
	}
	n := len(k.m.n)
	buf := make([]limb, 2*n)
	s, m := buf[:n], buf[n:]
	setBytes(s, sig)
	if !less(s, k.m.n) {
		return nil, rsa.ErrVerification
	}
	k.m.exp65537(m, s)
	em := make([]byte, k.size)
	fillBytes(em, m)
	return em, nil
}
