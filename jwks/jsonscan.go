package jwks

import (
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
)

// maxDepth bounds JSON nesting before gjson (whose validator recurses) sees the body. A JWKS
// is at most 4 deep ({"keys":[{"x5c":[...]}]}); 32 leaves room for vendor extensions.
const maxDepth = 32

var errTooDeep = errors.New("JSON nests deeper than 32 levels")

// checkDepth scans raw JSON and fails when arrays/objects nest deeper than maxDepth.
// Brackets inside strings are not counted. It does not validate; gjson.ValidBytes does.
func checkDepth(b []byte) error {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > maxDepth {
				return errTooDeep
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// validJSON reports why b is not one well-formed JSON value of bounded depth, or nil.
func validJSON(b []byte) error {
	if err := checkDepth(b); err != nil {
		return err
	}
	if !gjson.ValidBytes(b) {
		return errors.New("not valid JSON")
	}
	return nil
}

// members walks a JSON object once and calls fn with each member's unescaped name. A name
// seen twice is an error: RFC 8259 leaves duplicates to the parser, and two parsers picking
// different values is how confusion attacks start, so we refuse the ambiguity.
func members(obj gjson.Result, fn func(name string, v gjson.Result)) error {
	var few [16]string // most objects are small: compare in place, switch to a map past 16
	seen := few[:0]
	var many map[string]struct{}
	var err error
	obj.ForEach(func(k, v gjson.Result) bool {
		name := k.String()
		dup := false
		if many != nil {
			_, dup = many[name]
			many[name] = struct{}{}
		} else {
			for _, s := range seen {
				if s == name {
					dup = true
					break
				}
			}
			if seen = append(seen, name); len(seen) == len(few) {
				many = make(map[string]struct{}, 2*len(few))
				for _, s := range seen {
					many[s] = struct{}{}
				}
			}
		}
		if dup {
			err = fmt.Errorf("member %q appears twice", name)
			return false
		}
		fn(name, v)
		return true
	})
	return err
}
