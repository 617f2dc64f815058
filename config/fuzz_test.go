package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
)

// FuzzParse: Parse never panics and never returns (nil, nil); a config comes with its engine.
// Seeded from every broken config in testdata and every example scenario.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	scenarios, _ := filepath.Glob("../examples/scenarios/*.json")
	files = append(files, scenarios...)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"rules":[{"match":{"path":"/"}}]}`))
	f.Add([]byte(`{"token_cache":{"max_entries":0,"max_bytes":65536},"rules":[{"match":{"path":"/"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data)
		switch {
		case cfg == nil && err == nil:
			t.Fatal("Parse() = nil, nil")
		case cfg != nil && err != nil:
			t.Fatalf("Parse() returned a config and %v", err)
		case cfg != nil && cfg.Policy == nil:
			t.Fatal("Parse() returned a config without its policy engine")
		}
	})
}
