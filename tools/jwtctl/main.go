// Command jwtctl mints test keys and tokens, decodes tokens, hashes API keys, and explains
// what the filter would answer to a token under a given plugin configuration:
//
//	jwtctl keygen -alg ES256 -kid k1 -out-private k1.pem > jwks.json
//	jwtctl mint -key k1.pem -alg ES256 -kid k1 -iss https://idp.example.com -aud api -exp 1h
//	jwtctl decode "$TOKEN"
//	jwtctl check -config plugin.json -path /api/nodes "$TOKEN"
//	jwtctl hash-key - < key.txt
//
// It is a native tool: it may use crypto/x509 and encoding/json, which the filter may not.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes: 0 success (check: ALLOW), 1 denied or failed, 2 bad usage or a configuration
// the plugin would refuse, 3 check could not decide (remote keys or the request body not given).
const (
	exitOK        = 0
	exitFail      = 1
	exitUsage     = 2
	exitUndecided = 3
)

// command is one subcommand; each lives in a file of its own.
type command struct {
	name    string
	summary string // one line for `jwtctl help`
	run     func(env *env, args []string) int
}

// env is what a subcommand may touch: its streams. Tests run subcommands in-process with
// buffers here.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{name: "keygen", summary: "generate a signing key and print its public JWKS", run: runKeygen},
		{name: "mint", summary: "sign a token with a private key (claims from flags or JSON)", run: runMint},
		{name: "decode", summary: "print a token's header and payload, UNVERIFIED", run: runDecode},
		{name: "check", summary: "explain what the filter answers to a token under a config (ALLOW/DENY, reason, reply, hints)", run: runCheck},
		{name: "hash-key", summary: "print the sha256:<hex> digest of an API key for the config", run: runHashKey},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program: tests call it with their own arguments and streams.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			// `jwtctl help mint` is `jwtctl mint -h`.
			return run([]string{args[1], "-h"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "jwtctl: unknown command %q\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: jwtctl <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `jwtctl <command> -h` for a command's flags.")
}

// newFlags makes a subcommand's flag set that reports errors instead of exiting.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: jwtctl %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; -h prints the usage and ends the command successfully.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		return exitUsage, false
	}
	return 0, true
}

// failf prints "jwtctl <cmd>: ..." and returns code.
func failf(e *env, code int, cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "jwtctl %s: %s\n", cmd, fmt.Sprintf(format, args...))
	return code
}

// maxInputBytes bounds what is read from stdin or a file named on the command line.
const maxInputBytes = 4 << 20

// argOrStdin returns the single positional argument, or stdin's content when it is "-"
// (trailing newlines trimmed: `echo "$TOKEN" | jwtctl decode -`).
func argOrStdin(e *env, fs *flag.FlagSet, what string) (string, error) {
	if fs.NArg() != 1 {
		return "", fmt.Errorf("want exactly one %s argument (or - to read it from stdin), got %d", what, fs.NArg())
	}
	a := fs.Arg(0)
	if a != "-" {
		return a, nil
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, maxInputBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxInputBytes {
		return "", fmt.Errorf("stdin is larger than %d bytes", maxInputBytes)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// readFile reads a file named on the command line, bounded.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInputBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxInputBytes)
	}
	return b, nil
}

// cleanToken accepts what users paste: surrounding spaces and an "Authorization: Bearer " or
// "Bearer " prefix are dropped.
func cleanToken(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 14 && strings.EqualFold(s[:14], "authorization:") {
		s = strings.TrimSpace(s[14:])
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	return s
}

// multiFlag is a repeatable flag (-claim a=b -claim c=d).
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error {
	*m = append(*m, s)
	return nil
}
