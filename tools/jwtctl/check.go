package main

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwt"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

func runCheck(e *env, args []string) int {
	fs := newFlags(e, "check", "-config FILE.json [-method GET] [-path /api/x] [-host example.com] [-header k=v]... [-source IP] [-body FILE] [-client-cert-sha256 HEX] [-jwks provider=FILE]... [-now UNIX] [TOKEN|-]")
	configFile := fs.String("config", "", "plugin configuration JSON (required)")
	method := fs.String("method", "GET", "request method")
	path := fs.String("path", "/", "request path, with the query if any")
	host := fs.String("host", "example.com", "request host (:authority)")
	scheme := fs.String("scheme", "http", "request scheme (used in the WWW-Authenticate realm)")
	source := fs.String("source", "", "downstream IP address (Envoy's source.address), for source_ips of rules and API keys (default: unknown)")
	bodyFile := fs.String("body", "", "FILE holding the request body, for rules whose conditions read the JSON body (an empty file: a request without a body)")
	certHex := fs.String("client-cert-sha256", "", "SHA-256 of the verified client certificate in hex, as Envoy's connection.sha256_peer_certificate_digest (default: no client certificate)")
	now := fs.Int64("now", 0, "Unix seconds taken as now (default: the clock)")
	var headers, jwksFiles multiFlag
	fs.Var(&headers, "header", "request header name=value, repeatable")
	fs.Var(&jwksFiles, "jwks", "provider=FILE: a JWKS for a remote provider (what its IdP serves now), repeatable")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *configFile == "" {
		if fs.NArg() > 0 {
			return failf(e, exitUsage, "check", "-config FILE.json is required (flags go before the token)")
		}
		return failf(e, exitUsage, "check", "-config FILE.json is required")
	}
	data, err := readFile(*configFile)
	if err != nil {
		return failf(e, exitUsage, "check", "-config: %v", err)
	}
	cfg, err := config.Parse(data)
	if err != nil {
		fmt.Fprintf(e.stderr, "jwtctl check: the plugin refuses %s (it would not start):\n", *configFile)
		for _, line := range errorLines(err) {
			fmt.Fprintf(e.stderr, "  %s\n", line)
		}
		return exitUsage
	}
	keys := map[string]*jwks.Set{}
	for _, j := range jwksFiles {
		name, file, ok := strings.Cut(j, "=")
		pv := cfg.ByName[name]
		switch {
		case !ok || name == "" || file == "":
			return failf(e, exitUsage, "check", "-jwks %q: want provider=FILE", j)
		case pv == nil:
			return failf(e, exitUsage, "check", "-jwks %s: no provider %q in the config (known: %s)", j, name, strings.Join(providerNames(cfg), ", "))
		case pv.LocalKeys != nil:
			return failf(e, exitUsage, "check", "-jwks %s: provider %s has local keys; the filter uses those", j, name)
		case pv.APIKeys != nil:
			return failf(e, exitUsage, "check", "-jwks %s: provider %s takes API keys, not a JWKS", j, name)
		}
		body, err := readFile(file)
		if err != nil {
			return failf(e, exitUsage, "check", "-jwks %s: %v", j, err)
		}
		// As the filter parses a fetched JWKS: unusable keys are skipped, not fatal.
		set, skipped, err := jwks.ParseSet(body, jwks.DefaultLimits)
		for _, s := range skipped {
			fmt.Fprintf(e.stderr, "jwtctl check: -jwks %s: key skipped (as the filter would): %v\n", name, s)
		}
		if err != nil {
			return failf(e, exitUsage, "check", "-jwks %s: %v", j, err)
		}
		keys[name] = set
	}
	req, err := buildRequest(*method, *scheme, *host, *path, *source, headers)
	if err != nil {
		return failf(e, exitUsage, "check", "%v", err)
	}
	token, hasToken := "", false
	switch fs.NArg() {
	case 0:
	case 1:
		raw, err := argOrStdin(e, fs, "TOKEN")
		if err != nil {
			return failf(e, exitUsage, "check", "%v", err)
		}
		token, hasToken = cleanToken(raw), true
	default:
		return failf(e, exitUsage, "check", "want at most one TOKEN argument, got %d (flags go before the token)", fs.NArg())
	}
	if hasToken && token == "" {
		return failf(e, exitUsage, "check", "the token is empty (leave TOKEN out to check a request without one)")
	}
	in := &checkInput{token: token, keys: keys, now: clock(*now), forwardedFor: headerValues(headers, "x-forwarded-for")}
	if *bodyFile != "" {
		in.body, in.bodyOver, err = readBody(*bodyFile, cfg.MaxBodyBytes)
		if err != nil {
			return failf(e, exitUsage, "check", "-body: %v", err)
		}
		in.bodyGiven = true
	}
	if *certHex != "" {
		if in.peer, in.peerGiven = policy.ThumbprintFromHex(strings.ReplaceAll(*certHex, ":", "")); !in.peerGiven {
			return failf(e, exitUsage, "check", "-client-cert-sha256 %q: want the 64 hex digits of the certificate's SHA-256", *certHex)
		}
	}
	x := evaluate(cfg, req, in)
	x.print(e.stdout)
	switch {
	case x.undecided:
		return exitUndecided
	case x.decision.Allow:
		return exitOK
	}
	return exitFail
}

