package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/config"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/jwks"
	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

// print writes the explanation: what was matched and found, per provider what verification
// gave, the decision, the reply the client gets, and hints.
func (x *explanation) print(w io.Writer) {
	r := x.req
	fmt.Fprintf(w, "request:  %s %s://%s%s", r.Method, r.Scheme, r.Host, r.Path)
	if r.Query != "" {
		fmt.Fprintf(w, "?%s", r.Query)
	}
	fmt.Fprintf(w, "  (now %s)\n", x.now.Format("2006-01-02T15:04:05Z07:00"))
	switch rule := x.route.Rule; {
	case rule == nil:
		fmt.Fprintln(w, "route:    no rule matches")
	case rule.Requires == nil:
		fmt.Fprintf(w, "route:    %s, public (no token needed)\n", rule.Name)
	default:
		fmt.Fprintf(w, "route:    %s, requires %s\n", rule.Name, describeRequirement(rule.Requires))
	}
	if x.keyShaped && x.token != "" {
		fmt.Fprintf(w, "token:    %s -> %s\n", describeCredential(x.token), strings.Join(keyProviders(x.providers), ", "))
	} else if x.tok != nil {
		t := x.tok
		fmt.Fprintf(w, "token:    alg %s, kid %q, iss %q (UNVERIFIED) -> %s\n", t.Alg, t.Kid, t.UnverifiedIssuer(), pickedBy(x.cfg, t.UnverifiedIssuer()))
	} else if x.token != "" && x.parseErr != nil {
		fmt.Fprintf(w, "token:    does not parse: %v\n", x.parseErr)
	} else if x.route.Rule != nil && x.route.Rule.Requires != nil && x.token == "" {
		fmt.Fprintln(w, "token:    none given")
	}
	for _, pv := range x.providers {
		fmt.Fprintf(w, "provider: %s: keys: %s\n", pv.Name, x.describeKeys(pv))
		o, ok := x.outcomes[pv.Name]
		switch {
		case !ok:
		case o.Missing && x.token != "" && pv.APIKeys != nil:
			fmt.Fprintf(w, "provider: %s: no API key (the credential is a JWT, for the JWT providers)\n", pv.Name)
		case o.Missing && x.token != "" && x.keyShaped:
			fmt.Fprintf(w, "provider: %s: no token (the credential is not a JWT, for the api_keys provider)\n", pv.Name)
		case o.Missing:
			fmt.Fprintf(w, "provider: %s: no token\n", pv.Name)
		case o.Err != nil:
			fmt.Fprintf(w, "provider: %s: REJECTED: %v%s\n", pv.Name, o.Err, x.sourceNote(pv))
		case pv.APIKeys != nil:
			fmt.Fprintf(w, "provider: %s: API key %q accepted%s\n", pv.Name, o.Claims.Claim("sub").String(), x.sourceNote(pv))
		case x.keys[pv.Name] == nil:
			fmt.Fprintf(w, "provider: %s: claims ok, signature NOT CHECKED (remote keys)\n", pv.Name)
		default:
			fmt.Fprintf(w, "provider: %s: verified\n", pv.Name)
		}
		if o.Err == nil && pv.APIKeys == nil && policy.ReadBinding(o.Claims).Bound {
			fmt.Fprintf(w, "provider: %s: bound to the client certificate (cnf x5t#S256): it matches\n", pv.Name)
		}
	}

	d := x.decision
	switch {
	case x.bodyNeeded:
		fmt.Fprintf(w, "decision: UNDECIDED: the headers allow, but rule %s reads the request body; pass -body FILE (the JSON body) to decide\n", x.route.Rule.Name)
		if x.unchecked {
			fmt.Fprintf(w, "note:     the signature was not checked either: ALLOW also needs it to verify with the remote keys of %s\n", strings.Join(x.remote, ", "))
		}
	case x.undecided:
		fmt.Fprintf(w, "decision: UNDECIDED: ALLOW only if the signature verifies with the remote keys of %s\n", strings.Join(x.remote, ", "))
	case d.Allow:
		fmt.Fprint(w, "decision: ALLOW")
		if d.Provider != "" {
			fmt.Fprintf(w, " (principal from provider %s)", d.Provider)
		}
		fmt.Fprintln(w)
		x.printUpstream(w)
	default:
		fmt.Fprintf(w, "decision: DENY %d\n", d.Status)
		fmt.Fprintf(w, "reason:   %s: %s\n", d.Code, d.Message)
		if x.unchecked {
			fmt.Fprintf(w, "note:     the signature was not checked (remote keys of %s not given with -jwks); "+
				"if it does not verify the filter says signature_invalid instead, still a denial\n", strings.Join(x.remote, ", "))
		}
		x.printReply(w)
	}
	for _, h := range x.hints() {
		fmt.Fprintf(w, "HINT: %s\n", h)
	}
}

