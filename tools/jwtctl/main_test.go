package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// base is the fixed clock of every test: 2030-01-01 UTC.
var base = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

var nowFlag = strconv.FormatInt(base.Unix(), 10)

// result is what one in-process run of jwtctl gave.
type result struct {
	code           int
	stdout, stderr string
}

// jwtctl runs the tool in-process with stdin as its input.
func jwtctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// mustRun runs jwtctl and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := jwtctl(t, "", args...)
	if r.code != 0 {
		t.Fatalf("jwtctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelp_ListsEveryCommandOnOneLine(t *testing.T) {
	r := jwtctl(t, "", "help")
	if r.code != 0 {
		t.Fatalf("help: exit %d: %s", r.code, r.stderr)
	}
	for _, c := range commands() {
		n := 0
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), c.name+" ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("help lists %q on %d lines, want 1:\n%s", c.name, n, r.stdout)
		}
	}
}

func TestHelp_EveryCommandHasDashH(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			r := jwtctl(t, "", c.name, "-h")
			if r.code != 0 || !strings.Contains(r.stderr, "usage: jwtctl "+c.name) {
				t.Fatalf("%s -h: exit %d, stderr:\n%s", c.name, r.code, r.stderr)
			}
		})
	}
}

func TestRun_UnknownCommandIsAUsageError(t *testing.T) {
	r := jwtctl(t, "", "sign")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unknown command "sign"`) {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