// errorLines splits config.Parse's errors.Join into its lines.
func errorLines(err error) []string {
	var lines []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			lines = append(lines, strings.Split(e.Error(), "\n")...)
		}
		return lines
	}
	return strings.Split(err.Error(), "\n")
}

func providerNames(cfg *config.Config) []string {
	var names []string
	for _, p := range cfg.Providers {
		names = append(names, p.Name)
	}
	return names
}

// buildRequest makes what policy sees, the way the filter builds it from the headers.
func buildRequest(method, scheme, host, rawPath, source string, headers []string) (*policy.Request, error) {
	if !strings.HasPrefix(rawPath, "/") {
		return nil, fmt.Errorf("-path %q must start with /", rawPath)
	}
	h := map[string]string{}
	for _, kv := range headers {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-header %q: want name=value", kv)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := h[k]; !dup { // the filter reads a header's first value
			h[k] = v
		}
	}
	path, query, _ := strings.Cut(rawPath, "?")
	r := &policy.Request{
		Method: strings.ToUpper(method),
		Scheme: scheme,
		Host:   strings.ToLower(host),
		Path:   path,
		Query:  query,
		Header: func(name string) (string, bool) {
			switch name {
			case ":method":
				return strings.ToUpper(method), true
			case ":authority":
				return strings.ToLower(host), true
			case ":path":
				return rawPath, true
			case ":scheme":
				return scheme, true
			}
			v, ok := h[name]
			return v, ok
		},
	}
	if source != "" {
		a, err := netip.ParseAddr(source)
		if err != nil {
			return nil, fmt.Errorf("-source: %v", err)
		}
		r.Source = a.Unmap()
	}
	return r, nil
}

// checkInput is the request beyond its headers: the token, the keys given, the clock, and
// what -body, -client-cert-sha256 and the x-forwarded-for headers say.
type checkInput struct {
	token        string
	keys         map[string]*jwks.Set // -jwks
	now          time.Time
	forwardedFor []string // every x-forwarded-for value given with -header, in order
	body         []byte   // -body, at most limits.max_body_bytes of it
	bodyGiven    bool
	bodyOver     bool   // -body is larger than limits.max_body_bytes
	peer         string // the client certificate's thumbprint, x5t#S256 form
	peerGiven    bool
}

// explanation is everything check found, in the order the filter found it.
type explanation struct {
	cfg       *config.Config
	req       *policy.Request
	in        *checkInput
	now       time.Time
	route     policy.Route
	format    policy.Format
	providers []*config.Provider // required by the route, in requirement order

	token     string
	tok       *jwt.Token // nil when there is no token, it does not parse, or it is an API key
	parseErr  error
	keyShaped bool // the credential goes to the rule's api_keys providers

	keys       map[string]*jwks.Set // the set each required provider verifies with (nil: none)
	keySources map[string]netip.Addr
	remote     []string // providers whose remote keys were not given
	outcomes   map[string]policy.Outcome
	decision   policy.Decision
	reply      policy.Reply
	undecided  bool // the decision assumed an unchecked signature verifies, or lacks the body, and allowed
	unchecked  bool // some signature was not checked (remote keys not given)
	bodyNeeded bool // the headers allow, the rule reads the body, and -body was not given
}

