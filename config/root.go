package config

import (
	"github.com/tidwall/gjson"

	"github.com/jwt-proxy-wasm/jwt-proxy-wasm/policy"
)

var rootFields = []string{"providers", "rules", "default", "superuser_permission", "roles", "reply", "limits", "role_permissions", "token_cache"}

// parse walks the top level, then parses the parts in dependency order: replies and roles
// before the rules that use them, providers before the rules that name them. Errors are
// sorted into document order afterwards.
func (p *parser) parse(root gjson.Result) {
	if !root.IsObject() {
		p.typeError("config", root, "an object")
		return
	}
	parts := map[string]gjson.Result{}
	p.object("", root, rootFields, func(key, _ string, val gjson.Result) { parts[key] = val })

	c := p.cfg
	c.MaxTokenBytes, c.MaxHeaderBytes, c.MaxBodyBytes = DefaultMaxTokenBytes, DefaultMaxHeaderBytes, DefaultMaxBodyBytes
	if v, ok := parts["limits"]; ok {
		p.limits(v)
	}
	c.TokenCacheEntries, c.TokenCacheBytes = DefaultTokenCacheEntries, DefaultTokenCacheBytes
	if v, ok := parts["token_cache"]; ok {
		p.tokenCache(v)
	}
	rc := &ruleContext{reply: policy.Format{}, roles: map[string][]string{}}
	if v, ok := parts["reply"]; ok {
		rc.reply = p.reply("reply", v, rc.reply)
	}
	if v, ok := parts["roles"]; ok {
		p.roles(v, rc.roles)
	}
	if v, ok := parts["role_permissions"]; ok {
		rc.rolePermissions = p.rolePermissions(v)
	}
	var superuser string
	if v, ok := parts["superuser_permission"]; ok {
		superuser, _ = p.str("superuser_permission", v, false)
	}
	c.ByName, c.ByIssuer = map[string]*Provider{}, map[string]*Provider{}
	if v, ok := parts["providers"]; ok {
		p.providers(v)
	}

	var rules []*policy.Rule
	if v, ok := parts["rules"]; ok {
		rules = p.rules(v, rc, parts["default"].Exists())
	}
	var def *policy.Rule
	if v, ok := parts["default"]; ok {
		def = p.rule("default", "default", v, rc, true)
	}
	if !parts["rules"].Exists() && def == nil && !parts["default"].Exists() {
		p.errorf(end(root), "rules", `add rules, e.g. [{"match":{"prefix":"/"},"requires":{"provider_name":"idp"}}]`,
			"required: without rules or a default every request is denied")
	}
	if len(p.errs) > 0 {
		return
	}
	ids := map[string]string{}
	for _, pr := range c.Providers {
		ids[pr.Name] = pr.IdentityClaim
	}
	c.Reply = rc.reply
	eng, err := policy.New(policy.Options{Rules: rules, Default: def, Superuser: superuser, IdentityClaims: ids,
		Reply: rc.reply, RolePermissions: rc.rolePermissions})
	if err != nil {
		p.errorf(end(root), "rules", "", "%v", err)
		return
	}
	c.Policy = eng
}

func (p *parser) limits(v gjson.Result) {
	c := p.cfg
	p.object("limits", v, []string{"max_token_bytes", "max_header_bytes", "max_body_bytes"}, func(key, kpath string, val gjson.Result) {
		if key == "max_body_bytes" {
			if n, ok := p.integer(kpath, val, 1, MaxMaxBodyBytes); ok {
				c.MaxBodyBytes = n
			}
		} else if key == "max_token_bytes" {
			if n, ok := p.integer(kpath, val, MinMaxTokenBytes, MaxMaxTokenBytes); ok {
				c.MaxTokenBytes = n
			}
		} else if n, ok := p.integer(kpath, val, MinMaxTokenBytes, MaxMaxHeaderBytes); ok {
			c.MaxHeaderBytes = n
		}
	})
	if c.MaxHeaderBytes < c.MaxTokenBytes {
		p.errorf(end(v), "limits.max_header_bytes", "raise it to at least max_token_bytes",
			"%d is smaller than max_token_bytes (%d): a header must hold a whole token", c.MaxHeaderBytes, c.MaxTokenBytes)
	}
}

// tokenCache parses {max_entries, max_bytes}; each keeps its default when absent.
func (p *parser) tokenCache(v gjson.Result) {
	c := p.cfg
	p.object("token_cache", v, []string{"max_entries", "max_bytes"}, func(key, kpath string, val gjson.Result) {
		if key == "max_entries" {
			if n, ok := p.integer(kpath, val, 0, MaxTokenCacheEntries); ok {
				c.TokenCacheEntries = n
			}
		} else if n, ok := p.integer(kpath, val, MinTokenCacheBytes, MaxTokenCacheBytes); ok {
			c.TokenCacheBytes = n
		}
	})
}

var replyFormats = map[string]policy.FormatKind{"json": policy.FormatJSON, "jsonrpc": policy.FormatJSONRPC, "text": policy.FormatText}

// reply parses {format, realm, hide_details, name_missing} over base: a rule's reply
// overrides only the fields it sets.
func (p *parser) reply(path string, v gjson.Result, base policy.Format) policy.Format {
	f := base
	p.object(path, v, []string{"format", "realm", "hide_details", "name_missing"}, func(key, kpath string, val gjson.Result) {
		switch key {
		case "format":
			if s, ok := p.str(kpath, val, false); ok {
				k, known := replyFormats[s]
				if !known {
					p.errorf(val.Index, kpath, suggest(s, []string{"json", "jsonrpc", "text"}), "%q is not a reply format", s)
				}
				f.Kind = k
			}
		case "realm":
			f.Realm, _ = p.headerText(kpath, val)
		case "hide_details":
			f.HideDetails, _ = p.boolean(kpath, val)
		case "name_missing":
			f.NameMissing, _ = p.boolean(kpath, val)
		}
	})
	return f
}

// roles parses name -> {subjects: [...]}: the identities allowed to act in that role.
func (p *parser) roles(v gjson.Result, out map[string][]string) {
	p.each("roles", v, func(name, path string, rv gjson.Result) {
		var subjects []string
		ok := p.object(path, rv, []string{"subjects"}, func(_, kpath string, val gjson.Result) {
			subjects, _ = p.strings(kpath, val)
			if val.IsArray() && len(val.Array()) == 0 {
				p.errorf(val.Index, kpath, "list the identities (azp, sub, appid or email values) allowed in this role", "must not be empty")
			}
		})
		if ok && !rv.Get("subjects").Exists() {
			p.errorf(end(rv), join(path, "subjects"), "list the identities (azp, sub, appid or email values) allowed in this role", "required")
		}
		out[name] = subjects
	})
}
