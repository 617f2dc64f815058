package jwks

import (
	"errors"
	"fmt"
)

// Action tells the caller what to do next.
type Action uint8

const (
	Use    Action = iota + 1 // Get: the value is usable, go on
	Start                    // you own the fetch: dispatch the callout now (then pause the request)
	Wait                     // a fetch is in flight (here or in another VM): pause, re-ask when it lands
	Reject                   // Get: no value and none coming soon (keys unavailable); Refetch: not now (unknown kid)
)

func (a Action) String() string {
	switch a {
	case Use:
		return "use"
	case Start:
		return "start"
	case Wait:
		return "wait"
	case Reject:
		return "reject"
	}
	return "action(" + fmt.Sprint(uint8(a)) + ")"
}

// State is where a Cache stands, for logs and metrics.
type State uint8

const (
	StateEmpty    State = iota + 1 // no value, nothing tried yet
	StateFetching                  // no value, a fetch is in flight
	StateFresh                     // value within its lifetime
	StateStale                     // value past its lifetime, served within the grace period
	StateFailed                    // no usable value: fetches failed or the grace period ended
)

func (s State) String() string {
	switch s {
	case StateEmpty:
		return "empty"
	case StateFetching:
		return "fetching"
	case StateFresh:
		return "fresh"
	case StateStale:
		return "stale"
	case StateFailed:
		return "failed"
	}
	return "state(" + fmt.Sprint(uint8(s)) + ")"
}

// Result names err's class for the fetches-by-result metric.
func Result(err error) string {
	for _, r := range []struct {
		class error
		name  string
	}{
		{ErrNoResponse, "no_response"}, {ErrHTTPStatus, "http_status"}, {ErrTooLarge, "too_large"},
		{ErrTooManyKeys, "too_many_keys"}, {ErrNoUsableKeys, "no_usable_keys"}, {ErrMalformed, "malformed"},
		{ErrIssuerMismatch, "issuer_mismatch"}, {ErrDiscovery, "bad_discovery"}, {ErrURLChanged, "url_changed"},
	} {
		if errors.Is(err, r.class) {
			return r.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "error"
}
