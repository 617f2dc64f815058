package jwks

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleRecord() *Shared {
	return &Shared{
		Version: 7, Writer: 0xfeedface, Source: jwksURL,
		FetchedAt: clock0, Expires: clock0.Add(10 * time.Minute), RefreshAt: clock0.Add(8 * time.Minute),
		RetryAt: clock0.Add(1500 * time.Millisecond), KidAt: clock0.Add(-time.Hour),
		LeaseOwner: 3, LeaseUntil: clock0.Add(6 * time.Second),
		Failures: 2, LastError: "fetch answered a status other than 200: status 503", Body: keysB,
	}
}

func TestEncodeShared_RoundTrip(t *testing.T) {
	for _, r := range []*Shared{sampleRecord(), {}, {Source: jwksURL}} {
		b := EncodeShared(r)
		got, err := DecodeShared(b, Limits{})
		if err != nil {
			t.Fatalf("DecodeShared() error = %v", err)
		}
		if !bytes.Equal(EncodeShared(got), b) || got.Version != r.Version || !got.Expires.Equal(r.Expires) ||
			got.LastError != r.LastError || !bytes.Equal(got.Body, r.Body) || got.LeaseOwner != r.LeaseOwner {
			t.Fatalf("round trip of %+v gave %+v", r, got)
		}
	}
}

func TestDecodeShared_Rejects(t *testing.T) {
	good := EncodeShared(sampleRecord())
	tests := []struct {
		name string
		b    []byte
		lim  Limits
	}{
		{name: "empty", b: nil},
		{name: "truncated header", b: good[:20]},
		{name: "truncated body", b: good[:len(good)-1]},
		{name: "trailing byte", b: append(append([]byte(nil), good...), 0)},
		{name: "other magic", b: append([]byte{'X'}, good[1:]...)},
		{name: "other format", b: append([]byte{'J', 2}, good[2:]...)},
		{name: "body over the limit", b: good, lim: Limits{MaxBytes: len(keysB) - 1}},
		{name: "a JWKS, not a record", b: keysA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r, err := DecodeShared(tc.b, tc.lim); !errors.Is(err, ErrShared) || r != nil {
				t.Fatalf("DecodeShared() = %v, %v; want ErrShared", r, err)
			}
		})
	}
}

func TestEncodeShared_ClipsTexts(t *testing.T) {
	r := &Shared{Source: strings.Repeat("s", 5000), LastError: strings.Repeat("e", 5000)}
	got, err := DecodeShared(EncodeShared(r), Limits{})
	if err != nil || len(got.Source) != maxSharedSource || len(got.LastError) != maxSharedError {
		t.Fatalf("DecodeShared() = %d, %d bytes, %v", len(got.Source), len(got.LastError), err)
	}
}

func FuzzDecodeShared(f *testing.F) {
	f.Add(EncodeShared(sampleRecord()))
	f.Add(EncodeShared(&Shared{}))
	f.Add([]byte{'J', 1})
	f.Add(keysA)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeShared(b, Limits{MaxBytes: 4096})
		if err != nil {
			if r != nil || !errors.Is(err, ErrShared) {
				t.Fatalf("DecodeShared() = %v, %v", r, err)
			}
			return
		}
		if !bytes.Equal(EncodeShared(r), b) {
			t.Fatalf("re-encoding differs")
		}
		// A record from shared data never panics the machine.
		c := newTestCache(Options{Limits: Limits{MaxBytes: 4096}})
		_, _ = c.Sync(b, clock0)
		c.Get(clock0)
		c.NextFetch(clock0)
		c.Refetch(clock0)
	})
}

// store is proxy shared data as Envoy keeps it: each set bumps the key's CAS; a set with a
// non-zero CAS that is not the current one fails.
type store struct {
	data map[string][]byte
	cas  map[string]uint32
	next uint32
}

func newStore() *store { return &store{data: map[string][]byte{}, cas: map[string]uint32{}} }

func (s *store) get(key string) ([]byte, uint32, bool) {
	b, ok := s.data[key]
	return b, s.cas[key], ok
}

func (s *store) set(key string, b []byte, cas uint32) bool {
	if cur, ok := s.cas[key]; ok && cas != 0 && cas != cur {
		return false
	}
	s.next++
	s.data[key], s.cas[key] = append([]byte(nil), b...), s.next
	return true
}

// worker drives one VM's cache the way filter/ does (the recipe in the report).
type worker struct {
	c      *Cache[*Set]
	s      *store
	key    string
	parses int
}

func newWorker(s *store, owner uint64) *worker {
	w := &worker{s: s, key: "jwt-proxy-wasm/kc/jwks"}
	w.c = NewCache(jwksURL, Options{Owner: owner, Rand: noJitter}, func(b []byte) (*Set, []error, error) {
		w.parses++
		return ParseSet(b, Limits{})
	})
	// OnPluginStart: create the record when absent (CAS 0 only here).
	if _, _, ok := s.get(w.key); !ok {
		s.set(w.key, w.c.Shared(), 0)
	}
	return w
}

