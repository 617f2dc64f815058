// Command image packages the compiled filter as an OCI image in Istio's Wasm image format
// (package wasmimage: one tar+gzip layer holding plugin.wasm) and writes it to an OCI layout
// directory, optionally pushing it to a registry too.
//
//	go run ./cmd/image -wasm ../build/jwt-proxy-wasm.wasm -o ../build/image [-tag v0.1.0] [-push REGISTRY/REPO:TAG]
//
// A WasmPlugin then refers to it as `url: oci://REGISTRY/REPO:TAG`. Pushing uses the Docker
// credentials of the environment (~/.docker/config.json).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/interop/wasmimage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	wasm := fs.String("wasm", "build/jwt-proxy-wasm.wasm", "the compiled filter")
	out := fs.String("o", "build/image", "OCI layout directory to write")
	tag := fs.String("tag", "latest", "tag recorded in the layout")
	push := fs.String("push", "", "also push to this reference (REGISTRY/REPO:TAG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mod, err := os.ReadFile(*wasm)
	if err != nil {
		return err
	}
	img, err := wasmimage.Build(mod)
	if err != nil {
		return err
	}
	if err := wasmimage.WriteLayout(*out, img, *tag); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("image: %s (%d bytes of wasm) -> OCI layout %s, tag %s, digest %s\n", *wasm, len(mod), *out, *tag, digest)
	if *push != "" {
		ref, err := name.ParseReference(*push)
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return err
		}
		fmt.Printf("image: pushed %s@%s\n", ref.Context(), digest)
	}
	return nil
}
