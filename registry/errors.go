package registry

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds. Domain packages wrap one of these with context
// (fmt.Errorf("certificate %s: %w", id, ErrNotFound)); the openapi package
// maps each kind to an HTTP status in one table. Anything that wraps none of
// them is an internal error and is never shown to a client in detail.
var (
	// ErrNotFound: the record, entry or key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write contradicts what is stored (duplicate id,
	// stale version, a status change that the current status forbids).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input is malformed or breaks a rule of the domain.
	ErrInvalid = errors.New("invalid")
	// ErrUnverified: a signature, token or proof does not verify against the
	// keys we trust, or uses an algorithm or header we do not allow.
	ErrUnverified = errors.New("unverified")
	// ErrUnauthenticated: no credential, or one that is malformed or expired.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the caller is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: a dependency (a peer, the disk) cannot answer now.
	ErrUnavailable = errors.New("unavailable")
	// ErrPrecondition: the write named the version of the record it was
	// made from (an HTTP If-Match) and the record has moved on since.
	ErrPrecondition = errors.New("precondition failed")
)

// PreconditionError says how the record differs from the version a write
// named (see ErrPrecondition). It wraps ErrPrecondition. Format and Args,
// when set (Precondition), are what Reason was printed from: the catalogue
// of registry/msgfr prints Reason in French from them.
type PreconditionError struct {
	Reason string
	Format string
	Args   []any
}

// Precondition returns a *PreconditionError whose reason is printed from
// format, an English sentence with a French entry in registry/msgfr.
func Precondition(format string, args ...any) *PreconditionError {
	return &PreconditionError{Reason: fmt.Sprintf(format, args...), Format: format, Args: args}
}

func (e *PreconditionError) Error() string { return e.Reason }
func (e *PreconditionError) Unwrap() error { return ErrPrecondition }

// UnavailableError says what the node cannot answer yet and when to ask
// again (a list it is building). It wraps ErrUnavailable. Format and Args
// are what Reason was printed from: the catalogue of registry/msgfr
// prints Reason in French from them.
type UnavailableError struct {
	Reason     string
	RetryAfter time.Duration
	Format     string
	Args       []any
}

// Unavailable returns an *UnavailableError whose reason is printed from
// format, an English sentence with a French entry in registry/msgfr.
func Unavailable(retryAfter time.Duration, format string, args ...any) *UnavailableError {
	return &UnavailableError{Reason: fmt.Sprintf(format, args...), RetryAfter: retryAfter, Format: format, Args: args}
}

func (e *UnavailableError) Error() string { return e.Reason }
func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// ValidationError says which field of an input is wrong and why. It wraps
// ErrInvalid, so errors.Is(err, ErrInvalid) holds.
type ValidationError struct {
	Field  string // JSON path of the offending field, e.g. "body.employer_bn"
	Reason string // a sentence for a person
	Value  any    // the offending value, when it is safe to echo
	// Format and Args are what Reason was printed from (Invalid): the
	// English format is the key of its French entry in registry/msgfr.
	Format string
	Args   []any
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Invalid returns a *ValidationError for field.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Word is a word a sentence names (an action, a status) with its French:
// fmt prints Code, the catalogue of registry/msgfr prints FR. An argument
// of Invalid, Conflict or Textf that is a code word rather than a value.
type Word struct{ Code, FR string }

func (w Word) String() string { return w.Code }

// French is w in French (msgfr.Sprintf prints it), Code when it has none.
func (w Word) French() string {
	if w.FR == "" {
		return w.Code
	}
	return w.FR
}

// TextError is an error whose text a person reads (a date or a code that
// does not parse), kept with the English format it was printed from so
// that a problem can say it in French (registry/msgfr).
type TextError struct {
	Format string
	Args   []any
}

func (e *TextError) Error() string { return fmt.Sprintf(e.Format, e.Args...) }

// Textf returns a *TextError: fmt.Errorf for a sentence with a French
// entry in registry/msgfr (it wraps nothing).
func Textf(format string, args ...any) error { return &TextError{Format: format, Args: args} }

// BilingualText is a sentence its writer said in both official languages
// (the recognition engine's reasons), given as an argument of Invalid: it
// prints its English, and a problem in French prints its French
// (openapi's frenchErr).
type BilingualText struct {
	EN, FR string
}

func (b *BilingualText) Error() string { return b.EN }

// ValidationErrors are every problem found in one input, reported at once.
// It wraps each *ValidationError (so errors.As finds the first) and
// ErrInvalid.
type ValidationErrors []*ValidationError

func (es ValidationErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Problems returns every validation error err holds, in order (nil when
// it holds none).
func Problems(err error) ValidationErrors {
	var ves ValidationErrors
	var ve *ValidationError
	switch {
	case errors.As(err, &ves):
		return ves
	case errors.As(err, &ve):
		return ValidationErrors{ve}
	}
	return nil
}

// Fields returns the field of every validation error err holds, in
// order (nil when it holds none).
func Fields(err error) []string {
	var fs []string
	for _, e := range Problems(err) {
		fs = append(fs, e.Field)
	}
	return fs
}

// JoinInvalid returns every validation error of errs at once (nil, the one
// error, or ValidationErrors); the first error of another kind wins.
func JoinInvalid(errs ...error) error {
	var c collect
	for _, err := range errs {
		c.add(err)
	}
	return c.err()
}

// collect gathers validation errors: add keeps every *ValidationError (and
// ValidationErrors) it is given, and err returns nil, the one error, or
// all of them.
type collect struct {
	errs  ValidationErrors
	other error
}

func (c *collect) add(err error) {
	if err == nil {
		return // before ve and ves, which escape: Validate adds a nil per field
	}
	var ve *ValidationError
	var ves ValidationErrors
	switch {
	case errors.As(err, &ves):
		c.errs = append(c.errs, ves...)
	case errors.As(err, &ve):
		c.errs = append(c.errs, ve)
	case c.other == nil:
		c.other = err
	}
}

func (c *collect) err() error {
	switch {
	case c.other != nil:
		return c.other
	case len(c.errs) == 0:
		return nil
	case len(c.errs) == 1:
		return c.errs[0]
	}
	return c.errs
}
