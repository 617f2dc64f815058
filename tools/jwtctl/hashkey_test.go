package main

import "testing"

func TestHashKey(t *testing.T) {
	// Known answer: printf %s ic_live_abc123xyz789 | sha256sum
	const knownHash = "sha256:d62a3ee5dcf80eec8151c149d7c5b4b5f18aa6c0407c732ff940e1362bc2965c\n"
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{name: "argument", args: []string{"hash-key", "ic_live_abc123xyz789"}},
		{name: "stdin with newline", args: []string{"hash-key", "-"}, stdin: "ic_live_abc123xyz789\n"},
		{name: "stdin with CRLF", args: []string{"hash-key", "-"}, stdin: "ic_live_abc123xyz789\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jwtctl(t, tc.stdin, tc.args...)
			if r.code != 0 || r.stdout != knownHash {
				t.Fatalf("exit %d, stdout %q, want %q (stderr %q)", r.code, r.stdout, knownHash, r.stderr)
			}
		})
	}
}

func TestHashKey_RefusesEmptyKey(t *testing.T) {
	if r := jwtctl(t, "\n", "hash-key", "-"); r.code != exitUsage {
		t.Fatalf("exit %d, want %d", r.code, exitUsage)
	}
}
