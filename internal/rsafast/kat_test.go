package rsafast

import (
	"bufio"
	"crypto"
	"crypto/rsa"
	"encoding/hex"
	"math/big"
	"os"
	"strings"
	"testing"
)

// TestWycheproof runs the known-answer vectors of testdata/wycheproof.txt
// (a subset of Wycheproof's RSA PKCS #1 v1.5 and PSS vectors; the file says
// where they come from and how lines read). Keys with e != 65537 check that
// New sends them to crypto/rsa.
func TestWycheproof(t *testing.T) {
	f, err := os.Open("testdata/wycheproof.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hashes := map[string]crypto.Hash{"SHA256": crypto.SHA256, "SHA384": crypto.SHA384, "SHA512": crypto.SHA512}
	var (
		file, schemeName string
		pub              *rsa.PublicKey
		k                *PublicKey
		h                crypto.Hash
		cases            int
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), " # ")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case fields[0] == "file" && len(fields) == 2:
			file = fields[1]
		case fields[0] == "key" && len(fields) == 5:
			schemeName, h = fields[1], hashes[fields[2]]
			n, e := new(big.Int).SetBytes(unhex(t, fields[3])), new(big.Int).SetBytes(unhex(t, fields[4]))
			pub = &rsa.PublicKey{N: n, E: int(e.Int64())}
			var ok bool
			k, ok = New(pub)
			if ok != (pub.E == 65537) {
				t.Fatalf("%s: New(e=%d) ok = %v", file, pub.E, ok)
			}
		case len(fields) == 4 && pub != nil && h != 0:
			cases++
			id, result := fields[0], fields[1]
			msg, sig := unhex(t, fields[2]), unhex(t, fields[3])
			if k == nil {
				continue // outside the fast path: the caller uses crypto/rsa
			}
			std, fast := verdicts(pub, k, schemeName == "pss", h, digest(h, msg), sig)
			want := map[string]bool{"valid": true, "invalid": false, "acceptable": std}[result]
			if fast != want || std != fast {
				t.Errorf("%s tcId %s (%s): rsafast accepted=%v, crypto/rsa accepted=%v", file, id, result, fast, std)
			}
		default:
			t.Fatalf("bad line %q", sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cases < 80 {
		t.Fatalf("read %d cases, want at least 80", cases)
	}
}

func unhex(t *testing.T, s string) []byte {
	if s == "-" {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
