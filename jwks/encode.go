package jwks

// EncodeJWK writes k as a compact JWK object (kty, crv, key members, then kid and alg when
// set), the inverse of ParseKey. For an oct key it writes the secret ("k"): do not publish
// that. It returns nil for a key without the member its Type needs. Meant for tests and
// tools; nothing on the request path calls it.
func EncodeJWK(k *Key) []byte {
	if k == nil {
		return nil
	}
	b := make([]byte, 0, 512)
	switch {
	case k.Type == KeyRSA && k.RSA != nil && k.RSA.N != nil:
		b = append(b, `{"kty":"RSA","n":"`...)
		b = append(b, encodeB64URL(k.RSA.N.Bytes())...)
		b = append(b, `","e":"`...)
		b = append(b, encodeB64URL(bigEndian(k.RSA.E))...)
		b = append(b, '"')
	case k.Type == KeyEC && k.EC != nil:
		point, err := k.EC.Bytes() // 0x04 || x || y, each coordinate padded to the curve size
		if err != nil {
			return nil
		}
		size := (len(point) - 1) / 2
		b = append(b, `{"kty":"EC","crv":"`...)
		b = append(b, k.EC.Curve.Params().Name...) // "P-256", "P-384", "P-521": the JWK names
		b = append(b, `","x":"`...)
		b = append(b, encodeB64URL(point[1:1+size])...)
		b = append(b, `","y":"`...)
		b = append(b, encodeB64URL(point[1+size:])...)
		b = append(b, '"')
	case k.Type == KeyOKP && len(k.Ed25519) > 0:
		b = append(b, `{"kty":"OKP","crv":"Ed25519","x":"`...)
		b = append(b, encodeB64URL(k.Ed25519)...)
		b = append(b, '"')
	case k.Type == KeyOct && len(k.Secret) > 0:
		b = append(b, `{"kty":"oct","k":"`...)
		b = append(b, encodeB64URL(k.Secret)...)
		b = append(b, '"')
	default:
		return nil
	}
	if k.ID != "" {
		b = append(b, `,"kid":`...)
		b = appendJSONString(b, k.ID)
	}
	if k.Alg != "" {
		b = append(b, `,"alg":`...)
		b = appendJSONString(b, k.Alg)
	}
	return append(b, '}')
}

// EncodeJWKS writes {"keys":[...]} with EncodeJWK of each key, skipping keys it cannot encode.
func EncodeJWKS(keys ...*Key) []byte {
	b := []byte(`{"keys":[`)
	first := true
	for _, k := range keys {
		j := EncodeJWK(k)
		if j == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, j...)
	}
	return append(b, "]}"...)
}

func bigEndian(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}

// appendJSONString quotes s as a JSON string (RFC 8259 section 7): escape '"', '\\' and
// control characters; everything else, including non-ASCII UTF-8, goes through as is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
