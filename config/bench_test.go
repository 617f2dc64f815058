package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
)

// thousandRules is a config the size of a large deployment: 1,000 template rules with claims.
func thousandRules() []byte {
	var b strings.Builder
	b.WriteString(`{"providers": {"idp": {"issuer": "https://idp.example.com", "remote_jwks": {"cluster": "idp", "uri": "https://idp.example.com/jwks"}}}, "rules": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"match": {"template": "/api/v%d/tenants/{tenant}/nodes", "methods": ["GET"]}, "requires": {"provider_name": "idp"},
			"claims": [{"claim": "tenants", "contains": {"capture": "tenant"}}, {"claim": "permissions", "has_permission": "nodes:read"}]}`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkParse_1000Rules(b *testing.B) {
	data := thousandRules()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := config.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
