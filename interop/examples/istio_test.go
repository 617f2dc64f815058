package examples

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"
	extensions "istio.io/api/extensions/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"
)

// resource is a Kubernetes object whose spec is an Istio API message.
type resource struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Spec       json.RawMessage `json:"spec"`
}

func loadResource(t *testing.T, path, apiVersion, kind string, spec proto.Message) {
	t.Helper()
	var r resource
	if err := json.Unmarshal(readYAML(t, path), &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if r.APIVersion != apiVersion || r.Kind != kind {
		t.Fatalf("%s: %s %s, want %s %s", path, r.APIVersion, r.Kind, apiVersion, kind)
	}
	strict(t, path, r.Spec, spec)
}

func TestIstio(t *testing.T) {
	var wp extensions.WasmPlugin
	loadResource(t, "istio/wasmplugin.yaml", "extensions.istio.io/v1alpha1", "WasmPlugin", &wp)
	var se networking.ServiceEntry
	loadResource(t, "istio/serviceentry.yaml", "networking.istio.io/v1", "ServiceEntry", &se)
	var dr networking.DestinationRule
	loadResource(t, "istio/destinationrule.yaml", "networking.istio.io/v1", "DestinationRule", &dr)

	if wp.GetPhase() != extensions.PluginPhase_AUTHN || wp.GetFailStrategy() != extensions.FailStrategy_FAIL_CLOSE ||
		wp.GetType() != extensions.PluginType_HTTP || len(wp.GetSelector().GetMatchLabels()) == 0 {
		t.Errorf("WasmPlugin: phase %v failStrategy %v type %v selector %v; want AUTHN, FAIL_CLOSE, HTTP, a selector",
			wp.GetPhase(), wp.GetFailStrategy(), wp.GetType(), wp.GetSelector())
	}
	if u := wp.GetUrl(); len(u) < 7 || u[:6] != "oci://" {
		t.Errorf("url %q, want oci://", u)
	}
	pc, err := wp.GetPluginConfig().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	cfg := parsePlugin(t, "istio/wasmplugin.yaml pluginConfig", pc)

	// The callout cluster must be the one Istio builds for the ServiceEntry's host and port,
	// and that port must be the one the DestinationRule originates TLS on.
	if len(se.GetHosts()) != 1 || len(se.GetPorts()) != 1 {
		t.Fatalf("ServiceEntry: hosts %v ports %v, want one of each", se.GetHosts(), se.GetPorts())
	}
	host, port := se.GetHosts()[0], se.GetPorts()[0].GetNumber()
	want := "outbound|" + itoa(port) + "||" + host
	for _, p := range cfg.Providers {
		if p.RemoteJWKS == nil {
			continue
		}
		if p.RemoteJWKS.Cluster != want {
			t.Errorf("provider %s: remote_jwks.cluster %q, want Istio's %q", p.Name, p.RemoteJWKS.Cluster, want)
		}
	}
	if dr.GetHost() != host {
		t.Errorf("DestinationRule host %q, want %q", dr.GetHost(), host)
	}
	var tlsOK bool
	for _, pl := range dr.GetTrafficPolicy().GetPortLevelSettings() {
		if pl.GetPort().GetNumber() == port && pl.GetTls().GetMode() == networking.ClientTLSSettings_SIMPLE && pl.GetTls().GetSni() == host {
			tlsOK = true
		}
	}
	if !tlsOK {
		t.Errorf("DestinationRule: no SIMPLE TLS with sni %s on port %d", host, port)
	}
}

func itoa(n uint32) string {
	b, _ := json.Marshal(n)
	return string(b)
}
