package jwt

// Error is a class of rejection. Each has a stable snake_case Code (machine-readable, sent in
// reply bodies and metrics) and a Description (RFC 6750 error_description). Detail is wrapped
// behind the class with fmt.Errorf("%w: ...", ErrX, ...); callers use errors.Is / errors.As.
type Error struct {
	code string
	desc string
}

func (e *Error) Error() string       { return e.desc }
func (e *Error) Code() string        { return e.code }
func (e *Error) Description() string { return e.desc }

var (
	ErrMalformed      = &Error{"token_malformed", "token is malformed"}
	ErrJWE            = &Error{"token_encrypted", "token is encrypted (JWE); a signed JWT (JWS) is required"}
	ErrTooLarge       = &Error{"token_too_large", "token is too large"}
	ErrCrit           = &Error{"token_crit_unsupported", "token header has an unsupported crit parameter"}
	ErrUnsupportedAlg = &Error{"alg_unsupported", "token algorithm is not supported"}
	ErrAlgNotAllowed  = &Error{"alg_not_allowed", "token algorithm is not allowed"}
	ErrAlgKeyMismatch = &Error{"alg_key_mismatch", "token algorithm does not fit the key"}
	ErrUnknownKid     = &Error{"kid_unknown", "token key id is unknown"}
	ErrNoKeys         = &Error{"keys_unavailable", "no verification keys are available"}
	ErrBadSignature   = &Error{"signature_invalid", "token signature is invalid"}
	ErrExpired        = &Error{"token_expired", "token is expired"}
	ErrNotYetValid    = &Error{"token_not_yet_valid", "token is not valid yet"}
	ErrIssuedInFuture = &Error{"token_issued_in_future", "token was issued in the future"}
	ErrLifetime       = &Error{"token_lifetime_too_long", "token lifetime exceeds the maximum"}
	ErrIssuer         = &Error{"issuer_mismatch", "token issuer is not accepted"}
	ErrAudience       = &Error{"audience_mismatch", "token audience is not accepted"}
	ErrMissingClaim   = &Error{"claim_missing", "token lacks a required claim"}
	ErrClaimType      = &Error{"claim_invalid", "token claim has an invalid type"}
)

// AllErrors lists every class, for table tests and metrics registration.
var AllErrors = []*Error{
	ErrMalformed, ErrJWE, ErrTooLarge, ErrCrit, ErrUnsupportedAlg, ErrAlgNotAllowed, ErrAlgKeyMismatch,
	ErrUnknownKid, ErrNoKeys, ErrBadSignature, ErrExpired, ErrNotYetValid, ErrIssuedInFuture,
	ErrLifetime, ErrIssuer, ErrAudience, ErrMissingClaim, ErrClaimType,
}
