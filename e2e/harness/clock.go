package harness

import (
	"sync"
	"time"
)

// NewClock returns a manual clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{clockFields{now: start}} }

// Now returns the clock's time; pass clk.Now as Options.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (the WASI clocks and proxy-wasm time follow); call
// Host.Tick afterwards to deliver the ticks that became due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// clockFields is embedded in Clock (declared in api.go).
type clockFields struct {
	mu  sync.Mutex
	now time.Time
}
