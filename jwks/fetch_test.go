package jwks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var clock0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// Jitter sources: none (the deterministic schedule) and the most a draw can take.
func noJitter(int64) int64    { return 0 }
func maxJitter(n int64) int64 { return n - 1 }

// keysA and keysB are two good key sets (oct keys parse fast), told apart by kid.
var (
	keysA = []byte(jwks(obj(octMembers(secret(32)), str("kid", "a"))))
	keysB = []byte(jwks(obj(octMembers(secret(32)), str("kid", "a")), obj(octMembers(secret(48)), str("kid", "b"))))
)

const jwksURL = "https://idp.example.com/certs"

func newTestCache(opt Options) *Cache[*Set] {
	if opt.Rand == nil {
		opt.Rand = noJitter
	}
	return NewKeyCache(jwksURL, opt)
}

// loaded returns a cache whose first fetch (at clock0) succeeded with body and cacheControl.
func loaded(t *testing.T, opt Options, body []byte, cacheControl string) *Cache[*Set] {
	t.Helper()
	c := newTestCache(opt)
	if _, due := c.NextFetch(clock0); !due {
		t.Fatal("NextFetch() on an empty cache: not due")
	}
	if err := c.ApplyResponse(Response{Status: 200, Body: body, CacheControl: cacheControl}, clock0); err != nil {
		t.Fatalf("Apply() error = %v", err)
	}
	return c
}

func TestCache_ColdStart(t *testing.T) {
	c := newTestCache(Options{})
	if got := c.State(clock0); got != StateEmpty {
		t.Fatalf("State() = %v, want empty", got)
	}
	url, due := c.NextFetch(clock0)
	if url != jwksURL || !due {
		t.Fatalf("NextFetch() = %q, %v; want %q, true", url, due, jwksURL)
	}
	if _, due := c.NextFetch(clock0); due {
		t.Fatal("NextFetch() is due twice while the first fetch is in flight")
	}
	if _, act := c.Get(clock0.Add(time.Second)); act != Wait {
		t.Fatalf("Get() during the first fetch = %v, want wait", act)
	}
	if got := c.State(clock0); got != StateFetching {
		t.Fatalf("State() = %v, want fetching", got)
	}
	if err := c.Apply(200, keysA, clock0.Add(2*time.Second)); err != nil {
		t.Fatalf("Apply() error = %v", err)
	}
	set, act := c.Get(clock0.Add(2 * time.Second))
	if act != Use || set.Len() != 1 || c.Version() != 1 {
		t.Fatalf("Get() after the fetch = %v (%v keys, version %d), want use 1 key version 1", act, set, c.Version())
	}
}

func TestCache_ConcurrentJoiners(t *testing.T) {
	c := newTestCache(Options{})
	var got []Action
	for i := range 5 {
		_, act := c.Get(clock0.Add(time.Duration(i) * time.Millisecond))
		got = append(got, act)
	}
	if want := []Action{Start, Wait, Wait, Wait, Wait}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Get() x5 = %v, want %v", got, want)
	}
	// The fetch is lost (its context went away without a callback): the lease ends after
	// Timeout + 1 s and the next request starts another.
	if _, act := c.Get(clock0.Add(6 * time.Second)); act != Start {
		t.Fatalf("Get() after the lease ended = %v, want start", act)
	}
}

func TestCache_RefreshBeforeExpiry(t *testing.T) {
	tests := []struct {
		name    string
		jitter  func(int64) int64
		at      time.Duration
		wantDue bool
	}{
		{name: "before 80% of 10 min", jitter: noJitter, at: 8*time.Minute - time.Millisecond, wantDue: false},
		{name: "at 80% of 10 min", jitter: noJitter, at: 8 * time.Minute, wantDue: true},
		{name: "most jitter: before 70%", jitter: maxJitter, at: 7*time.Minute - time.Millisecond, wantDue: false},
		{name: "most jitter: at 70%", jitter: maxJitter, at: 7 * time.Minute, wantDue: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := loaded(t, Options{Rand: tc.jitter}, keysA, "")
			if _, due := c.NextFetch(clock0.Add(tc.at)); due != tc.wantDue {
				t.Fatalf("NextFetch(+%v) due = %v, want %v", tc.at, due, tc.wantDue)
			}
			if got := c.State(clock0.Add(tc.at)); got != StateFresh {
				t.Fatalf("State() = %v, want fresh", got)
			}
		})
	}
}