// read syncs with shared data and returns the CAS to write back with.
func (w *worker) read(now time.Time) (cas uint32, changed bool) {
	b, cas, ok := w.s.get(w.key)
	if ok {
		changed, _ = w.c.Sync(b, now)
	}
	return cas, changed
}

// decide runs step (NextFetch, Get, Refetch) on a fresh read and publishes the lease it may
// take; a CAS failure means another VM got there first: re-read, nothing to dispatch.
func (w *worker) decide(now time.Time, step func() bool) (dispatch bool) {
	cas, _ := w.read(now)
	if !step() {
		return false
	}
	if !w.s.set(w.key, w.c.Shared(), cas) {
		w.read(now)
		return false
	}
	return true
}

func (w *worker) tick(now time.Time) bool {
	return w.decide(now, func() bool { _, due := w.c.NextFetch(now); return due })
}

// apply records a fetch answer, retrying on CAS conflicts from a fresh read each time.
func (w *worker) apply(t *testing.T, status int, body []byte, now time.Time) {
	for range 3 {
		cas, _ := w.read(now)
		_ = w.c.Apply(status, body, now)
		if w.s.set(w.key, w.c.Shared(), cas) {
			return
		}
	}
	t.Fatal("could not publish the fetch result")
}

func TestShared_FourWorkersFetchOnce(t *testing.T) {
	s := newStore()
	var ws []*worker
	for i := range 4 {
		ws = append(ws, newWorker(s, uint64(i+1)))
	}
	// Plugin start on every worker at the same instant, interleaved: read all, then decide.
	dispatched := 0
	var owner *worker
	cas := make([]uint32, len(ws))
	due := make([]bool, len(ws))
	for i, w := range ws {
		cas[i], _ = w.read(clock0)
	}
	for i, w := range ws {
		_, due[i] = w.c.NextFetch(clock0)
	}
	for i, w := range ws {
		if due[i] && s.set(w.key, w.c.Shared(), cas[i]) {
			dispatched++
			owner = w
		} else {
			w.read(clock0)
		}
	}
	if dispatched != 1 {
		t.Fatalf("fetches at start = %d, want 1", dispatched)
	}
	// Cold requests on every worker wait for that one fetch.
	for i, w := range ws {
		if w.decide(clock0, func() bool { _, act := w.c.Get(clock0); return act == Start }) {
			t.Fatalf("worker %d started a second fetch", i)
		}
		if _, act := w.c.Get(clock0); act != Wait {
			t.Fatalf("worker %d: Get() = %v, want wait", i, act)
		}
	}
	owner.apply(t, 200, keysA, clock0.Add(time.Second))
	// The next tick of each worker sees the new version and resumes its waiters.
	for i, w := range ws {
		_, changed := w.read(clock0.Add(2 * time.Second))
		if set, act := w.c.Get(clock0.Add(2 * time.Second)); act != Use || set.Len() != 1 || w.c.Version() != 1 {
			t.Fatalf("worker %d: Get() = %v, %v (version %d)", i, set, act, w.c.Version())
		}
		if w != owner && !changed {
			t.Fatalf("worker %d: Sync() did not report the new version", i)
		}
	}
	// Ticks every second for an hour: one fetch per refresh (at 8 min), not four.
	fetches := 0
	for sec := 2; sec <= 3600; sec++ {
		now := clock0.Add(time.Duration(sec) * time.Second)
		for _, w := range ws {
			if w.tick(now) {
				fetches++
				w.apply(t, 200, keysA, now)
			}
		}
	}
	if fetches != 7 { // at 8, 16, ..., 56 min
		t.Fatalf("refreshes in an hour = %d, want 7", fetches)
	}
	for i, w := range ws {
		if w.parses != 8 {
			t.Errorf("worker %d parsed %d times, want 8 (once per version)", i, w.parses)
		}
	}
}

func TestShared_ReparseOnlyOnVersionChange(t *testing.T) {
	s := newStore()
	a, b := newWorker(s, 1), newWorker(s, 2)
	a.tick(clock0)
	a.apply(t, 200, keysA, clock0)
	for range 5 {
		b.read(clock0.Add(time.Second))
	}
	if b.parses != 1 || a.parses != 1 {
		t.Fatalf("parses = %d (fetcher), %d (reader); want 1, 1", a.parses, b.parses)
	}
	// A failed refresh changes the record but not the body: nobody parses again.
	a.tick(clock0.Add(8 * time.Minute))
	a.apply(t, 500, nil, clock0.Add(8*time.Minute))
	b.read(clock0.Add(8 * time.Minute))
	if b.parses != 1 || b.c.Failures() != 1 || !strings.Contains(b.c.LastError().Error(), "500") {
		t.Fatalf("after a failed refresh: %d parses, %d failures, %v", b.parses, b.c.Failures(), b.c.LastError())
	}
	// Two VMs publishing the same version number (a lost CAS race) still differ by writer.
	r, _ := DecodeShared(s.data[a.key], Limits{})
	r.Writer, r.Body = 99, keysB
	s.set(a.key, EncodeShared(r), 0)
	if _, changed := b.read(clock0.Add(9 * time.Minute)); !changed || b.parses != 2 {
		t.Fatalf("same version from another writer: changed = %v, parses = %d", changed, b.parses)
	}
}

