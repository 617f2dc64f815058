//go:build !linux

package jwt

import "time"

var start = time.Now()

// threadCPU falls back to the wall clock where thread CPU time is not wired up.
func threadCPU() time.Duration { return time.Since(start) }
