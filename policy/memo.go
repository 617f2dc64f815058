package policy

import (
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
)

// DefaultMemoEntries bounds a Memo made with NewMemo(0) or used as a zero value: a few
// thousand hot (token, condition) pairs per VM; more just re-evaluate.
const DefaultMemoEntries = 4096

// Memo remembers the results of conditions that depend only on the claims: no request value
// (capture, header, query, body), no select. A verified-token cache hands back the same
// *jwt.Claims for the same token, so a cached token's claims-only conditions are evaluated
// once, then looked up (a claim read and compare is about 1-4 us per condition in wasm, a
// lookup about 0.15 us). Which conditions qualify is settled by New: rules must not change
// after it, as for the rest of the Engine.
//
// Keys are (claims pointer, condition, provider). The memo holds the *jwt.Claims in its keys,
// so the GC cannot reuse that address for other claims while a result is remembered; it pins
// at most maxEntries payloads besides the token cache's. Claims must not change once decided
// on (jwt.Claims is read-only). When full it is cleared (no eviction bookkeeping).
//
// A Memo belongs to one Engine: used with another (a new configuration), it forgets
// everything first, because Superuser, RolePermissions and identity claims are per Engine.
//
// Not safe for concurrent use: the filter keeps one per VM. The zero value is ready to use,
// with DefaultMemoEntries.
type Memo struct {
	engine  *Engine
	results map[memoKey]bool
	max     int
	clears  int
}

// memoKey names one condition's result on one principal. Provider is part of it because an
// identity condition reads the provider's identity claim.
type memoKey struct {
	claims   *jwt.Claims
	cond     *Condition
	provider string
}

// NewMemo returns a memo bounded to maxEntries results (<= 0: DefaultMemoEntries).
func NewMemo(maxEntries int) *Memo {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoEntries
	}
	return &Memo{max: maxEntries}
}

// Len is the number of remembered results.
func (m *Memo) Len() int { return len(m.results) }

// Clears counts how often the memo was full and cleared, or reset for another Engine.
func (m *Memo) Clears() int { return m.clears }

// lookup gives a remembered result; ok is false when there is none.
func (m *Memo) lookup(e *Engine, k memoKey) (holds, ok bool) {
	if m.engine != e {
		return false, false
	}
	holds, ok = m.results[k]
	return holds, ok
}

// store remembers a result, clearing the memo first when it is full or belongs to another
// Engine.
func (m *Memo) store(e *Engine, k memoKey, holds bool) {
	if m.max <= 0 {
		m.max = DefaultMemoEntries
	}
	switch {
	case m.results == nil:
		m.results = make(map[memoKey]bool, min(m.max, 64))
	case m.engine != e || len(m.results) >= m.max:
		clear(m.results)
		m.clears++
	}
	m.engine = e
	m.results[k] = holds
}

// memoizable reports whether a condition's result is a pure function of (condition,
// provider, claims) under one Engine: every value a literal, no select. Body values are
// request values, so a condition reading the body is never memoizable.
func memoizable(c *Condition) bool {
	if c.Select != nil {
		return false
	}
	for _, v := range c.Values {
		if v.Capture != "" || v.Header != "" || v.Query != "" || v.Body != "" {
			return false
		}
	}
	return !readsBody(c)
}

// memoFlags is memoizable for each of the rule's conditions, computed once by New.
func memoFlags(r *Rule) []bool {
	if len(r.Conditions) == 0 {
		return nil
	}
	flags := make([]bool, len(r.Conditions))
	for i := range r.Conditions {
		flags[i] = memoizable(&r.Conditions[i])
	}
	return flags
}
