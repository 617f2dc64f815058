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
	tests := []struct {
		name     string
		config   string
		wantTick uint32
	}{
		{name: "local keys only", config: localConfig, wantTick: 0},
		{name: "remote keys", config: remoteConfig, wantTick: uint32(tickPeriod.Milliseconds())},
	}
	for _, tc := range tests {
		// Subtests: proxytest allows one emulator at a time (released by its reset).
		t.Run(tc.name, func(t *testing.T) {
			if got := newHost(t, tc.config, nil).GetTickPeriod(); got != tc.wantTick {
				t.Errorf("tick period = %d, want %d", got, tc.wantTick)
			}
		})
	}
}
