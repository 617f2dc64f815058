package policy

import (
	"slices"
	"testing"
)

func TestRequirement_Providers(t *testing.T) {
	req := &Requirement{AnyOf: []*Requirement{
		{Provider: "b"},
		{AllOf: []*Requirement{{Provider: "a"}, {Provider: "b"}, {Provider: "c"}}},
	}}
	if got, want := req.Providers(), []string{"b", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("Providers() = %q, want %q", got, want)
	}
	var none *Requirement
	if got := none.Providers(); len(got) != 0 {
		t.Errorf("nil.Providers() = %q, want none", got)
	}
}

func TestNew_ComputesRequiredProvidersOnce(t *testing.T) {
	rule := &Rule{Prefix: "/", Requires: &Requirement{AllOf: []*Requirement{{Provider: "x"}, {Provider: "y"}}}}
	if _, err := New(Options{Rules: []*Rule{rule}}); err != nil {
		t.Fatal(err)
	}
	if got, want := rule.RequiredProviders(), []string{"x", "y"}; !slices.Equal(got, want) {
		t.Errorf("RequiredProviders() = %q, want %q", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { rule.RequiredProviders() }); n != 0 {
		t.Errorf("RequiredProviders allocates %v times per call after New, want 0", n)
	}
}
