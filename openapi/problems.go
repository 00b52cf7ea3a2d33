package openapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
)

// kinds maps each error kind to its status and title. A table test pins it.
var kinds = []struct {
	kind   error
	status int
	title  string
}{
	{registry.ErrInvalid, http.StatusUnprocessableEntity, "Invalid input"},
	{registry.ErrNotFound, http.StatusNotFound, "Not found"},
	{registry.ErrConflict, http.StatusConflict, "Conflict"},
	{registry.ErrUnauthenticated, http.StatusUnauthorized, "Unauthenticated"},
	{registry.ErrForbidden, http.StatusForbidden, "Forbidden"},
	{registry.ErrUnverified, http.StatusUnprocessableEntity, "Signature not verified"},
	{registry.ErrUnavailable, http.StatusServiceUnavailable, "Unavailable"},
}

// problem turns a service error into an RFC 9457 problem. Errors of no
// known kind become a 500 that says nothing of the cause; the cause is
// logged in full.
func (s *server) problem(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		// The client has gone; nobody reads this, but it is not a 500.
		return &huma.ErrorModel{Status: http.StatusServiceUnavailable, Title: "Request cancelled", Detail: "the request was cancelled before the node answered"}
	}
	for _, k := range kinds {
		if !errors.Is(err, k.kind) {
			continue
		}
		if k.status == http.StatusForbidden || k.status == http.StatusUnauthorized {
			s.auditRefusal(ctx, k.status, err)
		}
		p := &huma.ErrorModel{Status: k.status, Title: k.title, Detail: err.Error()}
		var ves registry.ValidationErrors
		var ve *registry.ValidationError
		if errors.As(err, &ves) {
			p.Detail = ves.Error()
			for _, ve := range ves {
				p.Errors = append(p.Errors, &huma.ErrorDetail{Message: ve.Reason, Location: ve.Field, Value: ve.Value})
			}
		} else if errors.As(err, &ve) {
			p.Detail = ve.Error()
			p.Errors = []*huma.ErrorDetail{{Message: ve.Reason, Location: ve.Field, Value: ve.Value}}
		}
		return p
	}
	s.log.ErrorContext(ctx, "internal error", slog.Any("err", err))
	return &huma.ErrorModel{Status: http.StatusInternalServerError, Title: "Internal Server Error",
		Detail: "The node could not answer; the error is logged."}
}

// fieldProblem is a 422 naming one field of the request.
func fieldProblem(field, format string, args ...any) error {
	ve := registry.Invalid(field, format, args...).(*registry.ValidationError)
	return &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Invalid input", Detail: ve.Error(),
		Errors: []*huma.ErrorDetail{{Message: ve.Reason, Location: ve.Field}}}
}
