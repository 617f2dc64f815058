package filter

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// forbiddenTimers are the Go APIs that start the runtime's timer poller. Under Envoy 1.33's
// WASI (poll_oneoff answers ENOSYS) the next GC then kills the VM (shared/TOOLCHAIN.md).
var forbiddenTimers = map[string][]string{
	"time":    {"Sleep", "After", "AfterFunc", "NewTimer", "NewTicker", "Tick"},
	"context": {"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause"},
}

// TestNoGoTimers scans the non-test sources of filter/ and of every package of this module it
// imports (transitively) for the APIs above.
func TestNoGoTimers(t *testing.T) {
	root, module := moduleRoot(t)
	seen := map[string]bool{}
	queue := []string{module + "/filter"}
	var uses []string
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if seen[pkg] {
			continue
		}
		seen[pkg] = true
		dir := filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/"))
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package %s: no Go files in %s (%v)", pkg, dir, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			imports, found := scanTimers(t, file)
			uses = append(uses, found...)
			for _, imp := range imports {
				if strings.HasPrefix(imp, module+"/") {
					queue = append(queue, imp)
				}
			}
		}
	}
	if len(uses) > 0 {
		sort.Strings(uses)
		t.Errorf("Go timers in code that runs in the wasm VM (use the host clock and ticks instead):\n%s", strings.Join(uses, "\n"))
	}
	if !seen[module+"/filter"] || len(seen) < 2 {
		t.Errorf("scanned only %v: the import walk is broken", seen)
	}
}

// scanTimers returns a file's imports and every use of a forbidden timer API in it.
func scanTimers(t *testing.T, file string) (imports, uses []string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]string{} // local name -> forbidden package path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		imports = append(imports, path)
		if _, ok := forbiddenTimers[path]; ok {
			name := path
			if imp.Name != nil {
				name = imp.Name.Name
			}
			local[name] = path
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if path, ok := local[id.Name]; ok {
			for _, name := range forbiddenTimers[path] {
				if sel.Sel.Name == name {
					uses = append(uses, fset.Position(sel.Pos()).String()+": "+path+"."+name)
				}
			}
		}
		return true
	})
	return imports, uses
}

// moduleRoot finds go.mod above the test's directory and reads the module path.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for line := range strings.SplitSeq(string(data), "\n") {
				if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return dir, strings.TrimSpace(m)
				}
			}
			t.Fatal("go.mod has no module line")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// Test_scanTimers proves the scanner sees aliased and dot-free uses.
func Test_scanTimers(t *testing.T) {
	src := `package x
import (
	tm "time"
	"context"
)
func f(ctx context.Context) {
	tm.Sleep(1)
	_ = tm.AfterFunc
	_, _ = context.WithTimeout(ctx, 1)
	_ = tm.Now()
}
`
	file := filepath.Join(t.TempDir(), "x.go")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, uses := scanTimers(t, file)
	want := []string{"time.Sleep", "time.AfterFunc", "context.WithTimeout"}
	if len(uses) != len(want) {
		t.Fatalf("uses = %v, want %v", uses, want)
	}
	for i, w := range want {
		if !strings.HasSuffix(uses[i], w) {
			t.Errorf("uses[%d] = %q, want suffix %q", i, uses[i], w)
		}
	}
}
