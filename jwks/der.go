package jwks

import (
	"bytes"
	"errors"
)

// A small strict DER reader for the few structures of a public key (X.690): definite,
// minimally encoded lengths, single-byte tags. It replaces crypto/x509, whose file-system
// code pulls WASI imports Envoy lacks, and encoding/asn1's reflection.

const (
	tagInteger   = 0x02
	tagBitString = 0x03
	tagNull      = 0x05
	tagOID       = 0x06
	tagSequence  = 0x30
)

var errDER = errors.New("bad DER")

// readTLV reads one element with the given tag and returns its contents and what follows.
func readTLV(b []byte, tag byte) (content, rest []byte, err error) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, errDER
	}
	l, b := int(b[1]), b[2:]
	if l&0x80 != 0 {
		n := l & 0x7f
		// 1-3 length bytes (16 MiB) is plenty; 0 means indefinite length, which DER forbids.
		if n == 0 || n > 3 || len(b) < n || b[0] == 0 {
			return nil, nil, errDER
		}
		l = 0
		for _, c := range b[:n] {
			l = l<<8 | int(c)
		}
		if l < 0x80 { // should have used the short form
			return nil, nil, errDER
		}
		b = b[n:]
	}
	if len(b) < l {
		return nil, nil, errDER
	}
	return b[:l], b[l:], nil
}

// readUint reads a non-negative, minimally encoded INTEGER as big-endian magnitude bytes.
func readUint(b []byte) (v, rest []byte, err error) {
	v, rest, err = readTLV(b, tagInteger)
	switch {
	case err != nil:
	case len(v) == 0, v[0]&0x80 != 0:
		err = errDER // empty or negative
	case len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0:
		err = errDER // superfluous leading zero
	}
	return v, rest, err
}

// readBitString reads a BIT STRING of whole bytes (no unused bits: every key encoding is).
func readBitString(b []byte) (v, rest []byte, err error) {
	v, rest, err = readTLV(b, tagBitString)
	if err == nil && (len(v) == 0 || v[0] != 0) {
		err = errDER
	}
	if err != nil {
		return nil, nil, err
	}
	return v[1:], rest, nil
}

// Object identifiers, as DER contents bytes.
var (
	oidRSA       = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01} // 1.2.840.113549.1.1.1
	oidRSAPSS    = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a} // 1.2.840.113549.1.1.10
	oidEC        = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}             // 1.2.840.10045.2.1
	oidP256      = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}       // 1.2.840.10045.3.1.7
	oidP384      = []byte{0x2b, 0x81, 0x04, 0x00, 0x22}                         // 1.3.132.0.34
	oidP521      = []byte{0x2b, 0x81, 0x04, 0x00, 0x23}                         // 1.3.132.0.35
	oidSecp256k1 = []byte{0x2b, 0x81, 0x04, 0x00, 0x0a}                         // 1.3.132.0.10
	oidX25519    = []byte{0x2b, 0x65, 0x6e}                                     // 1.3.101.110
	oidEd25519   = []byte{0x2b, 0x65, 0x70}                                     // 1.3.101.112
	oidEd448     = []byte{0x2b, 0x65, 0x71}                                     // 1.3.101.113
	oidDSA       = []byte{0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01}             // 1.2.840.10040.4.1
)

var derNull = []byte{tagNull, 0}

func oidIs(a, b []byte) bool { return bytes.Equal(a, b) }
