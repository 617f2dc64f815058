//go:build !wasm

// proxytest runs the contexts natively (its mock host does not build for wasm).

package filter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func TestPluginContext_OnPluginStart_RefusesBadConfig(t *testing.T) {
	opt := proxytestOption(`{"providers":{"kc":{"issuer":"https://kc","remote_jwks":{"uri":"https://kc/certs"}}},` +
		`"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"okta"}}]}`)
	host, reset := newEmulator(opt)
	defer reset()

	if st := host.StartPlugin(); st != types.OnPluginStartStatusFailed {
		t.Fatalf("StartPlugin() = %v, want failed", st)
	}
	logs := host.GetCriticalLogs()
	for _, want := range []string{
		"invalid plugin configuration: providers.kc.remote_jwks.cluster: required",
		"invalid plugin configuration: rules[0].requires.provider_name:",
	} {
		found := false
		for _, l := range logs {
			found = found || strings.HasPrefix(l, want)
		}
		if !found {
			t.Errorf("no critical log line starts with %q in %q", want, logs)
		}
	}
}

func Test_errorLines(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{name: "joined", err: errors.Join(errors.New("a: x"), errors.New("b: y")), want: []string{"a: x", "b: y"}},
		{name: "nested join", err: errors.Join(errors.Join(errors.New("a")), fmt.Errorf("w: %w", errors.New("b"))), want: []string{"a", "w: b"}},
		{name: "multi-line text", err: errors.New("one\n\ntwo "), want: []string{"one", "two"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errorLines(tc.err); !slices.Equal(got, tc.want) {
				t.Errorf("errorLines() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPluginContext_TickOnlyWithRemoteKeys(t *testing.T) {
	if got := newHost(t, localConfig, nil).GetTickPeriod(); got != 0 {
		t.Errorf("local keys only: tick period %d, want none", got)
	}
	if got := newHost(t, remoteConfig, nil).GetTickPeriod(); got != uint32(tickPeriod.Milliseconds()) {
		t.Errorf("remote keys: tick period %d, want %d", got, tickPeriod.Milliseconds())
	}
}