func TestCache_MaxAgeBounds(t *testing.T) {
	tests := []struct {
		name         string
		cacheControl string
		opt          Options
		wantLifetime time.Duration
	}{
		{name: "no header: cache_duration", wantLifetime: 10 * time.Minute},
		{name: "no header: configured cache_duration", opt: Options{CacheDuration: 3 * time.Hour}, wantLifetime: 3 * time.Hour},
		{name: "max-age", cacheControl: "public, max-age=300", wantLifetime: 5 * time.Minute},
		{name: "max-age below the floor", cacheControl: "max-age=5", wantLifetime: 30 * time.Second},
		{name: "max-age=0", cacheControl: "max-age=0", wantLifetime: 30 * time.Second},
		{name: "max-age above the ceiling", cacheControl: "max-age=999999999999999999999", wantLifetime: 24 * time.Hour},
		{name: "configured bounds", cacheControl: "max-age=7200", opt: Options{MinCache: time.Minute, MaxCache: time.Hour}, wantLifetime: time.Hour},
		{name: "s-maxage wins for a shared cache", cacheControl: "max-age=60, s-maxage=120", wantLifetime: 2 * time.Minute},
		{name: "no-store: the floor", cacheControl: "no-store", wantLifetime: 30 * time.Second},
		{name: "no-cache beats max-age", cacheControl: "max-age=600, No-Cache", wantLifetime: 30 * time.Second},
		{name: "case, spaces and quotes", cacheControl: ` MAX-AGE = "120" `, wantLifetime: 2 * time.Minute},
		{name: "first max-age counts", cacheControl: "max-age=60, max-age=600", wantLifetime: time.Minute},
		{name: "invalid max-age ignored", cacheControl: "max-age=-1, max-age=abc, max-age=", wantLifetime: 10 * time.Minute},
		{name: "private is no limit for us", cacheControl: "private, max-age=90", wantLifetime: 90 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := loaded(t, tc.opt, keysA, tc.cacheControl)
			if got := c.Record().Expires.Sub(clock0); got != tc.wantLifetime {
				t.Fatalf("lifetime = %v, want %v", got, tc.wantLifetime)
			}
			end := clock0.Add(tc.wantLifetime)
			if c.State(end.Add(-time.Millisecond)) != StateFresh || c.State(end) != StateStale {
				t.Fatalf("State() around the end of life = %v, %v; want fresh, stale", c.State(end.Add(-time.Millisecond)), c.State(end))
			}
		})
	}
}

// fail makes the due fetch at now fail with a 503.
func fail(t *testing.T, c *Cache[*Set], now time.Time) {
	t.Helper()
	if _, due := c.NextFetch(now); !due {
		t.Fatalf("NextFetch(%v) not due", now.Sub(clock0))
	}
	if err := c.Apply(503, nil, now); !errors.Is(err, ErrHTTPStatus) {
		t.Fatalf("Apply(503) error = %v, want ErrHTTPStatus", err)
	}
}

func TestCache_FailureKeepsKeysWithinGrace(t *testing.T) {
	c := loaded(t, Options{}, keysA, "") // lifetime 10 min, grace 1 h
	fail(t, c, clock0.Add(8*time.Minute))
	tests := []struct {
		name      string
		at        time.Duration
		wantState State
		wantAct   Action
	}{
		{name: "fresh after a failed refresh", at: 9 * time.Minute, wantState: StateFresh, wantAct: Use},
		{name: "stale at expiry", at: 10 * time.Minute, wantState: StateStale, wantAct: Use},
		{name: "stale at the last instant of grace", at: 70*time.Minute - time.Millisecond, wantState: StateStale, wantAct: Use},
		{name: "dropped when grace ends", at: 70 * time.Minute, wantState: StateFailed, wantAct: Start},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := clock0.Add(tc.at)
			if got := c.State(now); got != tc.wantState {
				t.Fatalf("State(+%v) = %v, want %v", tc.at, got, tc.wantState)
			}
			set, act := c.Get(now)
			if act != tc.wantAct || (act == Use && set.Len() != 1) {
				t.Fatalf("Get(+%v) = %v, %v; want %v", tc.at, set, act, tc.wantAct)
			}
		})
	}
}

func TestCache_NoGrace(t *testing.T) {
	c := loaded(t, Options{Grace: -1}, keysA, "")
	if _, ok := c.Value(clock0.Add(10*time.Minute - time.Millisecond)); !ok {
		t.Fatal("Value() within the lifetime: none")
	}
	if _, ok := c.Value(clock0.Add(10 * time.Minute)); ok {
		t.Fatal("Value() at the end of the lifetime without grace: still served")
	}
}

