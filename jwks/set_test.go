package jwks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Every bad key in a set is skipped with its reason, naming index and kid; the good key stays.
func TestParseSet_SkipsBadKey(t *testing.T) {
	good := obj(rsaMembers(&testKeys().rsa.PublicKey), str("kid", "good"))
	for _, tc := range badKeys() {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.jwk
			wantPrefix := "keys[1]: "
			if strings.HasPrefix(bad, "{") {
				bad = `{"kid":"bad-1",` + bad[1:]
				wantPrefix = `keys[1] (kid "bad-1"): `
				if strings.Contains(tc.jwk, `"kid":7`) { // the kid itself is the problem
					bad, wantPrefix = tc.jwk, "keys[1]: "
				}
			}
			set, skipped, err := ParseSet([]byte(jwks(good, bad)), DefaultLimits)
			if err != nil {
				t.Fatalf("ParseSet() error = %v", err)
			}
			if set.Len() != 1 || set.Keys()[0].ID != "good" {
				t.Fatalf("ParseSet() kept %d keys, want only the good one", set.Len())
			}
			if len(skipped) != 1 || !errors.Is(skipped[0], tc.wantErr) {
				t.Fatalf("ParseSet() skipped = %v, want one error wrapping %v", skipped, tc.wantErr)
			}
			if msg := skipped[0].Error(); !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, tc.wantMsg) {
				t.Fatalf("skipped[0] = %q, want prefix %q and %q", msg, wantPrefix, tc.wantMsg)
			}
		})
	}
}

