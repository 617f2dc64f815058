package jwt

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

func Test_scanObject(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantMembers string // name=raw;...
		wantErr     error
	}{
		{name: "empty object", in: `{}`},
		{name: "whitespace around", in: " \t\r\n{ } \n"},
		{name: "members", in: `{"a":1,"b":"x","c":[1,{"d":null}],"e":true,"f":false,"g":{"h":-0.5e+3}}`,
			wantMembers: `a=1;b="x";c=[1,{"d":null}];e=true;f=false;g={"h":-0.5e+3};`},
		{name: "escaped name", in: `{"a\u006cg":1}`, wantMembers: `a\u006cg=1;`},
		{name: "utf-8", in: `{"n":"Zoë 山田 😀"}`, wantMembers: `n="Zoë 山田 😀";`},
		{name: "all escapes", in: `{"s":"\"\\\/\b\f\n\r\t\u00e9"}`, wantMembers: `s="\"\\\/\b\f\n\r\t\u00e9";`},
		{name: "array", in: `[1]`, wantErr: errNotObject},
		{name: "string", in: `"x"`, wantErr: errNotObject},
		{name: "number", in: `1`, wantErr: errNotObject},
		{name: "empty", in: ``, wantErr: errJSONSyntax},
		{name: "truncated", in: `{"a":1`, wantErr: errJSONSyntax},
		{name: "trailing comma", in: `{"a":1,}`, wantErr: errJSONSyntax},
		{name: "trailing text", in: `{} {}`, wantErr: errJSONSyntax},
		{name: "single quotes", in: `{'a':1}`, wantErr: errJSONSyntax},
		{name: "unquoted name", in: `{a:1}`, wantErr: errJSONSyntax},
		{name: "leading zero", in: `{"a":01}`, wantErr: errJSONSyntax},
		{name: "bare minus", in: `{"a":-}`, wantErr: errJSONSyntax},
		{name: "dot without digits", in: `{"a":1.}`, wantErr: errJSONSyntax},
		{name: "exponent without digits", in: `{"a":1e}`, wantErr: errJSONSyntax},
		{name: "plus sign", in: `{"a":+1}`, wantErr: errJSONSyntax},
		{name: "NaN", in: `{"a":NaN}`, wantErr: errJSONSyntax},
		{name: "literal typo", in: `{"a":tru}`, wantErr: errJSONSyntax},
		{name: "control char in string", in: "{\"a\":\"x\ty\"}", wantErr: errJSONSyntax},
		{name: "bad escape", in: `{"a":"\x"}`, wantErr: errJSONSyntax},
		{name: "short unicode escape", in: `{"a":"\u12"}`, wantErr: errJSONSyntax},
		{name: "invalid utf-8", in: "{\"a\":\"\xff\"}", wantErr: errJSONSyntax},
		{name: "unterminated string", in: `{"a":"x}`, wantErr: errJSONSyntax},
		{name: "missing colon", in: `{"a" 1}`, wantErr: errJSONSyntax},
		{name: "missing comma in array", in: `{"a":[1 2]}`, wantErr: errJSONSyntax},
		{name: "nesting at the limit", in: `{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`, wantMembers: `a=` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `;`},
		{name: "nesting too deep", in: `{"a":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, wantErr: errJSONDepth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			err := scanObject(tc.in, func(name string, _ bool, raw string) error {
				got.WriteString(name + "=" + raw + ";")
				return nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("scanObject() error = %v, want %v", err, tc.wantErr)
			}
			if err == nil && got.String() != tc.wantMembers {
				t.Errorf("members = %s, want %s", got.String(), tc.wantMembers)
			}
		})
	}
}

// Fuzz_scanObject checks the scanner against encoding/json (test-only) on valid UTF-8.
func Fuzz_scanObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}]}`, `{"a":"\u00e9"}`, `[1]`, `{"a":1e5}`, `{"a":-0}`, `{"a":"x"}x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := scanObject(s, func(string, bool, string) error { return nil })
		if !utf8.ValidString(s) {
			// Outside strings only ASCII is legal, inside them UTF-8 is checked.
			if err == nil {
				t.Fatalf("scanObject(%q) accepted invalid UTF-8", s)
			}
			return
		}
		trimmed := strings.TrimLeft(s, " \t\r\n")
		wantOK := json.Valid([]byte(s)) && strings.HasPrefix(trimmed, "{") && depthOK(s)
		if (err == nil) != wantOK {
			t.Fatalf("scanObject(%q) error = %v, encoding/json valid object = %v", s, err, wantOK)
		}
	})
}

// depthOK reports whether s nests no deeper than maxDepth (outside strings).
func depthOK(s string) bool {
	depth, inStr, esc := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == '{' || c == '['):
			depth++
			if depth > maxDepth {
				return false
			}
		case !inStr && (c == '}' || c == ']'):
			depth--
		}
	}
	return true
}

// Fuzz_readValue: the fast paths agree with gjson.Parse on every valid JSON value.
func Fuzz_readValue(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `0`, `-0`, `123456789012345`, `1234567890123456`, `-12`, `1.5`, `1e3`, `true`, `null`, `[1]`, `{"a":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var members []string
		if scanObject(`{"v":`+raw+`}`, func(_ string, _ bool, r string) error { members = append(members, r); return nil }) != nil {
			return
		}
		got, want := readValue(members[0]), gjson.Parse(members[0])
		if got.Type != want.Type || got.Str != want.Str || got.Num != want.Num || got.Raw != want.Raw {
			t.Fatalf("readValue(%q) = %+v, gjson.Parse = %+v", raw, got, want)
		}
	})
}
