package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	req := &Request{Scheme: "https", Host: "api.example.com", Path: "/api/nodes", Query: "x=1"}
	missing := Decision{Status: 401, Code: "token_missing", Message: "a bearer token is required"}
	expiredD := Decision{Status: 401, Code: "token_expired", Message: "token is expired"}
	forbidden := Decision{Status: 403, Code: "insufficient_permissions", Message: `claim "scope" lacks a required value`}
	tests := []struct {
		name       string
		d          Decision
		f          Format
		r          *Request
		wantStatus int
		wantAuth   string
		wantType   string
		wantBody   string
	}{
		{name: "missing token, realm is the URL without query", d: missing, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="https://api.example.com/api/nodes"`, wantType: "application/json",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"a bearer token is required","reason":"token_missing"}}`},
		{name: "expired token", d: expiredD, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="https://api.example.com/api/nodes", error="invalid_token"`, wantType: "application/json",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"token is expired","reason":"token_expired"}}`},
		{name: "forbidden, configured realm", d: forbidden, f: Format{Realm: "infracast"}, r: req, wantStatus: 403,
			wantAuth: `Bearer realm="infracast", error="insufficient_scope"`, wantType: "application/json",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"claim \"scope\" lacks a required value","reason":"insufficient_permissions"}}`},
		{name: "hidden details 401", d: expiredD, f: Format{HideDetails: true, Realm: "r"}, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="r", error="invalid_token"`, wantType: "application/json",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired token"}}`},
		{name: "hidden details missing", d: missing, f: Format{HideDetails: true, Realm: "r"}, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="r"`, wantType: "application/json",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"Authentication required"}}`},
		{name: "hidden details 403", d: forbidden, f: Format{HideDetails: true, Realm: "r"}, r: req, wantStatus: 403,
			wantAuth: `Bearer realm="r", error="insufficient_scope"`, wantType: "application/json",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"Insufficient permissions"}}`},
		{name: "json-rpc", d: expiredD, f: Format{Kind: FormatJSONRPC, Realm: "a2a"}, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="a2a", error="invalid_token"`, wantType: "application/json",
			wantBody: `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"token is expired","data":{"reason":"token_expired"}}}`},
		{name: "json-rpc hidden", d: forbidden, f: Format{Kind: FormatJSONRPC, Realm: "a2a", HideDetails: true}, r: req, wantStatus: 403,
			wantAuth: `Bearer realm="a2a", error="insufficient_scope"`, wantType: "application/json",
			wantBody: `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Insufficient permissions"}}`},
		{name: "text", d: forbidden, f: Format{Kind: FormatText, Realm: "r"}, r: req, wantStatus: 403,
			wantAuth: `Bearer realm="r", error="insufficient_scope"`, wantType: "text/plain; charset=utf-8",
			wantBody: "claim \"scope\" lacks a required value\nreason: insufficient_permissions\n"},
		{name: "text expired", d: expiredD, f: Format{Kind: FormatText, Realm: "r"}, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="r", error="invalid_token"`, wantType: "text/plain; charset=utf-8",
			wantBody: "token is expired\nreason: token_expired\n"},
		{name: "text hidden", d: expiredD, f: Format{Kind: FormatText, Realm: "r", HideDetails: true}, r: req, wantStatus: 401,
			wantAuth: `Bearer realm="r", error="invalid_token"`, wantType: "text/plain; charset=utf-8",
			wantBody: "Invalid or expired token\n"},
		{name: "source denial has no challenge", d: Decision{Status: 403, Code: "source_not_allowed", Message: "request source address is not allowed"}, r: req,
			wantStatus: 403, wantType: "application/json",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"request source address is not allowed","reason":"source_not_allowed"}}`},
		{name: "rejected path", d: Decision{Status: 400, Code: "path_rejected", Message: "bad"}, f: Format{HideDetails: true}, r: req,
			wantStatus: 400, wantType: "application/json", wantBody: `{"error":{"code":"BAD_REQUEST","message":"Bad request"}}`},
		{name: "body too large", d: Decision{Status: 413, Code: "body_too_large", Message: "request body is over 65536 bytes"}, f: Format{HideDetails: true}, r: req,
			wantStatus: 413, wantType: "application/json", wantBody: `{"error":{"code":"PAYLOAD_TOO_LARGE","message":"Request body too large"}}`},
		{name: "api key expired is an invalid_token", d: Decision{Status: 401, Code: "api_key_expired", Message: "API key is expired"}, f: Format{Realm: "r"}, r: req,
			wantStatus: 401, wantAuth: `Bearer realm="r", error="invalid_token"`, wantType: "application/json",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"API key is expired","reason":"api_key_expired"}}`},
		{name: "denial without status still denies", d: Decision{}, r: req, wantStatus: 403, wantType: "application/json",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"Insufficient permissions"}}`},
		{name: "realm quotes and control characters escaped", d: missing, r: &Request{Host: `h"x`, Path: "/a\\b\r\n"}, wantStatus: 401,
			wantAuth: `Bearer realm="http://h\"x/a\\b"`, wantType: "application/json",
			wantBody: `{"error":{"code":"UNAUTHORIZED","message":"a bearer token is required","reason":"token_missing"}}`},
		{name: "message escaped as JSON", d: Decision{Status: 403, Code: "insufficient_permissions", Message: "a\"b\\c\n\x01\xff"}, f: Format{Realm: "r"}, r: req,
			wantStatus: 403, wantAuth: `Bearer realm="r", error="insufficient_scope"`, wantType: "application/json",
			wantBody: `{"error":{"code":"FORBIDDEN","message":"a\"b\\c\n\u0001\ufffd","reason":"insufficient_permissions"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := Render(tc.d, tc.f, tc.r)
			if rep.Status != tc.wantStatus {
				t.Errorf("Status = %d, want %d", rep.Status, tc.wantStatus)
			}
			if got := header(rep, "www-authenticate"); got != tc.wantAuth {
				t.Errorf("www-authenticate = %q, want %q", got, tc.wantAuth)
			}
			if got := header(rep, "content-type"); got != tc.wantType {
				t.Errorf("content-type = %q, want %q", got, tc.wantType)
			}
			if string(rep.Body) != tc.wantBody {
				t.Errorf("body = %s, want %s", rep.Body, tc.wantBody)
			}
			if tc.f.Kind != FormatText && !json.Valid(rep.Body) {
				t.Errorf("body is not valid JSON: %s", rep.Body)
			}
		})
	}
}

func header(rep Reply, name string) string {
	var vals []string
	for _, h := range rep.Headers {
		if h[0] == name {
			vals = append(vals, h[1])
		}
	}
	return strings.Join(vals, "|")
}

func FuzzRender(f *testing.F) {
	f.Add("token is expired", "token_expired", "example.com", "/a")
	f.Add("a\"b\\\x00\xff", "x", "h\"", "/\r\n")
	f.Fuzz(func(t *testing.T, msg, code, host, path string) {
		for _, kind := range []FormatKind{FormatJSON, FormatJSONRPC} {
			rep := Render(Decision{Status: 401, Code: code, Message: msg}, Format{Kind: kind}, &Request{Host: host, Path: path})
			if !json.Valid(rep.Body) {
				t.Fatalf("invalid JSON: %q", rep.Body)
			}
			for _, h := range rep.Headers {
				if strings.ContainsAny(h[1], "\r\n\x00") {
					t.Fatalf("header %s breaks the line: %q", h[0], h[1])
				}
			}
		}
	})
}