// evaluate follows filter/http.go's run: route, required providers, token size, parse,
// issuer routing (API keys apart, apikey.go), verification, certificate binding, Decide,
// then the body (body.go), Render. The token counts as found in every source of every
// required provider (check extracts nothing).
func evaluate(cfg *config.Config, req *policy.Request, in *checkInput) *explanation {
	token, now := in.token, in.now
	x := &explanation{cfg: cfg, req: req, in: in, now: now, token: token, keys: map[string]*jwks.Set{}, keySources: map[string]netip.Addr{}}
	// The filter sees the end of the stream at the headers only for a request without a body.
	req.BodyPending = !in.bodyGiven || len(in.body) > 0 || in.bodyOver
	route, ok := cfg.Policy.Match(req)
	x.route = route
	if !ok || route.Rule == nil {
		d := cfg.Policy.Decide(route, nil, req)
		if d.Allow || d.Status < 400 {
			d = policy.Decision{Status: 403, Code: policy.CodeNoRoute, Message: "no rule matches the request"}
		}
		return x.deny(d, cfg.Policy.ReplyFormat(route))
	}
	rule := route.Rule
	x.format = rule.Format
	if rule.Requires == nil {
		d := cfg.Policy.Decide(route, nil, req)
		if !d.Allow {
			return x.deny(d, rule.Format)
		}
		x.decision = d
		return x
	}
	for _, name := range rule.RequiredProviders() {
		x.providers = append(x.providers, cfg.ByName[name])
	}
	if len(token) > cfg.MaxTokenBytes {
		return x.deny(policy.Decision{Status: 401, Code: jwt.ErrTooLarge.Code(), Message: jwt.ErrTooLarge.Description()}, rule.Format)
	}

	x.outcomes = map[string]policy.Outcome{}
	if token == "" {
		for _, pv := range x.providers {
			x.outcomes[pv.Name] = policy.Outcome{Missing: true}
		}
	} else {
		x.verify()
	}
	d := cfg.Policy.Decide(route, x.outcomes, req)
	x.unchecked = len(x.remote) > 0
	if !d.Allow {
		return x.deny(d, rule.Format)
	}
	if d, ok := x.decideBody(d); !ok { // body.go
		return x.deny(d, rule.Format)
	}
	x.decision = d
	x.undecided = x.unchecked || x.bodyNeeded
	return x
}

// verify gives each required provider its outcome for the token, as the filter's verify.
func (x *explanation) verify() {
	token, now := x.token, x.now
	jwtProviders := false
	for _, pv := range x.providers {
		jwtProviders = jwtProviders || pv.APIKeys == nil
	}
	// The filter parses every credential, but a key-shaped one (or any on a rule that takes
	// only keys) never reaches a JWT provider: check says so instead of "does not parse".
	x.keyShaped = config.KeyShaped(token, x.providers) || !jwtProviders
	iss := ""
	if !x.keyShaped {
		x.tok, x.parseErr = jwt.Parse(token)
		if x.parseErr == nil {
			iss = x.tok.UnverifiedIssuer()
		}
	}
	for _, pv := range x.providers {
		var o policy.Outcome
		set := pv.LocalKeys
		if set == nil {
			set = x.in.keys[pv.Name]
		}
		switch {
		case pv.APIKeys != nil:
			o = x.keyOutcome(pv) // credential.go
		case x.keyShaped:
			o.Missing = true // an API key, for the api_keys provider of this rule
		case x.parseErr != nil:
			o.Err = x.parseErr
		case pv.Issuer != "" && x.cfg.ByIssuer[iss] != pv:
			o.Err = fmt.Errorf("%w: %q is not %q", jwt.ErrIssuer, iss, pv.Issuer)
		case set == nil:
			// Remote keys not given: check what can be checked without the signature.
			x.remote = append(x.remote, pv.Name)
			c := x.tok.UnverifiedClaims()
			if err := jwt.VerifySignature(x.tok, nil, pv.Algorithms); !errors.Is(err, jwt.ErrNoKeys) {
				o.Err = err // alg refused before any key is looked at
			} else if err := jwt.CheckClaims(c, pv.Expected(now)); err != nil {
				o.Err = err
			} else {
				o.Claims = c
			}
		default:
			o.Claims, o.Err = jwt.Verify(x.tok, set, pv.Expected(now))
		}
		if pv.APIKeys == nil {
			x.keys[pv.Name] = set
		}
		x.checkBinding(pv, &o) // credential.go
		x.outcomes[pv.Name] = o
	}
}

func (x *explanation) deny(d policy.Decision, f policy.Format) *explanation {
	x.decision = d
	x.format = f
	x.reply = policy.Render(d, f, x.req)
	return x
}

// culprit is the required provider whose failure gave the decision's code, and its error.
func (x *explanation) culprit() (*config.Provider, error) {
	for _, pv := range x.providers {
		err := x.outcomes[pv.Name].Err
		var je *jwt.Error
		var de *policy.Denial
		if errors.As(err, &je) && je.Code() == x.decision.Code || errors.As(err, &de) && de.Code == x.decision.Code {
			return pv, err
		}
	}
	return nil, nil
}

// pickedBy names the provider the token's unverified iss selects, the filter's map lookup.
func pickedBy(cfg *config.Config, iss string) string {
	if pv := cfg.ByIssuer[iss]; pv != nil {
		return fmt.Sprintf("provider %s (by its issuer)", pv.Name)
	}
	if len(cfg.AnyIssuer) > 0 {
		var names []string
		for _, pv := range cfg.AnyIssuer {
			names = append(names, pv.Name)
		}
		return fmt.Sprintf("no provider has this issuer; providers accepting any issuer: %s", strings.Join(names, ", "))
	}
	var issuers []string
	for iss := range cfg.ByIssuer {
		issuers = append(issuers, fmt.Sprintf("%q", iss))
	}
	sort.Strings(issuers)
	return "no provider has this issuer (configured: " + strings.Join(issuers, ", ") + ")"
}
