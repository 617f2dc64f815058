// Package examples checks that the configurations under examples/ load: the Envoy bootstrap with
// Envoy's own API types (go-control-plane) and their validation rules, the Istio resources with
// Istio's API types (istio.io/api), and every plugin configuration with config.Parse.
package examples

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
)

// root is the examples/ directory of the repository.
const root = "../../examples"

// readYAML returns the YAML file at path (under examples/) as JSON.
func readYAML(t *testing.T, path string) []byte {
	t.Helper()
	y, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return j
}

// strict unmarshals JSON into m, refusing unknown fields and unknown enum values.
func strict(t *testing.T, name string, data []byte, m proto.Message) {
	t.Helper()
	if err := (protojson.UnmarshalOptions{}).Unmarshal(data, m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// parsePlugin checks a plugin configuration with the parser the filter runs.
func parsePlugin(t *testing.T, name string, data []byte) *config.Config {
	t.Helper()
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatalf("%s: config.Parse: %v", name, err)
	}
	return cfg
}

// validator is what protoc-gen-validate generates for every Envoy message.
type validator interface{ ValidateAll() error }

// validateDeep runs ValidateAll on m and, since PGV does not look inside google.protobuf.Any,
// on every Any-embedded message (typed_config, transport sockets...) found under it.
func validateDeep(t *testing.T, path string, m proto.Message) {
	t.Helper()
	if v, ok := m.(validator); ok {
		if err := v.ValidateAll(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	walkAny(m.ProtoReflect(), func(a *anypb.Any) {
		inner, err := a.UnmarshalNew()
		if err != nil {
			t.Errorf("%s: %s: %v (is the extension's package imported?)", path, a.GetTypeUrl(), err)
			return
		}
		validateDeep(t, path+" > "+a.GetTypeUrl(), inner)
	})
}

func walkAny(m protoreflect.Message, f func(*anypb.Any)) {
	if a, ok := m.Interface().(*anypb.Any); ok {
		f(a)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		switch {
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				walkAny(v.List().Get(i).Message(), f)
			}
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					walkAny(mv.Message(), f)
					return true
				})
			}
		default:
			walkAny(v.Message(), f)
		}
		return true
	})
}

// stringValue returns the text of an Any holding a google.protobuf.StringValue.
func stringValue(t *testing.T, a *anypb.Any) []byte {
	t.Helper()
	var s wrapperspb.StringValue
	if err := a.UnmarshalTo(&s); err != nil {
		t.Fatalf("configuration: want a google.protobuf.StringValue: %v", err)
	}
	return []byte(s.GetValue())
}

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "scenarios", "*.json"))
	if err != nil || len(files) < 5 {
		t.Fatalf("scenario configs: %v %v, want one per guide (5)", files, err)
	}
	for _, f := range append(files, filepath.Join(root, "demo", "config.json")) {
		t.Run(strings.TrimPrefix(f, root+"/"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parsePlugin(t, f, data)
		})
	}
}
