package config_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
)

// TestGuidesDoc_ConfigsParse keeps docs/guides.md honest: every JSON block is a configuration
// that parses, once its placeholders ("sha256:<...>", "<a secret>") are filled in.
func TestGuidesDoc_ConfigsParse(t *testing.T) {
	data, err := os.ReadFile("../docs/guides.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d JSON blocks, want one per guide", len(blocks))
	}
	n := 0
	digest := regexp.MustCompile(`"sha256:<[^"]*>"`)
	placeholder := regexp.MustCompile(`"<[^"]*>"`)
	for i, b := range blocks {
		cfg := digest.ReplaceAllStringFunc(b[1], func(string) string {
			n++
			s := sha256.Sum256([]byte(strconv.Itoa(n)))
			return `"sha256:` + hex.EncodeToString(s[:]) + `"`
		})
		cfg = placeholder.ReplaceAllString(cfg, `"`+strings.Repeat("c2VjcmV0", 6)+`"`)
		if _, err := config.Parse([]byte(cfg)); err != nil {
			t.Errorf("docs/guides.md block %d:\n%v", i+1, err)
		}
	}
}
