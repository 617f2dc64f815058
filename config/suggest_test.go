package config

import "testing"

func Test_suggest(t *testing.T) {
	known := []string{"issuer", "audiences", "remote_jwks", "local_jwks", "clock_skew_seconds"}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "missing letter", got: "isuer", want: `did you mean "issuer"?`},
		{name: "transposition", got: "audeinces", want: `did you mean "audiences"?`},
		{name: "singular", got: "remote_jwk", want: `did you mean "remote_jwks"?`},
		{name: "case", got: "Issuer", want: `did you mean "issuer"?`},
		{name: "far", got: "colour", want: "known: audiences, clock_skew_seconds, issuer, local_jwks, remote_jwks"},
		{name: "one letter is not a typo of issuer", got: "x", want: "known: audiences, clock_skew_seconds, issuer, local_jwks, remote_jwks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := suggest(tc.got, known); got != tc.want {
				t.Errorf("suggest(%q) = %q, want %q", tc.got, got, tc.want)
			}
		})
	}
}

func Test_checkSyntax(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantOff int // -1: valid
	}{
		{name: "valid", in: `{"a": [1, -2.5e3, true, false, null, "\u00e9\n"]}`, wantOff: -1},
		{name: "trailing comma in array", in: `[1,]`, wantOff: 3},
		{name: "comment", in: `{"a": 1 // x
}`, wantOff: 8},
		{name: "single quotes", in: `{'a': 1}`, wantOff: 1},
		{name: "leading zero", in: `[01]`, wantOff: 2},
		{name: "unterminated string", in: `{"a`, wantOff: 1},
		{name: "bad escape", in: `["\x"]`, wantOff: 3},
		{name: "two values", in: `{} {}`, wantOff: 3},
		{name: "invalid utf-8", in: "[\"\xff\"]", wantOff: 2},
		{name: "raw newline in string", in: "[\"a\nb\"]", wantOff: 3},
		{name: "deep nesting", in: string(make([]byte, 0)) + repeat("[", 40) + repeat("]", 40), wantOff: maxDepth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			se := checkSyntax([]byte(tc.in))
			switch {
			case tc.wantOff < 0 && se != nil:
				t.Errorf("checkSyntax() = %+v, want valid", se)
			case tc.wantOff >= 0 && se == nil:
				t.Errorf("checkSyntax() = valid, want an error at %d", tc.wantOff)
			case tc.wantOff >= 0 && se.Offset != tc.wantOff:
				t.Errorf("checkSyntax() offset = %d (%s), want %d", se.Offset, se.Msg, tc.wantOff)
			}
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
