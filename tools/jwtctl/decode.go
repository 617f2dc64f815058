package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

func runDecode(e *env, args []string) int {
	fs := newFlags(e, "decode", "[-now UNIX] TOKEN|-")
	now := fs.Int64("now", 0, "Unix seconds taken as now for the relative times (default: the clock)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	raw, err := argOrStdin(e, fs, "TOKEN")
	if err != nil {
		return failf(e, exitUsage, "decode", "%v", err)
	}
	if err := decode(e.stdout, cleanToken(raw), clock(*now)); err != nil {
		return failf(e, exitFail, "decode", "%v", err)
	}
	return exitOK
}

// decode prints a token's parts for people. It is lenient where the filter is strict, so a
// broken token can still be looked at; the filter's own parse verdict is printed at the end.
func decode(w io.Writer, token string, now time.Time) error {
	parts := strings.Split(token, ".")
	switch {
	case len(parts) == 5:
		return fmt.Errorf("this is an encrypted token (JWE, 5 parts): only its header is readable, and the filter refuses JWE")
	case len(parts) != 3:
		return fmt.Errorf("a compact JWS has 3 dot-separated parts, this has %d", len(parts))
	}
	fmt.Fprintln(w, "UNVERIFIED: nothing below is checked; run `jwtctl check` to verify against a config")
	header, herr := segment(parts[0])
	payload, perr := segment(parts[1])
	sig, serr := segment(parts[2])
	fmt.Fprintln(w, "header:")
	printJSON(w, header, herr)
	fmt.Fprintln(w, "payload:")
	printJSON(w, payload, perr)
	if serr != nil {
		fmt.Fprintf(w, "signature: not base64url: %v\n", serr)
	} else {
		fmt.Fprintf(w, "signature: %d bytes\n", len(sig))
	}

	if perr == nil {
		var claims map[string]json.RawMessage
		if json.Unmarshal(payload, &claims) == nil {
			printed := false
			for _, name := range []string{"exp", "nbf", "iat"} {
				v, ok := claims[name]
				if !ok {
					continue
				}
				if !printed {
					fmt.Fprintf(w, "times (now %s):\n", now.Format(time.RFC3339))
					printed = true
				}
				var n json.Number
				if err := json.Unmarshal(v, &n); err != nil {
					fmt.Fprintf(w, "  %s: %s is not a number\n", name, v)
					continue
				}
				i, err := n.Int64()
				if err != nil {
					if f, ferr := n.Float64(); ferr == nil {
						i = int64(f)
					}
				}
				fmt.Fprintf(w, "  %s: %s\n", name, describeTime(i, now))
			}
			if _, ok := claims["exp"]; !ok {
				fmt.Fprintln(w, "  exp: absent (the filter rejects this unless the provider sets require_expiration: false)")
			}
		}
	}
	if _, err := jwt.Parse(token); err != nil {
		fmt.Fprintf(w, "filter parse: REFUSED: %v\n", err)
	} else {
		fmt.Fprintln(w, "filter parse: ok (signature and claims not checked)")
	}
	return nil
}

// segment decodes base64url, tolerating padding (the filter does not: its verdict says so).
func segment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// printJSON indents JSON keeping member order; anything else is shown quoted.
func printJSON(w io.Writer, b []byte, err error) {
	if err != nil {
		fmt.Fprintf(w, "  (not base64url: %v)\n", err)
		return
	}
	var out bytes.Buffer
	if json.Indent(&out, b, "  ", "  ") != nil {
		fmt.Fprintf(w, "  (not JSON) %q\n", b)
		return
	}
	fmt.Fprintf(w, "  %s\n", out.Bytes())
}
