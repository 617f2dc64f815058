package filter

import (
	"testing"

	"github.com/tidwall/gjson"
)

func Test_claimHeaderValue(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		path   string
		want   string
		wantOK bool
	}{
		{name: "string as is", json: `{"sub":"alice"}`, path: "sub", want: "alice", wantOK: true},
		{name: "number as JSON", json: `{"n":42}`, path: "n", want: "42", wantOK: true},
		{name: "array as JSON", json: `{"r":["a","b"]}`, path: "r", want: `["a","b"]`, wantOK: true},
		{name: "object as JSON", json: `{"o":{"k":1}}`, path: "o", want: `{"k":1}`, wantOK: true},
		{name: "absent", json: `{}`, path: "sub"},
		{name: "null", json: `{"sub":null}`, path: "sub"},
		{name: "newline in a string is refused", json: `{"sub":"a\r\nx-admin: true"}`, path: "sub"},
		{name: "newline inside JSON text is refused", json: "{\"o\":{\n\"k\":1}}", path: "o"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := claimHeaderValue(gjson.Get(tc.json, tc.path))
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("claimHeaderValue() = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func Test_newRequest(t *testing.T) {
	h := newHeaderMap([][2]string{{":method", "POST"}, {":path", "/a/b?x=1&y"}, {":authority", "API.Example.com:8443"},
		{":scheme", "https"}, {"X-Tid", "t1"}})
	r := newRequest(h, parseAddress("[::ffff:10.0.0.1]:443"))
	if r.Method != "POST" || r.Path != "/a/b" || r.Query != "x=1&y" || r.Host != "api.example.com:8443" || r.Scheme != "https" {
		t.Errorf("newRequest() = %+v", r)
	}
	if v, ok := r.Header("x-tid"); !ok || v != "t1" {
		t.Errorf("Header(x-tid) = %q, %v", v, ok)
	}
	if r.Source.String() != "10.0.0.1" {
		t.Errorf("Source = %v, want 10.0.0.1 (unmapped)", r.Source)
	}
	if parseAddress("not an address").IsValid() {
		t.Error("parseAddress accepted garbage")
	}
}