func (x *explanation) printReply(w io.Writer) {
	fmt.Fprintln(w, "reply:")
	fmt.Fprintf(w, "  HTTP %d\n", x.reply.Status)
	for _, h := range x.reply.Headers {
		fmt.Fprintf(w, "  %s: %s\n", h[0], h[1])
	}
	fmt.Fprintln(w)
	for _, line := range strings.Split(strings.TrimRight(string(x.reply.Body), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// describeRequirement renders a requirement in the config's words.
func describeRequirement(q *policy.Requirement) string {
	list := func(rs []*policy.Requirement) string {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = describeRequirement(r)
		}
		return strings.Join(parts, ", ")
	}
	switch {
	case q.Provider != "":
		return "provider " + q.Provider
	case len(q.AnyOf) > 0:
		return "any_of(" + list(q.AnyOf) + ")"
	case len(q.AllOf) > 0:
		return "all_of(" + list(q.AllOf) + ")"
	case q.AllowMissing:
		return "allow_missing"
	case q.AllowMissingOrFailed:
		return "allow_missing_or_failed"
	}
	return "nothing"
}

func (x *explanation) describeKeys(pv *config.Provider) string {
	switch set := x.keys[pv.Name]; {
	case pv.APIKeys != nil:
		n := len(pv.APIKeys.Keys)
		return fmt.Sprintf("api_keys, %d %s (by SHA-256 digest)", n, plural(n, "key", "keys"))
	case pv.LocalKeys != nil:
		return "local, " + describeSet(pv.LocalKeys)
	case set != nil:
		return "remote, from -jwks: " + describeSet(set)
	case pv.RemoteJWKS != nil:
		return fmt.Sprintf("remote (%s via cluster %s), not given: only the unverified checks are shown; pass -jwks %s=FILE", pv.RemoteJWKS.URI, pv.RemoteJWKS.Cluster, pv.Name)
	case pv.Discovery != nil:
		return fmt.Sprintf("remote (OIDC discovery %s via cluster %s), not given: only the unverified checks are shown; pass -jwks %s=FILE", pv.Discovery.URI, pv.Discovery.Cluster, pv.Name)
	}
	return "none"
}

func describeSet(s *jwks.Set) string {
	keys := s.Keys()
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = describeKey(k)
	}
	n := "keys"
	if len(keys) == 1 {
		n = "key"
	}
	return fmt.Sprintf("%d %s: %s", len(keys), n, strings.Join(parts, "; "))
}

func describeKey(k *jwks.Key) string {
	var b strings.Builder
	if k.ID != "" {
		fmt.Fprintf(&b, "kid %q ", k.ID)
	} else {
		b.WriteString("no kid ")
	}
	switch k.Type {
	case jwks.KeyRSA:
		fmt.Fprintf(&b, "RSA-%d", k.RSA.N.BitLen())
	case jwks.KeyEC:
		b.WriteString("EC " + k.EC.Curve.Params().Name)
	case jwks.KeyOKP:
		b.WriteString("Ed25519")
	case jwks.KeyOct:
		fmt.Fprintf(&b, "oct %d bytes", len(k.Secret))
	}
	if k.Alg != "" {
		b.WriteString(" alg " + k.Alg)
	}
	return b.String()
}

// printUpstream says what the filter changes in an allowed request before it goes upstream:
// the claim headers it sets and whether the token is stripped.
func (x *explanation) printUpstream(w io.Writer) {
	forward := false
	for _, pv := range x.providers {
		forward = forward || pv.Forward
		o := x.outcomes[pv.Name]
		if o.Claims == nil || o.Err != nil {
			continue
		}
		for _, c := range pv.ClaimToHeaders {
			r := o.Claims.Get(c.Claim)
			switch {
			case !r.Exists() || r.Type == gjson.Null:
				fmt.Fprintf(w, "upstream: %s: not set (claim %s absent)\n", c.Header, c.Claim)
			case r.Type == gjson.String:
				fmt.Fprintf(w, "upstream: %s: %s\n", c.Header, r.Str)
			default:
				fmt.Fprintf(w, "upstream: %s: %s\n", c.Header, r.Raw)
			}
		}
		if pv.IdentityHeader != "" {
			if v := o.Claims.Claim(pv.IdentityClaim); v.Exists() && v.Type != gjson.Null {
				fmt.Fprintf(w, "upstream: %s: %s\n", pv.IdentityHeader, v.String())
			}
		}
		if pv.ForwardPayloadHeader != "" {
			fmt.Fprintf(w, "upstream: %s: <the payload, base64url>\n", strings.ToLower(pv.ForwardPayloadHeader))
		}
	}
	if x.token != "" && len(x.providers) > 0 {
		if forward {
			fmt.Fprintln(w, "upstream: the token is forwarded (forward: true)")
		} else {
			fmt.Fprintln(w, "upstream: the token is removed from the request (set forward: true to keep it)")
		}
	}
}

// describeCredential says what a non-JWT credential is, without printing it (it is a secret).
func describeCredential(cred string) string {
	if config.LooksLikeJWT(cred) {
		return "JWT-shaped, judged as an API key (the rule accepts only API keys)"
	}
	return "not a JWT: an API key"
}

func keyProviders(providers []*config.Provider) []string {
	var names []string
	for _, pv := range providers {
		if pv.APIKeys != nil {
			names = append(names, "provider "+pv.Name)
		}
	}
	return names
}

// sourceNote says which client address an api_keys provider checked source_ips against.
func (x *explanation) sourceNote(pv *config.Provider) string {
	if pv.APIKeys == nil {
		return ""
	}
	src, ok := x.keySources[pv.Name]
	if !ok {
		return ""
	}
	from := sourceFrom(pv)
	if !src.IsValid() {
		return fmt.Sprintf(" (client address unknown, %s)", from)
	}
	return fmt.Sprintf(" (client address %s, %s)", src, from)
}

// sourceFrom says where an api_keys provider takes the client address from.
func sourceFrom(pv *config.Provider) string {
	if h := pv.APIKeys.TrustedHops; h > 0 {
		return fmt.Sprintf("entry %d from the right of x-forwarded-for, trusted_hops %d", h, h)
	}
	return "from -source"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
