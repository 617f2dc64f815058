package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
)

func runKeygen(e *env, args []string) int {
	fs := newFlags(e, "keygen", "-alg ALG [-kid K] [-bits 2048] -out-private FILE [-out-jwks FILE]")
	alg := fs.String("alg", "", "algorithm the key signs with: "+strings.Join(algs, " ")+" (required)")
	kid := fs.String("kid", "", `key id written into the JWKS ("kid"); pass the same to mint -kid`)
	bits := fs.Int("bits", minRSABits, "RSA modulus size, for RS*/PS*")
	outPrivate := fs.String("out-private", "", "file receiving the private key: PKCS#8 PEM, or the base64url secret for HS* (required; written with mode 0600)")
	outJWKS := fs.String("out-jwks", "", "file receiving the JWKS (default: stdout)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case *alg == "":
		return failf(e, exitUsage, "keygen", "-alg is required (%s)", strings.Join(algs, " "))
	case *outPrivate == "":
		return failf(e, exitUsage, "keygen", "-out-private FILE is required: the private key is never printed")
	case fs.NArg() > 0:
		return failf(e, exitUsage, "keygen", "unexpected argument %q", fs.Arg(0))
	}
	if err := checkAlg(*alg); err != nil {
		return failf(e, exitUsage, "keygen", "-alg: %v", err)
	}
	k, err := generate(*alg, *bits)
	if err != nil {
		return failf(e, exitUsage, "keygen", "%v", err)
	}
	priv, err := k.marshal()
	if err != nil {
		return failf(e, exitFail, "keygen", "encoding the private key: %v", err)
	}
	// O_EXCL: never overwrite a key someone may be using.
	f, err := os.OpenFile(*outPrivate, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return failf(e, exitFail, "keygen", "%v", err)
	}
	if _, err = f.Write(priv); err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		return failf(e, exitFail, "keygen", "writing %s: %v", *outPrivate, err)
	}

	set := append(jwks.EncodeJWKS(k.publicJWK(*kid, *alg)), '\n')
	if k.secret != nil {
		fmt.Fprintln(e.stderr, "jwtctl keygen: note: an HMAC JWKS holds the secret itself (\"k\"); keep it private. "+
			"The config can also take the private key file's content as local_jwks.secret.")
	}
	if *outJWKS == "" {
		_, err = e.stdout.Write(set)
	} else {
		err = os.WriteFile(*outJWKS, set, 0o644)
		if k.secret != nil && err == nil {
			err = os.Chmod(*outJWKS, 0o600)
		}
	}
	if err != nil {
		return failf(e, exitFail, "keygen", "writing the JWKS: %v", err)
	}
	return exitOK
}