func TestCache_GraceEndsThenRecovers(t *testing.T) {
	c := loaded(t, Options{Grace: 10 * time.Minute}, keysA, "max-age=600")
	now := clock0.Add(20 * time.Minute)
	if _, act := c.Get(now); act != Start {
		t.Fatalf("Get() after grace = %v, want start", act)
	}
	if err := c.Apply(0, nil, now); !errors.Is(err, ErrNoResponse) {
		t.Fatalf("Apply(0) error = %v, want ErrNoResponse", err)
	}
	if _, act := c.Get(now.Add(time.Millisecond)); act != Reject {
		t.Fatalf("Get() while backing off without keys = %v, want reject", act)
	}
	if err := c.LastError(); !errors.Is(err, ErrNoResponse) {
		t.Fatalf("LastError() = %v, want ErrNoResponse", err)
	}
	now = now.Add(time.Second) // first backoff: 1 s
	if _, act := c.Get(now); act != Start {
		t.Fatalf("Get() after the backoff = %v, want start", act)
	}
	if err := c.Apply(200, keysB, now); err != nil {
		t.Fatal(err)
	}
	if set, act := c.Get(now); act != Use || set.Len() != 2 || c.Version() != 2 || c.Failures() != 0 {
		t.Fatalf("Get() after recovery = %v, %v (version %d)", set, act, c.Version())
	}
}

func TestCache_BackoffGrowsAndCaps(t *testing.T) {
	secs := func(d ...int) (out []time.Duration) {
		for _, s := range d {
			out = append(out, time.Duration(s)*time.Second)
		}
		return out
	}
	tests := []struct {
		name      string
		withKeys  bool
		opt       Options
		wantDelay []time.Duration
	}{
		{name: "keys served: doubling to 5 min", withKeys: true, wantDelay: secs(1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300)},
		{name: "no keys: capped at 5 s", wantDelay: secs(1, 2, 4, 5, 5)},
		{name: "configured", withKeys: true, opt: Options{BackoffMin: 10 * time.Second, BackoffMax: 30 * time.Second}, wantDelay: secs(10, 20, 30, 30)},
		{name: "jitter takes up to a quarter", withKeys: true, opt: Options{Rand: maxJitter}, wantDelay: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCache(tc.opt)
			now := clock0
			if tc.withKeys {
				c = loaded(t, Options{Rand: tc.opt.Rand, BackoffMin: tc.opt.BackoffMin, BackoffMax: tc.opt.BackoffMax, MaxCache: 48 * time.Hour}, keysA, "max-age=86400")
				now = clock0.Add(23 * time.Hour) // past the refresh point, inside the lifetime
			}
			var got []time.Duration
			for range tc.wantDelay {
				fail(t, c, now)
				delay := c.Record().RetryAt.Sub(now)
				if _, due := c.NextFetch(now.Add(delay - time.Millisecond)); due {
					t.Fatalf("NextFetch() due before the backoff ended")
				}
				got = append(got, delay)
				now = now.Add(delay)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantDelay) {
				t.Fatalf("delays = %v, want %v", got, tc.wantDelay)
			}
		})
	}
}

func TestCache_UnknownKidCooldown(t *testing.T) {
	c := loaded(t, Options{}, keysA, "")
	// The first unknown kid refetches; requests meanwhile join; the answer brings kid b.
	now := clock0.Add(time.Minute)
	if act := c.Refetch(now); act != Start {
		t.Fatalf("Refetch() = %v, want start", act)
	}
	if act := c.Refetch(now); act != Wait {
		t.Fatalf("Refetch() while in flight = %v, want wait", act)
	}
	if err := c.Apply(200, keysB, now); err != nil {
		t.Fatal(err)
	}
	if set, _ := c.Get(now); set.Len() != 2 {
		t.Fatalf("keys after the refetch = %d, want 2", set.Len())
	}
	// A burst of random kids for 3 minutes, one every 100 ms, each answered at once:
	// at most one fetch per 30 s window (the first window's is the refetch above).
	fetches := map[int]int{0: 1}
	for i := range 1800 {
		at := now.Add(time.Duration(i) * 100 * time.Millisecond)
		switch act := c.Refetch(at); act {
		case Start:
			fetches[int(at.Sub(now)/(30*time.Second))]++
			if err := c.Apply(200, keysB, at); err != nil {
				t.Fatal(err)
			}
		case Reject:
		default:
			t.Fatalf("Refetch() = %v", act)
		}
	}
	if len(fetches) != 6 {
		t.Errorf("fetch windows = %v, want one fetch in each of 6", fetches)
	}
	for w, n := range fetches {
		if n != 1 {
			t.Errorf("window %d: %d fetches, want 1", w, n)
		}
	}
}

