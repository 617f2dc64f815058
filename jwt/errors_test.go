package jwt

import (
	"errors"
	"regexp"
	"testing"
)

func TestErrors_UniqueCodes(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	codes := map[string]bool{}
	descs := map[string]bool{}
	for _, e := range AllErrors {
		if !snake.MatchString(e.Code()) {
			t.Errorf("code %q is not snake_case", e.Code())
		}
		if codes[e.Code()] {
			t.Errorf("code %q used twice", e.Code())
		}
		if descs[e.Description()] {
			t.Errorf("description %q used twice", e.Description())
		}
		if e.Description() == "" || e.Error() != e.Description() {
			t.Errorf("%s: description %q, Error() %q", e.Code(), e.Description(), e.Error())
		}
		codes[e.Code()], descs[e.Description()] = true, true
	}
	if len(AllErrors) != 18 {
		t.Errorf("AllErrors has %d classes; update this test and the reply mapping together", len(AllErrors))
	}
}

// TestErrors_WrappedDetail: a rejection names its class (errors.Is, errors.As -> Code) and
// carries detail behind it.
func TestErrors_WrappedDetail(t *testing.T) {
	_, err := Parse("a.b")
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("Parse() error = %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code() != "token_malformed" {
		t.Fatalf("errors.As() = %v, code %q", e, e.Code())
	}
	if err.Error() == ErrMalformed.Error() {
		t.Errorf("error %q carries no detail", err)
	}
}
