package config_test

import (
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// TestParse_GlobalReplyForUnmatched: without a default rule, requests no rule matches (and
// refused paths) are answered in the global reply format.
func TestParse_GlobalReplyForUnmatched(t *testing.T) {
	tests := []struct {
		name string
		cfg  string
		want policy.FormatKind
	}{
		{name: "global text", want: policy.FormatText,
			cfg: `{"reply": {"format": "text"}, "rules": [{"match": {"path": "/a"}, "reply": {"format": "json"}}]}`},
		{name: "default rule wins", want: policy.FormatJSONRPC,
			cfg: `{"reply": {"format": "text"}, "rules": [{"match": {"path": "/a"}}], "default": {"reply": {"format": "jsonrpc"}}}`},
		{name: "no reply: JSON", want: policy.FormatJSON, cfg: `{"rules": [{"match": {"path": "/a"}}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tc.cfg))
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/other", "/a%2Fb"} {
				route, _ := cfg.Policy.Match(&policy.Request{Path: path})
				if got := cfg.Policy.ReplyFormat(route).Kind; got != tc.want {
					t.Errorf("ReplyFormat(%s) = %v, want %v", path, got, tc.want)
				}
			}
			if tc.name == "global text" && cfg.Reply.Kind != policy.FormatText {
				t.Errorf("Config.Reply = %+v", cfg.Reply)
			}
		})
	}
}
