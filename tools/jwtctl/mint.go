package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
)

func runMint(e *env, args []string) int {
	fs := newFlags(e, "mint", "-key FILE [-alg ALG] [-kid K] [-iss I] [-aud A,B] [-sub S] [-exp 1h] [-claim name=value]... [-claims JSON]")
	keyFile := fs.String("key", "", "private key file from keygen (PEM, or base64url secret for HS*) (required)")
	alg := fs.String("alg", "", "JWS algorithm (default: from the key: RS256, ES256/384/512, EdDSA, HS256)")
	kid := fs.String("kid", "", `header "kid" (omitted when empty)`)
	typ := fs.String("typ", "JWT", `header "typ" (omitted when empty)`)
	iss := fs.String("iss", "", `"iss" (omitted when empty)`)
	aud := fs.String("aud", "", `"aud": one value gives a string, A,B an array (omitted when empty)`)
	sub := fs.String("sub", "", `"sub" (omitted when empty)`)
	exp := fs.String("exp", "1h", `"exp": duration from now (1h, -5m), Unix seconds, RFC 3339, or none`)
	nbf := fs.String("nbf", "none", `"nbf": as -exp`)
	iat := fs.String("iat", "now", `"iat": as -exp`)
	now := fs.Int64("now", 0, "Unix seconds taken as now (default: the clock)")
	var claimFlags multiFlag
	fs.Var(&claimFlags, "claim", "name=value, repeatable; value is JSON when it parses (42, true, [\"a\"]), else a string")
	claimsJSON := fs.String("claims", "", "a JSON object of claims, inline or a file name; -claim and the flags above win over it")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *keyFile == "" {
		return failf(e, exitUsage, "mint", "-key FILE is required (make one with jwtctl keygen)")
	}
	if fs.NArg() > 0 {
		return failf(e, exitUsage, "mint", "unexpected argument %q", fs.Arg(0))
	}
	data, err := readFile(*keyFile)
	if err != nil {
		return failf(e, exitUsage, "mint", "-key: %v", err)
	}
	k, err := loadPrivateKey(data)
	if err != nil {
		return failf(e, exitUsage, "mint", "-key %s: %v", *keyFile, err)
	}
	if *alg == "" {
		*alg = k.defaultAlg()
	}
	if err := k.fits(*alg); err != nil {
		return failf(e, exitUsage, "mint", "-alg: %v", err)
	}

	// Precedence: -claim, then flags given explicitly, then -claims, then flag defaults.
	// Registered claims come first in the payload, then -claims members, then -claim ones.
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var file, claims object
	if *claimsJSON != "" {
		if err := file.load(*claimsJSON); err != nil {
			return failf(e, exitUsage, "mint", "-claims: %v", err)
		}
	}
	put := func(name string, value json.RawMessage) {
		if v, ok := file.values[name]; ok && !explicit[name] {
			value = v
		}
		if value != nil {
			claims.set(name, value)
		}
	}
	t := clock(*now)
	for _, c := range []struct{ name, value string }{{"iss", *iss}, {"sub", *sub}} {
		var v json.RawMessage
		if c.value != "" {
			v = jsonString(c.value)
		}
		put(c.name, v)
	}
	var audJSON json.RawMessage
	if parts := strings.Split(*aud, ","); len(parts) == 1 && parts[0] != "" {
		audJSON = jsonString(parts[0])
	} else if len(parts) > 1 {
		b := []byte{'['}
		for i, p := range parts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, jsonString(p)...)
		}
		audJSON = append(b, ']')
	}
	put("aud", audJSON)
	for _, c := range []struct{ name, value string }{{"exp", *exp}, {"nbf", *nbf}, {"iat", *iat}} {
		v, set, err := parseTimeClaim(c.value, t)
		if err != nil {
			return failf(e, exitUsage, "mint", "-%s: %v", c.name, err)
		}
		var raw json.RawMessage
		if set {
			raw = []byte(fmt.Sprint(v))
		}
		put(c.name, raw)
	}
	for _, n := range file.names {
		if _, done := claims.values[n]; !done && !registeredClaim(n) {
			claims.set(n, file.values[n])
		}
	}
	for _, c := range claimFlags {
		name, value, ok := strings.Cut(c, "=")
		if !ok || name == "" {
			return failf(e, exitUsage, "mint", "-claim %q: want name=value", c)
		}
		claims.set(name, claimValue(value))
	}

	var header object
	header.set("alg", jsonString(*alg))
	if *typ != "" {
		header.set("typ", jsonString(*typ))
	}
	if *kid != "" {
		header.set("kid", jsonString(*kid))
	}
	tok, err := compact(k, *alg, header.json(), claims.json())
	if err != nil {
		return failf(e, exitFail, "mint", "signing: %v", err)
	}
	fmt.Fprintln(e.stdout, tok)
	return exitOK
}

func registeredClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat":
		return true
	}
	return false
}

// object is a JSON object that keeps its members in insertion order, so minted payloads read
// in a predictable order; setting a member again replaces its value in place.
type object struct {
	names  []string
	values map[string]json.RawMessage
}

func (o *object) set(name string, value json.RawMessage) {
	if o.values == nil {
		o.values = map[string]json.RawMessage{}
	}
	if _, ok := o.values[name]; !ok {
		o.names = append(o.names, name)
	}
	o.values[name] = value
}

func (o *object) json() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range o.names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(n))
		b.WriteByte(':')
		b.Write(o.values[n])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// load reads a JSON object, inline ("{...}") or from a file, keeping its member order.
func (o *object) load(arg string) error {
	data := []byte(arg)
	if !strings.HasPrefix(strings.TrimSpace(arg), "{") {
		var err error
		if data, err = readFile(arg); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("want a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("member %q: %v", tok, err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return err
		}
		o.set(tok.(string), c.Bytes())
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

// claimValue is value as JSON when it is valid JSON ("42", "true", `["a","b"]`, `"x"`),
// else value as a JSON string.
func claimValue(value string) json.RawMessage {
	if json.Valid([]byte(value)) {
		var c bytes.Buffer
		if json.Compact(&c, []byte(value)) == nil {
			return c.Bytes()
		}
	}
	return jsonString(value)
}

// jsonString quotes s without HTML escaping ("<" stays "<"), as people write claims.
func jsonString(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimRight(b.Bytes(), "\n")
}
