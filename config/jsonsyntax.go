package config

import (
	"fmt"
	"unicode/utf8"
)

// syntaxError is the first JSON syntax problem of a document: gjson.Valid says only yes or no,
// and an operator needs to know where. Strict RFC 8259: no comments, no trailing commas.
type syntaxError struct {
	Offset int
	Msg    string
	Fix    string
}

// checkSyntax returns nil when data is one valid JSON value, nested at most maxDepth deep.
func checkSyntax(data []byte) *syntaxError {
	s := &scanner{data: data}
	s.space()
	if s.i >= len(data) {
		return nil // empty: reported by the caller as an empty configuration
	}
	if err := s.value(0); err != nil {
		return err
	}
	s.space()
	if s.i < len(data) {
		return s.fail("unexpected "+s.describe()+" after the top-level value", "remove it, or wrap everything in one object")
	}
	return nil
}

type scanner struct {
	data []byte
	i    int
}

func (s *scanner) fail(msg, fix string) *syntaxError {
	return &syntaxError{Offset: s.i, Msg: msg, Fix: fix}
}

// describe names the byte at the cursor for a message.
func (s *scanner) describe() string {
	if s.i >= len(s.data) {
		return "end of input"
	}
	c := s.data[s.i]
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (s *scanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) *syntaxError {
	if depth >= maxDepth {
		return s.fail(fmt.Sprintf("nested deeper than %d levels", maxDepth), "flatten the configuration")
	}
	if s.i >= len(s.data) {
		return s.fail("unexpected end of input, expected a value", "complete the document")
	}
	switch c := s.data[s.i]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '/':
		return s.fail("comments are not JSON", "remove the comment")
	case c == '\'':
		return s.fail("single-quoted strings are not JSON", "use double quotes")
	default:
		return s.fail("unexpected "+s.describe()+", expected a value", "quote strings with double quotes")
	}
}

func (s *scanner) object(depth int) *syntaxError {
	s.i++ // '{'
	s.space()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			if s.i < len(s.data) && s.data[s.i] == '}' {
				return s.fail("trailing comma before '}'", "remove the last comma")
			}
			return s.fail("unexpected "+s.describe()+", expected a quoted member name", "quote names with double quotes")
		}
		if err := s.str(); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return s.fail("unexpected "+s.describe()+", expected ':' after the member name", "separate name and value with ':'")
		}
		s.i++
		s.space()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.data) {
			return s.fail("unexpected end of input inside an object", "close it with '}'")
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("unexpected "+s.describe()+", expected ',' or '}' after a member", "add the missing comma")
		}
	}
}

func (s *scanner) array(depth int) *syntaxError {
	s.i++ // '['
	s.space()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.i < len(s.data) && s.data[s.i] == ']' {
			return s.fail("trailing comma before ']'", "remove the last comma")
		}
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.data) {
			return s.fail("unexpected end of input inside an array", "close it with ']'")
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("unexpected "+s.describe()+", expected ',' or ']' after an element", "add the missing comma")
		}
	}
}

func (s *scanner) str() *syntaxError {
	start := s.i
	s.i++ // '"'
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			s.i++
			if s.i >= len(s.data) {
				break
			}
			switch s.data[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				for k := 1; k <= 4; k++ {
					if s.i+k >= len(s.data) || !isHex(s.data[s.i+k]) {
						return s.fail(`invalid \u escape in a string`, `write \u followed by four hex digits`)
					}
				}
				s.i += 5
			default:
				return s.fail("invalid escape \\"+string(s.data[s.i])+" in a string", `escape a backslash as \\`)
			}
		case c < 0x20:
			return s.fail("control character in a string", `escape it (\n, \t)`)
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.data[s.i:])
			if r == utf8.RuneError && n <= 1 {
				return s.fail("invalid UTF-8 in a string", "save the file as UTF-8")
			}
			s.i += n
		}
	}
	s.i = start
	return s.fail("unterminated string", "close it with '\"'")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) number() *syntaxError {
	digits := func() int {
		n := 0
		for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.data[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.data) && s.data[s.i] == '0' {
		s.i++
		if s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
			return s.fail("number with a leading zero", "remove the leading zero")
		}
	} else if digits() == 0 {
		return s.fail("invalid number", "write digits after '-'")
	}
	if s.i < len(s.data) && s.data[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.fail("invalid number: no digits after '.'", "write digits after the decimal point")
		}
	}
	if s.i < len(s.data) && (s.data[s.i] == 'e' || s.data[s.i] == 'E') {
		s.i++
		if s.i < len(s.data) && (s.data[s.i] == '+' || s.data[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.fail("invalid number: no digits in the exponent", "write digits after 'e'")
		}
	}
	return nil
}

func (s *scanner) literal(word string) *syntaxError {
	if len(s.data)-s.i >= len(word) && string(s.data[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return nil
	}
	return s.fail("unexpected "+s.describe()+", expected a value", "quote strings with double quotes")
}

// lineCol turns a byte offset into a 1-based line and column (in bytes).
func lineCol(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
