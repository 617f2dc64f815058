package policy

// Codes of credentials other than JWTs and of request checks made before the claims
// (issue 11). Each is answered with its own status; see Denial.
const (
	CodeAPIKeyInvalid       = "api_key_invalid"      // 401: no configured key has this digest
	CodeAPIKeyExpired       = "api_key_expired"      // 401: the key's expires_at has passed
	CodeCertificateMismatch = "certificate_mismatch" // 401: cnf x5t#S256 is not the client certificate's
	CodeCertificateRequired = "certificate_required" // 401: the binding needs a client certificate
	CodeBodyInvalid         = "body_invalid"         // 400: the body is not a JSON object
	CodeBodyTooLarge        = "body_too_large"       // 413: the body is over the configured limit
)

// Denial is a failure with its own status and code, for outcomes that are not *jwt.Error:
// API keys (401 api_key_expired, 401 api_key_invalid, 403 source_not_allowed) and
// certificate binding. Decide reports it as given.
type Denial struct {
	Status  int
	Code    string
	Message string
}

func (d *Denial) Error() string { return d.Message }
