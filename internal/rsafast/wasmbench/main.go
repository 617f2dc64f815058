//go:build wasip1

// Command wasmbench is a reactor module that times rsafast against
// crypto/rsa inside wasm. The host (../wasm_test.go, build tag wasmbench)
// writes a public key, a signature and a message into the buffer returned by
// buffer(), calls setup, then alternates verify_std and verify_fast.
package main

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"unsafe"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/internal/rsafast"
)

func main() {}

var (
	buf    [64 << 10]byte
	pub    *rsa.PublicKey
	fast   *rsafast.PublicKey
	hash   crypto.Hash
	pss    bool
	digest []byte
	sig    []byte
)

// buffer returns the address of the input buffer.
//
//go:wasmexport buffer
func buffer() int32 { return int32(uintptr(unsafe.Pointer(&buf[0]))) }

// setup reads n (modLen bytes), sig (modLen bytes) and the message (msgLen
// bytes) from the buffer; alg is 0 RS256, 1 RS384, 2 RS512, 3 PS256. It
// returns 1 when both verifiers accept the signature.
//
//go:wasmexport setup
func setup(modLen, msgLen, alg int32) int32 {
	n := new(big.Int).SetBytes(buf[:modLen])
	sig = append([]byte(nil), buf[modLen:2*modLen]...)
	msg := buf[2*modLen : 2*modLen+msgLen]
	pub = &rsa.PublicKey{N: n, E: 65537}
	var ok bool
	if fast, ok = rsafast.New(pub); !ok {
		return -1
	}
	hash, pss = [...]crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA256}[alg], alg == 3
	switch hash {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		digest = d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		digest = d[:]
	default:
		d := sha512.Sum512(msg)
		digest = d[:]
	}
	if verifyStd(1) != 1 {
		return -2
	}
	if verifyFast(1) != 1 {
		return -3
	}
	return 1
}

var pssOpts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// verifyStd runs n verifications with crypto/rsa and returns how many passed.
//
//go:wasmexport verify_std
func verifyStd(n int32) (ok int32) {
	for range n {
		var err error
		if pss {
			err = rsa.VerifyPSS(pub, hash, digest, sig, pssOpts)
		} else {
			err = rsa.VerifyPKCS1v15(pub, hash, digest, sig)
		}
		if err == nil {
			ok++
		}
	}
	return ok
}

// verifyFast runs n verifications with rsafast and returns how many passed.
//
//go:wasmexport verify_fast
func verifyFast(n int32) (ok int32) {
	for range n {
		var err error
		if pss {
			err = fast.VerifyPSS(hash, digest, sig)
		} else {
			err = fast.VerifyPKCS1v15(hash, digest, sig)
		}
		if err == nil {
			ok++
		}
	}
	return ok
}

// prepare runs rsafast.New n times (the one-time key setup).
//
//go:wasmexport prepare
func prepare(n int32) int32 {
	for range n {
		rsafast.New(pub)
	}
	return n
}
