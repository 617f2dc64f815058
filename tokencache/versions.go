package tokencache

import "github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"

// Versions numbers the key sets each provider has had, for callers whose key state has no
// version of its own: a provider seen with a different *jwks.Set than last time gets a new
// number, so the entries verified with the old keys stop matching. It keeps the current set
// referenced, so a freed set's address can never come back as "the same keys".
type Versions struct {
	byProvider map[string]*setVersion
	next       uint64
}

type setVersion struct {
	set *jwks.Set
	n   uint64
}

// Of returns the version of provider's keys when they are set. Numbers never repeat.
func (v *Versions) Of(provider string, set *jwks.Set) uint64 {
	if sv, ok := v.byProvider[provider]; ok {
		if sv.set != set {
			v.next++
			sv.set, sv.n = set, v.next
		}
		return sv.n
	}
	if v.byProvider == nil {
		v.byProvider = map[string]*setVersion{}
	}
	v.next++
	v.byProvider[provider] = &setVersion{set: set, n: v.next}
	return v.next
}
