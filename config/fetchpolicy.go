package config

import (
	"time"

	"github.com/tidwall/gjson"
)

// FetchPolicy tunes how remote keys (remote_jwks, oidc) are cached, refreshed and bounded.
// Parse fills every field (defaults in defaults.go); the filter hands them to jwks.Options.
type FetchPolicy struct {
	GracePeriod      time.Duration // keys served past their lifetime while refreshes fail; 0: none
	RefetchCooldown  time.Duration // at most one unknown-kid refetch per window
	MinCacheDuration time.Duration // floor for a Cache-Control max-age (and for no-store/no-cache)
	MaxCacheDuration time.Duration // ceiling for a Cache-Control max-age
	MaxResponseBytes int           // a larger JWKS or discovery response is refused
}

// fetchPolicyKeys are the members parsed by fetchPolicyField, in remote_jwks and oidc alike.
var fetchPolicyKeys = []string{"grace_period", "refetch_cooldown", "min_cache_duration", "max_cache_duration", "max_response_bytes"}

func defaultFetchPolicy() FetchPolicy {
	return FetchPolicy{
		GracePeriod:      DefaultGracePeriod,
		RefetchCooldown:  DefaultRefetchCooldown,
		MinCacheDuration: DefaultMinCacheDuration,
		MaxCacheDuration: DefaultMaxCacheDuration,
		MaxResponseBytes: DefaultMaxResponseBytes,
	}
}

// fetchPolicyField parses one of fetchPolicyKeys into fp; a bad value keeps the default (the
// error is reported, so the config is refused anyway).
func (p *parser) fetchPolicyField(fp *FetchPolicy, key, path string, v gjson.Result) {
	dur := func(dst *time.Duration, lo, hi time.Duration) {
		if d, ok := p.duration(path, v, lo, hi); ok {
			*dst = d
		}
	}
	switch key {
	case "grace_period":
		dur(&fp.GracePeriod, 0, MaxGracePeriod)
	case "refetch_cooldown":
		dur(&fp.RefetchCooldown, MinRefetchCooldown, MaxRefetchCooldown)
	case "min_cache_duration":
		dur(&fp.MinCacheDuration, MinCacheDuration, MaxCacheBound)
	case "max_cache_duration":
		dur(&fp.MaxCacheDuration, MinCacheDuration, MaxCacheBound)
	case "max_response_bytes":
		if n, ok := p.integer(path, v, MinMaxResponseBytes, MaxMaxResponseBytes); ok {
			fp.MaxResponseBytes = n
		}
	}
}

// checkFetchPolicy reports bounds that contradict each other once the block is read.
func (p *parser) checkFetchPolicy(fp FetchPolicy, path string, v gjson.Result) {
	if fp.MinCacheDuration > fp.MaxCacheDuration {
		p.errorf(end(v), join(path, "min_cache_duration"), "make it at most max_cache_duration",
			"%s is longer than max_cache_duration (%s)", fmtDuration(fp.MinCacheDuration), fmtDuration(fp.MaxCacheDuration))
	}
}
