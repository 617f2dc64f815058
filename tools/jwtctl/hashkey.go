package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// hashKey is the digest the config stores for an API key instead of the key itself
// (issue 11): "sha256:" then 64 lower-case hex digits of SHA-256 over the key's bytes, exactly
// as the client sends it after "Bearer ".
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func runHashKey(e *env, args []string) int {
	fs := newFlags(e, "hash-key", "KEY|-   (prefer -: a key in argv lands in shell history and ps)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	key, err := argOrStdin(e, fs, "KEY")
	if err != nil {
		return failf(e, exitUsage, "hash-key", "%v", err)
	}
	if key == "" {
		return failf(e, exitUsage, "hash-key", "the key is empty")
	}
	fmt.Fprintln(e.stdout, hashKey(key))
	return exitOK
}
