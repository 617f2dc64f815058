package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildModule compiles pkg (relative to the repository root) with scripts/build-wasm.sh, the
// command `make build` runs, into out; args go before pkg (e.g. "-no-overlay").
func BuildModule(root, out, pkg string, args ...string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "build-wasm.sh"), append(append([]string{"-o", out}, args...), pkg)...)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/build-wasm.sh -o %s %s: %v\n%s", out, pkg, err, msg)
	}
	return nil
}

// FilterModule returns the filter's compiled module for tests: the file WASM_PATH names (what
// `make test` passes), or a fresh build of the repository at root into a temporary directory,
// which cleanup removes.
func FilterModule(root string) (wasm []byte, path string, cleanup func(), err error) {
	cleanup = func() {}
	if path = os.Getenv("WASM_PATH"); path == "" {
		dir, err := os.MkdirTemp("", "jwt-proxy-wasm-module")
		if err != nil {
			return nil, "", cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		path = filepath.Join(dir, "jwt-proxy-wasm.wasm")
		if err := BuildModule(root, path, "."); err != nil {
			return nil, "", cleanup, err
		}
	}
	wasm, err = os.ReadFile(path)
	return wasm, path, cleanup, err
}
