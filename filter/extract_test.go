package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

var (
	bearer     = config.Source{Kind: config.FromHeader, Name: "authorization", ValuePrefix: "Bearer "}
	rawHeader  = config.Source{Kind: config.FromHeader, Name: "x-token"}
	param      = config.Source{Kind: config.FromParam, Name: "access_token"}
	cookie     = config.Source{Kind: config.FromCookie, Name: "session"}
	allSources = []config.Source{bearer, rawHeader, param, cookie}
)

func TestExtractToken(t *testing.T) {
	long := strings.Repeat("a", 101)
	tests := []struct {
		name      string
		sources   []config.Source
		headers   [][2]string
		query     string
		wantToken string
		wantWhere []config.Source
		wantErr   error
	}{
		{name: "no token anywhere", sources: allSources, headers: [][2]string{{"accept", "*/*"}}},
		{name: "bearer header", sources: allSources, headers: [][2]string{{"authorization", "Bearer abc.def.ghi"}},
			wantToken: "abc.def.ghi", wantWhere: []config.Source{bearer}},
		{name: "prefix matched case-insensitively and trimmed", sources: allSources, headers: [][2]string{{"Authorization", "bEaReR   abc.def.ghi  "}},
			wantToken: "abc.def.ghi", wantWhere: []config.Source{bearer}},
		{name: "other scheme is not ours", sources: allSources, headers: [][2]string{{"authorization", "Basic dXNlcjpwdw=="}}},
		{name: "prefix only is no token", sources: allSources, headers: [][2]string{{"authorization", "Bearer "}}},
		{name: "header without prefix", sources: allSources, headers: [][2]string{{"x-token", "tok"}},
			wantToken: "tok", wantWhere: []config.Source{rawHeader}},
		{name: "query parameter, decoded", sources: allSources, query: "a=1&access_token=ab%2Ecd&b=2",
			wantToken: "ab.cd", wantWhere: []config.Source{param}},
		{name: "cookie", sources: allSources, headers: [][2]string{{"cookie", "theme=dark; session=tok; x=1"}},
			wantToken: "tok", wantWhere: []config.Source{cookie}},
		{name: "quoted cookie value", sources: allSources, headers: [][2]string{{"cookie", `session="tok"`}},
			wantToken: "tok", wantWhere: []config.Source{cookie}},
		{name: "same token in header and query is one token", sources: allSources,
			headers: [][2]string{{"authorization", "Bearer tok"}}, query: "access_token=tok",
			wantToken: "tok", wantWhere: []config.Source{bearer, param}},
		{name: "same token twice in one header", sources: allSources,
			headers:   [][2]string{{"authorization", "Bearer tok"}, {"authorization", "Bearer tok"}},
			wantToken: "tok", wantWhere: []config.Source{bearer}},
		{name: "two different tokens in header and query", sources: allSources,
			headers: [][2]string{{"authorization", "Bearer one"}}, query: "access_token=two", wantErr: errTokenAmbiguous},
		{name: "two authorization headers with different tokens", sources: allSources,
			headers: [][2]string{{"authorization", "Bearer one"}, {"authorization", "Bearer two"}}, wantErr: errTokenAmbiguous},
		{name: "two different cookies of the same name", sources: allSources,
			headers: [][2]string{{"cookie", "session=one; session=two"}}, wantErr: errTokenAmbiguous},
		{name: "sources not configured are not read", sources: []config.Source{bearer},
			headers: [][2]string{{"x-token", "one"}}, query: "access_token=two"},
		{name: "credential header over the limit", sources: allSources,
			headers: [][2]string{{"authorization", "Bearer " + strings.Repeat("a", 200)}}, wantErr: errHeaderTooLarge},
		{name: "cookie header over the limit", sources: allSources,
			headers: [][2]string{{"cookie", "x=" + strings.Repeat("a", 200)}}, wantErr: errHeaderTooLarge},
		{name: "unrelated long header is fine", sources: allSources,
			headers: [][2]string{{"user-agent", strings.Repeat("a", 500)}}},
		{name: "token over the limit", sources: allSources, query: "access_token=" + long, wantErr: jwt.ErrTooLarge},
		{name: "token at the limit", sources: allSources, query: "access_token=" + long[:100],
			wantToken: long[:100], wantWhere: []config.Source{param}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := extractToken(tc.sources, newHeaderMap(tc.headers), tc.query, 150, 100, nil)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("extractToken() error = %v, want %v", err, tc.wantErr)
			}
			if f.token != tc.wantToken {
				t.Errorf("token = %q, want %q", f.token, tc.wantToken)
			}
			if len(f.where) != len(tc.wantWhere) {
				t.Fatalf("where = %v, want %v", f.where, tc.wantWhere)
			}
			for i := range f.where {
				if f.where[i] != tc.wantWhere[i] {
					t.Errorf("where[%d] = %v, want %v", i, f.where[i], tc.wantWhere[i])
				}
			}
		})
	}
}

func TestFound_holds(t *testing.T) {
	f := found{token: "t", where: []config.Source{{Kind: config.FromHeader, Name: "authorization", ValuePrefix: "bearer "}}}
	if !f.holds([]config.Source{bearer}) {
		t.Error("holds(bearer) = false; the prefix compares case-insensitively")
	}
	if f.holds([]config.Source{param, cookie}) {
		t.Error("holds(param, cookie) = true, want false")
	}
}

func Test_stripParams(t *testing.T) {
	names := map[string]bool{"access_token": true}
	tests := []struct {
		name string
		path string
		want string
	}{
		{name: "only param", path: "/api?access_token=x", want: "/api"},
		{name: "first of several", path: "/api?access_token=x&a=1&b=%20", want: "/api?a=1&b=%20"},
		{name: "last of several", path: "/api?a=1&access_token=x", want: "/api?a=1"},
		{name: "repeated", path: "/api?access_token=x&a=1&access_token=x", want: "/api?a=1"},
		{name: "escaped name", path: "/api?access%5Ftoken=x&a=1", want: "/api?a=1"},
		{name: "no query", path: "/api", want: "/api"},
		{name: "other params kept as sent", path: "/api?q=a+b&x", want: "/api?q=a+b&x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := stripParams(tc.path, names); got != tc.want {
				t.Errorf("stripParams(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func Test_stripCookies(t *testing.T) {
	names := map[string]bool{"session": true}
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{name: "only cookie", values: []string{"session=x"}, want: ""},
		{name: "middle", values: []string{"a=1; session=x; b=2"}, want: "a=1; b=2"},
		{name: "several headers", values: []string{"a=1", "session=x;c=3"}, want: "a=1; c=3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := stripCookies(tc.values, names); got != tc.want {
				t.Errorf("stripCookies(%q) = %q, want %q", tc.values, got, tc.want)
			}
		})
	}
}

func FuzzExtractToken(f *testing.F) {
	f.Add("Bearer a.b.c", "access_token=x&y=1", "session=z")
	f.Add("bearer    ", "%zz=%", ";;=")
	f.Fuzz(func(t *testing.T, auth, query, cookies string) {
		h := newHeaderMap([][2]string{{"authorization", auth}, {"cookie", cookies}})
		fd, err := extractToken(allSources, h, query, 1<<10, 1<<10, nil)
		if err == nil && fd.token == "" && len(fd.where) != 0 {
			t.Fatalf("no token but sources %v", fd.where)
		}
		if err == nil && fd.token != "" && len(fd.where) == 0 {
			t.Fatalf("token %q without a source", fd.token)
		}
		_ = stripParams("/p?"+query, map[string]bool{"access_token": true})
	})
}
