package examples

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// realm is the part of a Keycloak realm export the filter config depends on.
type realm struct {
	Realm string `json:"realm"`
	Roles struct {
		Realm []struct{ Name string } `json:"realm"`
	} `json:"roles"`
	Clients []struct {
		ClientID               string `json:"clientId"`
		PublicClient           bool   `json:"publicClient"`
		ServiceAccountsEnabled bool   `json:"serviceAccountsEnabled"`
		ProtocolMappers        []struct {
			ProtocolMapper string            `json:"protocolMapper"`
			Config         map[string]string `json:"config"`
		} `json:"protocolMappers"`
	} `json:"clients"`
	Users []struct {
		ServiceAccountClientID string   `json:"serviceAccountClientId"`
		RealmRoles             []string `json:"realmRoles"`
	} `json:"users"`
}

// TestKeycloak checks that the filter config fits the realm: the issuer names the realm, the
// audience is the one the audience mapper adds, the hardcoded claim and the realm role the
// rules ask for exist, and the service account holds that role.
func TestKeycloak(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "keycloak", "realm-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r realm
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "keycloak", "jwt-proxy-wasm.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := parsePlugin(t, "keycloak/jwt-proxy-wasm.json", raw)
	p := cfg.ByName["keycloak"]
	if p == nil || !strings.HasSuffix(p.Issuer, "/realms/"+r.Realm) {
		t.Fatalf("provider keycloak: issuer should end in /realms/%s: %+v", r.Realm, p)
	}
	if len(r.Clients) != 1 {
		t.Fatalf("clients: %d, want 1", len(r.Clients))
	}
	c := r.Clients[0]
	if c.PublicClient || !c.ServiceAccountsEnabled {
		t.Errorf("client %s: public %v service account %v, want a confidential client with a service account", c.ClientID, c.PublicClient, c.ServiceAccountsEnabled)
	}
	var audience, ct string
	for _, m := range c.ProtocolMappers {
		switch m.ProtocolMapper {
		case "oidc-audience-mapper":
			audience = m.Config["included.custom.audience"]
		case "oidc-hardcoded-claim-mapper":
			if m.Config["claim.name"] == "urn:inmanta:ct" && m.Config["access.token.claim"] == "true" {
				ct = m.Config["claim.value"]
			}
		}
	}
	if !slices.Contains(p.Audiences, audience) {
		t.Errorf("audience mapper adds %q, provider accepts %v", audience, p.Audiences)
	}
	if ct != "api" {
		t.Errorf("hardcoded claim urn:inmanta:ct = %q in access tokens, want api", ct)
	}
	var roles []string
	for _, role := range r.Roles.Realm {
		roles = append(roles, role.Name)
	}
	if !slices.Contains(roles, "inmanta-admin") || !strings.Contains(string(raw), `"inmanta-admin"`) {
		t.Errorf("realm roles %v: the config's inmanta-admin rule needs that role", roles)
	}
	var sa bool
	for _, u := range r.Users {
		if u.ServiceAccountClientID == c.ClientID && slices.Contains(u.RealmRoles, "inmanta-admin") {
			sa = true
		}
	}
	if !sa {
		t.Errorf("no service account user for %s with realm role inmanta-admin", c.ClientID)
	}
}
