package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goEnv returns `go env NAME` of the go command that builds the module.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestGenerate_localGOROOT applies the recipe to the Go that runs the tests: the build uses the
// same GOROOT, so a Go upgrade that breaks the recipe fails here as well as in `make build`.
func TestGenerate_localGOROOT(t *testing.T) {
	out := t.TempDir()
	path, err := generate(goEnv(t, "GOROOT"), goEnv(t, "GOVERSION"), out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	if len(ov.Replace) != len(runtimeFiles) {
		t.Fatalf("overlay replaces %d files, want %d: %s", len(ov.Replace), len(runtimeFiles), b)
	}
	for orig, patched := range ov.Replace {
		text, err := os.ReadFile(patched)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), "_ENOSYS") || !strings.Contains(string(text), marker) {
			t.Errorf("%s -> %s: patched copy does not handle ENOSYS", orig, patched)
		}
	}
}

// fakeGOROOT writes a src tree with the given files (path under src -> content).
func fakeGOROOT(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, text := range files {
		full := filepath.Join(root, "src", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// realRuntime returns the local runtime's two files, which match the recipe.
func realRuntime(t *testing.T) map[string]string {
	t.Helper()
	goroot := goEnv(t, "GOROOT")
	files := map[string]string{}
	for _, f := range runtimeFiles {
		b, err := os.ReadFile(filepath.Join(goroot, "src", "runtime", f.name))
		if err != nil {
			t.Fatal(err)
		}
		files["runtime/"+f.name] = string(b)
	}
	return files
}

func TestGenerate_refusesChangedGo(t *testing.T) {
	tests := []struct {
		name    string
		change  func(files map[string]string)
		wantErr []string // substrings the build's message must contain
	}{
		{
			name: "netpoll no longer throws the same way",
			change: func(f map[string]string) {
				f["runtime/netpoll_wasip1.go"] = strings.Replace(f["runtime/netpoll_wasip1.go"], "if errno != _EINTR {", "if errno != _EINTR && errno != 58 {", 1)
			},
			wantErr: []string{"netpoll_wasip1.go", "go9.99", "found 0 times", "#78522"},
		},
		{
			name: "usleep rewritten",
			change: func(f map[string]string) {
				f["runtime/os_wasip1.go"] = strings.Replace(f["runtime/os_wasip1.go"], `throw("wasi_snapshot_preview1.poll_oneoff")`, `return`, 1)
			},
			wantErr: []string{"os_wasip1.go", "go9.99", "found 0 times"},
		},
		{
			name: "another file calls poll_oneoff",
			change: func(f map[string]string) {
				f["syscall/fs_wasip1.go"] = "package syscall\n\n//go:wasmimport wasi_snapshot_preview1 poll_oneoff\nfunc poll_oneoff(a, b, c, d int32) int32\n"
			},
			wantErr: []string{"syscall/fs_wasip1.go", "go9.99", "also uses poll_oneoff"},
		},
		{
			name: "runtime stopped using poll_oneoff in usleep's file",
			change: func(f map[string]string) {
				f["runtime/os_wasip1.go"] = "package runtime\n"
			},
			wantErr: []string{"os_wasip1.go", "no longer uses poll_oneoff"},
		},
		{
			name: "a comment that mentions poll_oneoff is fine",
			change: func(f map[string]string) {
				f["time/sys_unix.go"] = "package time\n\n// poll_oneoff cannot be interrupted.\n"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := realRuntime(t)
			tt.change(files)
			root := fakeGOROOT(t, files)
			_, err := generate(root, "go9.99", t.TempDir())
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("generate succeeded on a changed Go runtime")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
