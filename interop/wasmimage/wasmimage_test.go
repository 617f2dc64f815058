package wasmimage

import (
	"bytes"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// module is a stand-in for the filter: a wasm header and 1 MiB of random bytes (the image
// format does not look inside the module).
func module(t *testing.T) []byte {
	t.Helper()
	m := make([]byte, 1<<20)
	if _, err := rand.Read(m); err != nil {
		t.Fatal(err)
	}
	copy(m, "\x00asm\x01\x00\x00\x00")
	return m
}

func TestPushPull(t *testing.T) {
	reg := httptest.NewServer(registry.New())
	defer reg.Close()
	mod := module(t)
	img, err := Build(mod)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(strings.TrimPrefix(reg.URL, "http://") + "/jwt-proxy-wasm:test")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	got, _ := pulled.Digest()
	if got != want {
		t.Errorf("pulled digest %s, pushed %s", got, want)
	}
	m, err := pulled.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON ||
		len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer || m.Annotations[VariantAnnotation] != "compat" {
		t.Errorf("manifest = %+v, want an OCI manifest with one tar+gzip layer and variant=compat", m)
	}
	back, err := Extract(pulled)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, mod) {
		t.Errorf("module pulled back: %d bytes, differs from the %d bytes pushed", len(back), len(mod))
	}
}

func TestReproducible(t *testing.T) {
	mod := module(t)
	a, _ := Build(mod)
	b, _ := Build(mod)
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two builds of one module: %s and %s", da, db)
	}
}

func TestLayout(t *testing.T) {
	mod := module(t)
	img, _ := Build(mod)
	dir := t.TempDir()
	if err := WriteLayout(dir, img, "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := p.ImageIndex()
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 {
		t.Fatalf("index has %d manifests, want 1", len(im.Manifests))
	}
	got, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Extract(got)
	if err != nil || !bytes.Equal(back, mod) {
		t.Errorf("module read back from the layout: err %v, equal %v", err, bytes.Equal(back, mod))
	}
}

func TestBuildRefusesNonWasm(t *testing.T) {
	if _, err := Build([]byte("#!/bin/sh\necho hi\n")); err == nil {
		t.Error("Build accepted a file that is not a wasm module")
	}
}
