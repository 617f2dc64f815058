package jwks

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The wasm build of jwks must not link crypto/x509 (its file-system code imports WASI
// functions Envoy lacks), the proxy-wasm SDK or wazero. (encoding/json and encoding/asn1
// are linked by gjson's pretty printer and crypto/ecdsa; jwks calls neither.)
func TestWasmDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "crypto/x509", strings.HasPrefix(dep, "github.com/proxy-wasm/"),
			strings.HasPrefix(dep, "github.com/tetratelabs/wazero"):
			t.Errorf("jwks depends on %s in the wasm build", dep)
		}
	}
}
