// Command overlay writes a `go build -overlay` file that makes the Go runtime survive hosts whose
// WASI poll_oneoff answers ENOSYS or ENOTSUP (Envoy 1.33 and later until Envoy bundles
// proxy-wasm-cpp-host #533). It copies the two runtime files that throw on such an answer from
// the local GOROOT, applies the exact-match patches of patch.go, and writes
//
//	OUTDIR/netpoll_wasip1.go, OUTDIR/os_wasip1.go, OUTDIR/overlay.json
//
// It fails, naming the file and the Go version, when Go's source no longer matches (Go changed
// the runtime: re-check golang/go#78513 and PR #78522, perhaps the overlay is no longer needed).
// The repository holds only this recipe; Go's code is generated into build/ at build time.
//
// Usage: go run ./scripts/overlay -goroot DIR -goversion VERSION -out OUTDIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	goroot := flag.String("goroot", "", "GOROOT of the toolchain that builds the module (go env GOROOT)")
	goversion := flag.String("goversion", "", "its version, for messages (go env GOVERSION)")
	out := flag.String("out", "", "output directory, e.g. build/overlay/go1.26.8")
	flag.Parse()
	if *goroot == "" || *goversion == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: overlay -goroot DIR -goversion VERSION -out OUTDIR")
		os.Exit(2)
	}
	path, err := generate(*goroot, *goversion, *out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "overlay: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

// generate checks GOROOT, writes the patched files and the overlay JSON into out, and returns the
// JSON's absolute path.
func generate(goroot, goversion, out string) (string, error) {
	src := filepath.Join(goroot, "src")
	if err := checkCallers(src, goversion); err != nil {
		return "", err
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	replace := map[string]string{}
	for _, f := range runtimeFiles {
		orig := filepath.Join(src, "runtime", f.name)
		text, err := os.ReadFile(orig)
		if err != nil {
			return "", fmt.Errorf("%s (%s): %w", orig, goversion, err)
		}
		patched, err := f.apply(string(text))
		if err != nil {
			return "", fmt.Errorf("%s (%s): %w; Go's runtime changed: re-check golang/go#78513 and PR #78522 and update scripts/overlay/patch.go", orig, goversion, err)
		}
		dst := filepath.Join(out, f.name)
		if err := writeAtomic(dst, []byte(patched)); err != nil {
			return "", err
		}
		replace[orig] = dst
	}
	js, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(out, "overlay.json")
	if err := writeAtomic(dst, append(js, '\n')); err != nil {
		return "", err
	}
	return dst, nil
}

// writeAtomic writes through a temporary file and a rename, so concurrent builds (tests build
// modules in parallel) never read a half-written file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
