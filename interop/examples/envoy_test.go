package examples

import (
	"testing"

	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	wasmfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tls "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	wasm "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"

	// Registered so the typed_config Any values resolve.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
)

func TestEnvoyStaticConfig(t *testing.T) {
	var b bootstrap.Bootstrap
	strict(t, "envoy/envoy.yaml", readYAML(t, "envoy/envoy.yaml"), &b)
	validateDeep(t, "envoy/envoy.yaml", &b)

	clusters := map[string]bool{}
	for _, c := range b.GetStaticResources().GetClusters() {
		clusters[c.GetName()] = true
		if c.GetName() != "keycloak" {
			continue
		}
		var up tls.UpstreamTlsContext
		if err := c.GetTransportSocket().GetTypedConfig().UnmarshalTo(&up); err != nil {
			t.Fatalf("keycloak cluster: want an UpstreamTlsContext: %v", err)
		}
		vc := up.GetCommonTlsContext().GetValidationContext()
		if up.GetSni() == "" || vc.GetTrustedCa().GetFilename() == "" || len(vc.GetMatchTypedSubjectAltNames()) == 0 {
			t.Errorf("keycloak cluster TLS: sni %q, CA %q, SANs %v; want all set", up.GetSni(), vc.GetTrustedCa().GetFilename(), vc.GetMatchTypedSubjectAltNames())
		}
	}

	var found int
	for _, l := range b.GetStaticResources().GetListeners() {
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				var m hcm.HttpConnectionManager
				if f.GetTypedConfig().UnmarshalTo(&m) != nil {
					continue
				}
				for _, hf := range m.GetHttpFilters() {
					var w wasmfilter.Wasm
					if hf.GetTypedConfig().UnmarshalTo(&w) != nil {
						continue
					}
					found++
					pc := w.GetConfig()
					if pc.GetFailurePolicy() != wasm.FailurePolicy_FAIL_CLOSED || pc.GetFailOpen() {
						t.Errorf("failure policy %v (fail_open %v), want FAIL_CLOSED", pc.GetFailurePolicy(), pc.GetFailOpen())
					}
					vm := pc.GetVmConfig()
					if vm.GetRuntime() != "envoy.wasm.runtime.v8" || vm.GetCode().GetLocal().GetFilename() == "" {
						t.Errorf("vm_config: runtime %q, local file %q; want V8 and a local file", vm.GetRuntime(), vm.GetCode().GetLocal().GetFilename())
					}
					cfg := parsePlugin(t, "envoy/envoy.yaml configuration", stringValue(t, pc.GetConfiguration()))
					for _, p := range cfg.Providers {
						if p.RemoteJWKS != nil && !clusters[p.RemoteJWKS.Cluster] {
							t.Errorf("provider %s: remote_jwks.cluster %q is not a cluster of the bootstrap", p.Name, p.RemoteJWKS.Cluster)
						}
					}
				}
			}
		}
	}
	if found != 1 {
		t.Errorf("wasm filters found: %d, want 1", found)
	}
}