func TestCache_UnknownKidRespectsBackoff(t *testing.T) {
	c := loaded(t, Options{}, keysA, "")
	fail(t, c, clock0.Add(8*time.Minute))
	if act := c.Refetch(clock0.Add(8*time.Minute + 500*time.Millisecond)); act != Reject {
		t.Fatalf("Refetch() during backoff = %v, want reject", act)
	}
	if act := c.Refetch(clock0.Add(8*time.Minute + time.Second)); act != Start {
		t.Fatalf("Refetch() after backoff = %v, want start", act)
	}
}

func TestCache_ErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       []byte
		wantErr    error
		wantResult string
	}{
		{name: "ok", status: 200, body: keysA, wantResult: "ok"},
		{name: "no response", status: 0, wantErr: ErrNoResponse, wantResult: "no_response"},
		{name: "500", status: 500, body: []byte("oops"), wantErr: ErrHTTPStatus, wantResult: "http_status"},
		{name: "redirect", status: 302, wantErr: ErrHTTPStatus, wantResult: "http_status"},
		{name: "too large", status: 200, body: []byte(strings.Repeat(" ", 1025)), wantErr: ErrTooLarge, wantResult: "too_large"},
		{name: "empty", status: 200, wantErr: ErrMalformed, wantResult: "malformed"},
		{name: "html", status: 200, body: []byte("<html>login</html>"), wantErr: ErrMalformed, wantResult: "malformed"},
		{name: "not a JWKS", status: 200, body: []byte(`{"keys":"nope"}`), wantErr: ErrMalformed, wantResult: "malformed"},
		{name: "zero keys", status: 200, body: []byte(`{"keys":[]}`), wantErr: ErrNoUsableKeys, wantResult: "no_usable_keys"},
		{name: "no usable key", status: 200, body: []byte(`{"keys":[{"kty":"XYZ"}]}`), wantErr: ErrNoUsableKeys, wantResult: "no_usable_keys"},
		{name: "too many keys", status: 200, body: []byte(`{"keys":[{},{},{}]}`), wantErr: ErrTooManyKeys, wantResult: "too_many_keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := loaded(t, Options{Limits: Limits{MaxBytes: 1024, MaxKeys: 2}}, keysA, "")
			now := clock0.Add(9 * time.Minute)
			if _, due := c.NextFetch(now); !due {
				t.Fatal("refresh not due")
			}
			err := c.Apply(tc.status, tc.body, now)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Apply() error = %v, want %v", err, tc.wantErr)
			}
			if got := Result(err); got != tc.wantResult {
				t.Fatalf("Result() = %q, want %q", got, tc.wantResult)
			}
			if set, act := c.Get(now); act != Use || set.Len() != 1 {
				t.Fatalf("Get() after the refresh = %v, %v; the good keys must stay", set, act)
			}
		})
	}
}

func TestCache_RetryNeverPastGrace(t *testing.T) {
	c := loaded(t, Options{Grace: 10 * time.Minute}, keysA, "") // lifetime 10 min, grace ends at 20 min
	now := clock0.Add(8 * time.Minute)
	for range 9 { // 1+2+...+256 s after 8 min: at 16m31s, the next delay (300 s) would cross 20 min
		fail(t, c, now)
		now = c.Record().RetryAt
	}
	fail(t, c, now)
	if got, want := c.Record().RetryAt, clock0.Add(20*time.Minute); !got.Equal(want) {
		t.Fatalf("RetryAt = +%v, want +%v (the end of grace)", got.Sub(clock0), want.Sub(clock0))
	}
	if _, act := c.Get(clock0.Add(20 * time.Minute)); act != Start {
		t.Fatalf("Get() when grace ends = %v, want start", act)
	}
}

func TestCache_ValueHasNoSideEffects(t *testing.T) {
	c := newTestCache(Options{})
	if _, ok := c.Value(clock0); ok {
		t.Fatal("Value() of an empty cache is ok")
	}
	if _, act := c.Get(clock0); act != Start {
		t.Fatalf("Get() after Value() = %v, want start (Value must not take the lease)", act)
	}
}