func TestParseSet_Document(t *testing.T) {
	k := testKeys()
	good := obj(rsaMembers(&k.rsa.PublicKey), str("kid", "a"))
	weak := obj(rsaMembers(&k.rsa1024.PublicKey), str("kid", "w"))
	enc := obj(rsaMembers(&k.rsaB.PublicKey), str("use", "enc"))
	tests := []struct {
		name        string
		body        string
		lim         Limits
		wantKeys    int
		wantSkipped int
		wantErr     error
		wantMsg     string
	}{
		{name: "one key", body: jwks(good), wantKeys: 1},
		{name: "other top-level members ignored", body: `{"issuer":"x","keys":[` + good + `],"extra":{}}`, wantKeys: 1},
		{name: "empty body", body: "", wantErr: ErrMalformed, wantMsg: "not valid JSON"},
		{name: "not JSON", body: "<html>502 Bad Gateway</html>", wantErr: ErrMalformed, wantMsg: "not valid JSON"},
		{name: "trailing data", body: jwks(good) + " {}", wantErr: ErrMalformed, wantMsg: "not valid JSON"},
		{name: "truncated", body: jwks(good)[:100], wantErr: ErrMalformed},
		{name: "an array", body: "[" + good + "]", wantErr: ErrMalformed, wantMsg: "not a JSON object"},
		{name: "a string", body: `"keys"`, wantErr: ErrMalformed, wantMsg: "not a JSON object"},
		{name: "no keys member", body: `{"key":[]}`, wantErr: ErrMalformed, wantMsg: `no "keys" array`},
		{name: "keys is an object", body: `{"keys":` + good + `}`, wantErr: ErrMalformed, wantMsg: `no "keys" array`},
		{name: "keys is null", body: `{"keys":null}`, wantErr: ErrMalformed, wantMsg: `no "keys" array`},
		{name: "keys twice", body: `{"keys":[` + good + `],"keys":[]}`, wantErr: ErrMalformed, wantMsg: `member "keys" appears twice (ambiguous)`},
		{name: "keys twice via escape", body: `{"keys":[` + good + `],"k\u0065ys":[]}`, wantErr: ErrMalformed, wantMsg: "appears twice"},
		{name: "other member twice", body: `{"a":1,"keys":[` + good + `],"a":2}`, wantErr: ErrMalformed, wantMsg: `member "a" appears twice`},
		{name: "nesting 33 deep", body: `{"keys":[` + good + `],"x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, wantErr: ErrMalformed, wantMsg: "deeper than 32"},
		{name: "nesting 32 deep", body: `{"keys":[` + good + `],"x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`, wantKeys: 1},
		{name: "brackets in strings do not nest", body: `{"keys":[` + good + `],"x":"` + strings.Repeat("[{", 40) + `\"["}`, wantKeys: 1},
		{name: "empty keys", body: `{"keys":[]}`, wantErr: ErrNoUsableKeys, wantMsg: "empty"},
		{name: "only bad keys", body: jwks(weak, enc), wantSkipped: 2, wantErr: ErrKeyWeak, wantMsg: `key set has no usable key: keys[0] (kid "w"): key is too weak`},
		{name: "only bad keys wraps every reason", body: jwks(weak, enc), wantSkipped: 2, wantErr: ErrKeyUnsupported, wantMsg: `keys[1]: key is unsupported: use "enc"`},
		{name: "bad and good keys", body: jwks(weak, good, enc), wantKeys: 1, wantSkipped: 2},
		{name: "at MaxKeys", body: jwks(good, good, good), lim: Limits{MaxKeys: 3}, wantKeys: 3},
		{name: "over MaxKeys", body: jwks(good, good, good, good), lim: Limits{MaxKeys: 3}, wantErr: ErrTooManyKeys, wantMsg: "4 keys, limit 3"},
		{name: "over MaxKeys counts bad entries", body: jwks(good, "1", "2", "3"), lim: Limits{MaxKeys: 3}, wantErr: ErrTooManyKeys},
		{name: "at MaxBytes", body: jwks(good), lim: Limits{MaxBytes: len(jwks(good))}, wantKeys: 1},
		{name: "over MaxBytes", body: jwks(good), lim: Limits{MaxBytes: len(jwks(good)) - 1}, wantErr: ErrTooLarge, wantMsg: fmt.Sprintf("%d bytes, limit %d", len(jwks(good)), len(jwks(good))-1)},
		{name: "over MaxBytes checked before parsing", body: "not json" + strings.Repeat(" ", 100), lim: Limits{MaxBytes: 10}, wantErr: ErrTooLarge},
		{name: "zero Limits use defaults", body: `{"keys":[],"pad":"` + strings.Repeat("a", DefaultLimits.MaxBytes) + `"}`, lim: Limits{}, wantErr: ErrTooLarge, wantMsg: "limit 262144"},
		{name: "zero MaxKeys uses default", body: jwks(strings.Repeat(good+",", DefaultLimits.MaxKeys) + good), lim: Limits{MaxBytes: 1 << 30}, wantErr: ErrTooManyKeys, wantMsg: "101 keys, limit 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, skipped, err := ParseSet([]byte(tc.body), tc.lim)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ParseSet() error = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if set != nil {
					t.Fatalf("ParseSet() returned a set with error %v", err)
				}
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("ParseSet() error = %q, want it to contain %q", err, tc.wantMsg)
				}
			} else if set.Len() != tc.wantKeys {
				t.Fatalf("ParseSet() kept %d keys, want %d", set.Len(), tc.wantKeys)
			}
			if len(skipped) != tc.wantSkipped {
				t.Fatalf("ParseSet() skipped %v, want %d", skipped, tc.wantSkipped)
			}
		})
	}
}

func TestParseSet_KeepsOrderAndDuplicateKids(t *testing.T) {
	k := testKeys()
	body := jwks(
		obj(rsaMembers(&k.rsa.PublicKey), str("kid", "same")),
		obj(ecMembers(&k.p256.PublicKey), str("kid", "same")),
		obj(edMembers(edPub(k.ed))),
	)
	set, skipped, err := ParseSet([]byte(body), DefaultLimits)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("ParseSet() = %v, %v", skipped, err)
	}
	var got []KeyType
	for _, key := range set.Keys() {
		got = append(got, key.Type)
	}
	if fmt.Sprint(got) != fmt.Sprint([]KeyType{KeyRSA, KeyEC, KeyOKP}) {
		t.Fatalf("key types = %v, want RSA, EC, OKP in document order", got)
	}
}
