package rsafast

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

// Test keys are minted once per process and size: RSA key generation takes
// 0.1-2 s, so every test and fuzz iteration shares them.
var (
	keyMu   sync.Mutex
	keyPool = map[int]*rsa.PrivateKey{}
)

// testKey returns the shared private key of the given size in bits.
func testKey(tb testing.TB, bits int) *rsa.PrivateKey {
	tb.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyPool[bits]; ok {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		tb.Fatalf("GenerateKey(%d): %v", bits, err)
	}
	keyPool[bits] = k
	return k
}

// fastKey prepares the public half of priv, failing the test if New refuses.
// It always uses this package's arithmetic, even for keys that New hands to
// crypto/rsa natively (stdHasAsm), so the tests cover what runs in wasm.
func fastKey(tb testing.TB, priv *rsa.PrivateKey) *PublicKey {
	tb.Helper()
	k, ok := New(&priv.PublicKey)
	if !ok {
		tb.Fatalf("New refused a %d-bit key", priv.N.BitLen())
	}
	k.std = false
	return k
}

// digest hashes msg with h.
func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

var pssEqualsHash = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// verdicts returns whether crypto/rsa and the fast verifier accept sig.
func verdicts(pub *rsa.PublicKey, k *PublicKey, pss bool, h crypto.Hash, d, sig []byte) (std, fast bool) {
	if pss {
		return rsa.VerifyPSS(pub, h, d, sig, pssEqualsHash) == nil, k.VerifyPSS(h, d, sig) == nil
	}
	return rsa.VerifyPKCS1v15(pub, h, d, sig) == nil, k.VerifyPKCS1v15(h, d, sig) == nil
}
