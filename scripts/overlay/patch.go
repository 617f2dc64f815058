package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// edit replaces old by new; old must occur exactly once in the file, so a Go release that moves
// or rewrites these lines stops the build instead of producing a half-patched runtime.
type edit struct{ old, new string }

type runtimeFile struct {
	name  string
	edits []edit
}

// apply returns text with every edit applied, or an error naming the first edit that does not
// match exactly once.
func (f runtimeFile) apply(text string) (string, error) {
	for i, e := range f.edits {
		if n := strings.Count(text, e.old); n != 1 {
			return "", fmt.Errorf("patch %d of %s: expected lines found %d times, want 1:\n%s", i+1, f.name, n, e.old)
		}
		text = strings.Replace(text, e.old, e.new, 1)
	}
	return text, nil
}

const marker = "// jwt-proxy-wasm overlay (scripts/overlay): "

// runtimeFiles are the only runtime files that call poll_oneoff (checkCallers enforces it). The
// semantics follow golang/go PR #78522: ENOSYS (52) and ENOTSUP (58) mean the host has no
// poll_oneoff, which is treated as "no events" (netpoll) and "slept" (usleep). On wasip1 the
// scheduler then re-checks its timers and polls again, so a goroutine that waits for a timer
// inside a host callback busy-waits until the timer is due instead of crashing the VM; Envoy
// with cpp-host #533 (poll_oneoff succeeds with no events, without sleeping) behaves the same.
var runtimeFiles = []runtimeFile{
	{
		name: "netpoll_wasip1.go",
		edits: []edit{
			{
				old: "\nconst _EINTR = 27\n",
				new: "\nconst _EINTR = 27\n\n" +
					marker + "WASI errnos of a host without poll_oneoff.\n" +
					"const (\n\t_ENOSYS  = 52\n\t_ENOTSUP = 58\n)\n",
			},
			{
				old: "\terrno := poll_oneoff(&pollsubs[0], &evts[0], uint32(len(pollsubs)), &nevents)\n" +
					"\tif errno != 0 {\n" +
					"\t\tif errno != _EINTR {\n",
				new: "\terrno := poll_oneoff(&pollsubs[0], &evts[0], uint32(len(pollsubs)), &nevents)\n" +
					"\tif errno == _ENOSYS || errno == _ENOTSUP {\n" +
					"\t\t" + marker + "no poll_oneoff in the host: no events.\n" +
					"\t\tunlock(&mtx)\n" +
					"\t\treturn gList{}, 0\n" +
					"\t}\n" +
					"\tif errno != 0 {\n" +
					"\t\tif errno != _EINTR {\n",
			},
		},
	},
	{
		name: "os_wasip1.go",
		edits: []edit{
			{
				old: "\tif poll_oneoff(&in, &out, 1, &nevents) != 0 {\n" +
					"\t\tthrow(\"wasi_snapshot_preview1.poll_oneoff\")\n" +
					"\t}\n",
				new: "\t" + marker + "no poll_oneoff in the host: return as if slept.\n" +
					"\tif e := poll_oneoff(&in, &out, 1, &nevents); e != 0 && e != _ENOSYS && e != _ENOTSUP {\n" +
					"\t\tthrow(\"wasi_snapshot_preview1.poll_oneoff\")\n" +
					"\t}\n",
			},
		},
	},
}

// usesPollOneoff reports whether Go source imports or calls poll_oneoff; comments that merely
// mention it (time/sys_unix.go has one) do not count, //go:wasmimport directives do.
func usesPollOneoff(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.Contains(line, "poll_oneoff") {
			continue
		}
		if strings.HasPrefix(line, "//go:wasmimport") || !strings.HasPrefix(line, "//") {
			return true
		}
	}
	return false
}

// checkCallers fails when a Go source file outside runtimeFiles uses poll_oneoff: a new
// caller might throw on ENOSYS too, so the recipe must be reviewed before it is trusted.
func checkCallers(src, goversion string) error {
	want := map[string]bool{}
	for _, f := range runtimeFiles {
		want["runtime/"+f.name] = true
	}
	var found []string
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "cmd":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if usesPollOneoff(string(b)) {
			rel, _ := filepath.Rel(src, path)
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scanning %s (%s): %w", src, goversion, err)
	}
	sort.Strings(found)
	got := map[string]bool{}
	for _, f := range found {
		got[f] = true
		if !want[f] {
			return fmt.Errorf("%s (%s) also uses poll_oneoff; the overlay patches only %v: review it (golang/go#78513, PR #78522) and extend scripts/overlay/patch.go", filepath.Join(src, f), goversion, keys(want))
		}
	}
	for f := range want {
		if !got[f] {
			return fmt.Errorf("%s (%s) no longer uses poll_oneoff: Go's runtime changed, re-check golang/go#78513 and PR #78522 and update scripts/overlay/patch.go", filepath.Join(src, f), goversion)
		}
	}
	return nil
}

func keys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