func TestShared_LeaseHolderGone(t *testing.T) {
	s := newStore()
	a, b := newWorker(s, 1), newWorker(s, 2)
	if !a.tick(clock0) {
		t.Fatal("no fetch at start")
	}
	// a's VM never answers: b waits while the lease (5 s timeout + 1 s) runs, then takes over.
	if b.tick(clock0.Add(5 * time.Second)) {
		t.Fatal("b fetched while a holds the lease")
	}
	if !b.tick(clock0.Add(6 * time.Second)) {
		t.Fatal("b did not take over the expired lease")
	}
}

func TestSync_Refuses(t *testing.T) {
	c := loaded(t, Options{}, keysA, "")
	other := EncodeShared(&Shared{Version: 9, Source: "https://other.example.com/keys", Body: keysB})
	if changed, err := c.Sync(other, clock0); !errors.Is(err, ErrShared) || changed {
		t.Fatalf("Sync(record of another URL) = %v, %v; want ErrShared", changed, err)
	}
	if _, err := c.Sync([]byte("garbage"), clock0); !errors.Is(err, ErrShared) {
		t.Fatalf("Sync(garbage) error = %v, want ErrShared", err)
	}
	bad := EncodeShared(&Shared{Version: 9, Source: jwksURL, Body: []byte(`{"keys":[]}`)})
	if _, err := c.Sync(bad, clock0); !errors.Is(err, ErrNoUsableKeys) {
		t.Fatalf("Sync(unusable body) error = %v, want ErrNoUsableKeys", err)
	}
	if set, act := c.Get(clock0); act != Use || set.Len() != 1 {
		t.Fatalf("Get() after refused syncs = %v, %v; the keys must stay", set, act)
	}
}

func TestShared_UnknownKidBurstAcrossWorkers(t *testing.T) {
	s := newStore()
	var ws []*worker
	for i := range 4 {
		ws = append(ws, newWorker(s, uint64(i+1)))
	}
	ws[0].tick(clock0)
	ws[0].apply(t, 200, keysA, clock0)
	// Random kids on every worker, 10 a second each, for 2 minutes; fetches answer at once.
	fetches := map[int]int{}
	for i := range 1200 {
		now := clock0.Add(time.Duration(i) * 100 * time.Millisecond)
		for _, w := range ws {
			if w.decide(now, func() bool { return w.c.Refetch(now) == Start }) {
				fetches[int(now.Sub(clock0)/(30*time.Second))]++
				w.apply(t, 200, keysA, now)
			}
		}
	}
	if len(fetches) != 4 {
		t.Errorf("fetch windows = %v, want 4", fetches)
	}
	for win, n := range fetches {
		if n != 1 {
			t.Errorf("window %d: %d fetches across 4 workers, want 1", win, n)
		}
	}
}

func TestShared_FailedColdFetchRejectsEverywhere(t *testing.T) {
	s := newStore()
	a, b := newWorker(s, 1), newWorker(s, 2)
	a.tick(clock0)
	b.read(clock0)
	if _, act := b.c.Get(clock0); act != Wait {
		t.Fatalf("b: Get() during a's fetch = %v, want wait", act)
	}
	a.apply(t, 0, nil, clock0.Add(5*time.Second)) // timed out
	b.read(clock0.Add(5 * time.Second))
	if _, act := b.c.Get(clock0.Add(5 * time.Second)); act != Reject {
		t.Fatalf("b: Get() after a's failure = %v, want reject (keys unavailable)", act)
	}
	if err := b.c.LastError(); err == nil || err.Error() != ErrNoResponse.Error() {
		t.Fatalf("b: LastError() = %v, want %q", err, ErrNoResponse)
	}
	// After the backoff (1 s) one of them tries again, the other waits for it.
	now := clock0.Add(6 * time.Second)
	if !b.decide(now, func() bool { _, act := b.c.Get(now); return act == Start }) {
		t.Fatal("b: no retry after the backoff")
	}
	if a.decide(now, func() bool { _, act := a.c.Get(now); return act == Start }) {
		t.Fatal("a: a second retry at the same time")
	}
}