func TestCache_AnswerForReplacedURL(t *testing.T) {
	c := loaded(t, Options{}, keysA, "")
	c.NextFetch(clock0.Add(8 * time.Minute))
	c.SetURL("https://idp.example.com/new-certs")
	err := c.Apply(200, keysB, clock0.Add(8*time.Minute))
	if !errors.Is(err, ErrURLChanged) || Result(err) != "url_changed" {
		t.Fatalf("Apply() for the old URL error = %v (%s), want ErrURLChanged", err, Result(err))
	}
	if set, act := c.Get(clock0.Add(8 * time.Minute)); act != Use || set.Len() != 1 || c.Version() != 1 {
		t.Fatalf("Get() = %v, %v (version %d); the old answer must change nothing", set, act, c.Version())
	}
}

func TestCache_Accessors(t *testing.T) {
	body := []byte(jwks(obj(octMembers(secret(32)), str("kid", "a")), `{"kty":"XYZ","kid":"odd"}`))
	c := loaded(t, Options{}, body, "")
	now := clock0.Add(90 * time.Second)
	if set, ok := c.Value(now); !ok || set.Len() != 1 {
		t.Fatalf("Value() = %v, %v", set, ok)
	}
	if got := c.Age(now); got != 90*time.Second {
		t.Errorf("Age() = %v, want 90s", got)
	}
	if w := c.Warnings(); len(w) != 1 || !errors.Is(w[0], ErrKeyUnsupported) || !strings.Contains(w[0].Error(), `kid "odd"`) {
		t.Errorf("Warnings() = %v, want the skipped key", w)
	}
	if c.URL() != jwksURL || c.LastError() != nil {
		t.Errorf("URL() = %q, LastError() = %v", c.URL(), c.LastError())
	}
	if got := newTestCache(Options{}).Age(now); got != 0 {
		t.Errorf("Age() of an empty cache = %v", got)
	}
	if act := NewKeyCache("", Options{}).Refetch(now); act != Reject {
		t.Errorf("Refetch() without a URL = %v, want reject", act)
	}
	names := fmt.Sprint(StateEmpty, StateFetching, StateFresh, StateStale, StateFailed, State(9), Use, Start, Wait, Reject, Action(9))
	if names != "empty fetching fresh stale failed state(9) use start wait reject action(9)" {
		t.Errorf("names = %q", names)
	}
	if got := Result(errors.New("other")); got != "error" {
		t.Errorf("Result(other) = %q, want error", got)
	}
}

func TestCache_Renew(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(c *Cache[*Set])
		at        time.Duration
		wantRenew bool
	}{
		{name: "our lease, in time", setup: func(c *Cache[*Set]) { c.NextFetch(clock0) }, at: 3 * time.Second, wantRenew: true},
		{name: "our lease ended", setup: func(c *Cache[*Set]) { c.NextFetch(clock0) }, at: 6 * time.Second},
		{name: "no lease", setup: func(*Cache[*Set]) {}, at: time.Second},
		{name: "lease of another VM", at: time.Second, setup: func(c *Cache[*Set]) {
			other := newTestCache(Options{Owner: 2})
			other.NextFetch(clock0)
			if _, err := c.Sync(other.Shared(), clock0); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "URL replaced", at: time.Second, setup: func(c *Cache[*Set]) {
			c.NextFetch(clock0)
			c.SetURL("https://idp.example.com/other")
			c.NextFetch(clock0)
			c.fetchURL = jwksURL
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCache(Options{Owner: 1})
			tc.setup(c)
			now := clock0.Add(tc.at)
			if got := c.Renew(now); got != tc.wantRenew {
				t.Fatalf("Renew() = %v, want %v", got, tc.wantRenew)
			}
			if !tc.wantRenew {
				return
			}
			// The lease now lasts a full timeout (5 s) + 1 s from the renewal, and no failure counts.
			if _, act := c.Get(now.Add(5999 * time.Millisecond)); act != Wait {
				t.Errorf("Get() just before the renewed lease ends = %v, want wait", act)
			}
			if _, act := c.Get(now.Add(6 * time.Second)); act != Start {
				t.Errorf("Get() after the renewed lease = %v, want start", act)
			}
			if c.Failures() != 0 {
				t.Errorf("Failures() = %d, want 0", c.Failures())
			}
		})
	}
}
