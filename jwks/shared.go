package jwks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// How filter/ drives a Cache with shared data (worker in shared_test.go is the reference):
//
//	read:    b, cas := GetSharedData(key); c.Sync(b, now)          // changed: resume waiters
//	decide:  read; then NextFetch | Get | Refetch; on Start or due: // the lease is taken locally
//	         SetSharedData(key, c.Shared(), cas) ok -> dispatch; CAS mismatch -> read, someone else fetches
//	answer:  read; err := c.ApplyResponse(resp, now); SetSharedData(key, c.Shared(), cas),
//	         on CAS mismatch read and ApplyResponse again (at most 3 times); then resume waiters
//
// At plugin start create the key when absent (CAS 0, the only unconditional write). Without
// shared data skip read and the writes: the Cache alone is the state.

// Shared is the record of one remote document kept in proxy shared data, so that one worker
// fetches for all: the last good body and its version, the refresh schedule, the failure
// backoff, the unknown-kid cooldown and the fetch lease. The filter stores it under one key
// per document (name the key after the provider and a hash of the URL), reads it with its CAS
// before every decision, and writes it back with that CAS after Cache changed it.
type Shared struct {
	Version    uint64    // bumped by every good fetch; 0 = no body yet
	Writer     uint64    // Owner of the VM that stored Body: (Version, Writer) names a body
	Source     string    // URL Body came from: a record of another URL is not ours
	FetchedAt  time.Time // of Body
	Expires    time.Time // end of Body's lifetime (grace comes after)
	RefreshAt  time.Time // when the next refresh is due
	RetryAt    time.Time // no attempt before (backoff after failures)
	KidAt      time.Time // last unknown-kid refetch (cooldown)
	LeaseOwner uint64    // VM fetching now
	LeaseUntil time.Time // its lease ends (callout timeout + 1 s)
	Failures   uint32    // failed fetches in a row
	LastError  string    // why the last one failed
	Body       []byte
}

// Format bounds: a record is at most sharedHeader + maxSharedSource + maxSharedError +
// Limits.MaxBytes bytes.
const (
	sharedMagic     = 'J'
	sharedFormat    = 1
	maxSharedSource = 2048
	maxSharedError  = 256
	sharedHeader    = 2 + 8*2 + 8*6 + 8 + 4 + 2 + 2 + 4 // magic, format, ids, times, owner, failures, lengths
)

// ErrShared is the class of a shared record that cannot be used (corrupt, another format).
var ErrShared = errors.New("shared key record is unreadable")

// EncodeShared writes r in format 1: 'J', 1, then big-endian Version, Writer, FetchedAt,
// Expires, RefreshAt, RetryAt, KidAt, LeaseUntil (unix ms, 0 = unset), LeaseOwner (8 bytes),
// Failures (4), then len16+Source, len16+LastError, len32+Body. Source and LastError are
// clipped to their bounds.
func EncodeShared(r *Shared) []byte {
	src, msg := clip(r.Source, maxSharedSource), clip(r.LastError, maxSharedError)
	b := make([]byte, 0, sharedHeader+len(src)+len(msg)+len(r.Body))
	b = append(b, sharedMagic, sharedFormat)
	b = binary.BigEndian.AppendUint64(b, r.Version)
	b = binary.BigEndian.AppendUint64(b, r.Writer)
	for _, t := range []time.Time{r.FetchedAt, r.Expires, r.RefreshAt, r.RetryAt, r.KidAt, r.LeaseUntil} {
		b = binary.BigEndian.AppendUint64(b, uint64(unixMilli(t)))
	}
	b = binary.BigEndian.AppendUint64(b, r.LeaseOwner)
	b = binary.BigEndian.AppendUint32(b, r.Failures)
	b = binary.BigEndian.AppendUint16(b, uint16(len(src)))
	b = append(b, src...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(msg)))
	b = append(b, msg...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Body)))
	return append(b, r.Body...)
}

// DecodeShared reads a record written by EncodeShared. Anything else (truncated, trailing
// bytes, another format, a field over its bound, a body over lim.MaxBytes) is ErrShared.
func DecodeShared(b []byte, lim Limits) (*Shared, error) {
	lim = lim.withDefaults()
	d := decoder{b: b}
	if magic, format := d.u8(), d.u8(); d.err == nil && (magic != sharedMagic || format != sharedFormat) {
		return nil, fmt.Errorf("%w: format %q %d, want %q %d", ErrShared, magic, format, sharedMagic, sharedFormat)
	}
	r := &Shared{Version: d.u64(), Writer: d.u64()}
	for _, t := range []*time.Time{&r.FetchedAt, &r.Expires, &r.RefreshAt, &r.RetryAt, &r.KidAt, &r.LeaseUntil} {
		*t = fromUnixMilli(int64(d.u64()))
	}
	r.LeaseOwner = d.u64()
	r.Failures = uint32(d.n(4))
	r.Source = string(d.bytes(int(d.n(2)), maxSharedSource, "source"))
	r.LastError = string(d.bytes(int(d.n(2)), maxSharedError, "error"))
	if body := d.bytes(int(d.n(4)), lim.MaxBytes, "body"); len(body) > 0 {
		r.Body = append([]byte(nil), body...)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShared, d.err)
	}
	return r, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.err = errors.New("truncated")
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() byte {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u64() uint64 { return d.n(8) }

// n reads a big-endian unsigned integer of size bytes (2, 4 or 8).
func (d *decoder) n(size int) uint64 {
	v := d.take(size)
	x := uint64(0)
	for _, c := range v {
		x = x<<8 | uint64(c)
	}
	return x
}

func (d *decoder) bytes(n, limit int, what string) []byte {
	if d.err == nil && n > limit {
		d.err = fmt.Errorf("%s of %d bytes, limit %d", what, n, limit)
	}
	return d.take(n)
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Shared returns the record to write back to shared data (with the CAS it was read with)
// after NextFetch, Get, Refetch or Apply changed it.
func (c *Cache[T]) Shared() []byte { return EncodeShared(&c.rec) }

// Record returns a copy of the scheduling record (tests, debugging).
func (c *Cache[T]) Record() Shared { r := c.rec; r.Body = nil; return r }

// Sync adopts the record read from shared data. The body is parsed again only when the
// record's (Version, Writer) differs from the value in use, and changed reports that: the
// filter then resumes the requests waiting for this document. A record of another URL is
// refused with ErrShared (our next write replaces it); a body that does not parse keeps the
// current value and returns the parse error.
func (c *Cache[T]) Sync(b []byte, now time.Time) (changed bool, err error) {
	r, err := DecodeShared(b, c.opt.Limits)
	if err != nil {
		return false, err
	}
	if r.Source != c.url && r.Source != "" {
		return false, fmt.Errorf("%w: record of %q, not %q", ErrShared, r.Source, c.url)
	}
	r.Source = c.url
	c.rec = *r
	if r.Failures == 0 {
		c.lastErr = nil // another VM's success (or nothing tried yet)
	}
	if r.Version == 0 || (r.Version == c.tagVer && r.Writer == c.tagBy) {
		return false, nil
	}
	v, warnings, err := c.parse(r.Body)
	if err != nil {
		return false, err
	}
	c.adopt(v, warnings)
	return true, nil
}
