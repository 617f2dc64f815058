// Package wasmimage packages the filter as an OCI image that Istio's WasmPlugin can pull
// (`url: oci://...`), in the "compat" variant of the Wasm image specification: exactly one
// layer, application/vnd.oci.image.layer.v1.tar+gzip, holding the module as plugin.wasm, and
// the manifest annotation module.wasm.image/variant=compat
// (https://github.com/solo-io/wasm/blob/master/spec/spec-compat.md). Istio's image fetcher
// (istio/istio pkg/wasm/imagefetcher.go, extractOCIStandardImage) accepts it; the other
// variant (custom artifact media type application/vnd.module.wasm.content.layer.v1+wasm) needs
// two layers there and is refused by some registries, so compat is the portable choice.
// The image is reproducible: the same module gives the same digest.
package wasmimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FileName is the module's name inside the layer (the compat spec's required file).
const FileName = "plugin.wasm"

// VariantAnnotation marks an OCI-layer compat image (required by the spec for that layer type).
const VariantAnnotation = "module.wasm.image/variant"

// maxModule bounds what Extract reads (the filter is ~7 MB).
const maxModule = 64 << 20

// Build returns the image holding module.
func Build(module []byte) (v1.Image, error) {
	if len(module) < 8 || !bytes.Equal(module[:4], []byte("\x00asm")) {
		return nil, errors.New("wasmimage: not a WebAssembly module (no \\0asm header)")
	}
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	// Zero times and ids keep the layer digest a function of the module alone.
	hdr := &tar.Header{Name: FileName, Mode: 0o644, Size: int64(len(module)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(module); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := tarBuf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestCompression))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Architecture, cfg.OS = "wasm", "wasip1"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	return mutate.Annotations(img, map[string]string{VariantAnnotation: "compat"}).(v1.Image), nil
}

// Extract returns the module of a compat image, checking what Istio checks: one layer of the
// OCI tar+gzip type with a plugin.wasm in it.
func Extract(img v1.Image) ([]byte, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	if len(layers) != 1 {
		return nil, fmt.Errorf("wasmimage: %d layers, want 1", len(layers))
	}
	mt, err := layers[0].MediaType()
	if err != nil {
		return nil, err
	}
	if mt != types.OCILayer {
		return nil, fmt.Errorf("wasmimage: layer media type %s, want %s", mt, types.OCILayer)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("wasmimage: no %s in the layer", FileName)
		}
		if err != nil {
			return nil, err
		}
		if path.Base(h.Name) != FileName {
			continue
		}
		if h.Size > maxModule {
			return nil, fmt.Errorf("wasmimage: %s is %d bytes, over %d", FileName, h.Size, maxModule)
		}
		return io.ReadAll(io.LimitReader(tr, h.Size))
	}
}

// WriteLayout writes img to an OCI image layout directory (replacing what was there), tagged
// with the org.opencontainers.image.ref.name annotation; `crane push DIR REF`, `oras` or
// `skopeo copy oci:DIR docker://REF` upload it.
func WriteLayout(dir string, img v1.Image, tag string) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
}
