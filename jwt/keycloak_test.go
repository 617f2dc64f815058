package jwt

import (
	"testing"
	"time"
)

// keycloakClaims imitates a Keycloak 2x access token (realm "demo", client "api").
func keycloakClaims() claims {
	return claims{
		"exp":                base.Add(5 * time.Minute).Unix(),
		"iat":                base.Add(-time.Minute).Unix(),
		"auth_time":          base.Add(-2 * time.Minute).Unix(),
		"jti":                "onrtac:7d3a3e0b-3f5e-4b6e-9d43-2b1c0c1f6a55",
		"iss":                testIssuer,
		"aud":                []string{"api", "account"},
		"sub":                "2a1f4a6c-1b9e-4c0e-8f3d-6d2f7b9e0c11",
		"typ":                "Bearer",
		"azp":                "web-frontend",
		"sid":                "5b7c1f20-8e1d-4a53-9b56-0f7d0e3c2a19",
		"acr":                "1",
		"allowed-origins":    []string{"https://app.example.com"},
		"realm_access":       map[string]any{"roles": []string{"default-roles-demo", "offline_access", "uma_authorization", "operator"}},
		"resource_access":    map[string]any{"api": map[string]any{"roles": []string{"read", "write"}}, "account": map[string]any{"roles": []string{"manage-account", "view-profile"}}},
		"scope":              "openid profile email",
		"email_verified":     true,
		"name":               "Jane Operator",
		"preferred_username": "jane",
		"given_name":         "Jane",
		"family_name":        "Operator",
		"email":              "jane@example.com",
	}
}

func keycloakToken(t testing.TB, alg string) string {
	t.Helper()
	k := keys(t)
	return mint(t, alg, k.signerByAlg[alg], header{"typ": "JWT", "kid": k.kidByAlg[alg]}, keycloakClaims())
}
