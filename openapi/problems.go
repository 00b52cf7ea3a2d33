package openapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/msgfr"
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
	{registry.ErrUnverified, http.StatusUnprocessableEntity, titleUnverified},
	{registry.ErrUnavailable, http.StatusServiceUnavailable, "Unavailable"},
	{registry.ErrPrecondition, http.StatusPreconditionFailed, "Precondition failed"},
}

// Public problem messages. A problem's detail is one fixed, user-facing
// sentence per kind of error (publicDetails); what went wrong in this
// request is in errors[] (each invalid field and why; a conflict's
// reason), never a wrapped error chain, a file path or a peer's URL. The
// full error goes to the log with the request's id (X-Request-Id), so an
// operator can find it from what the caller saw.
const (
	detailInvalid      = "The request has invalid input; errors lists each field and what is wrong with it."
	detailMalformed    = "The request could not be read (malformed JSON, or a body that is not what the operation takes); errors says where."
	detailNotFound     = "Nothing on this node matches what the request names."
	detailNoRoute      = "This node has no such path; the API is described at /openapi.json."
	detailMethod       = "This method is not allowed on this path."
	detailConflict     = "The request conflicts with the record as it stands; errors says how."
	detailForbidden    = "The bearer token does not allow this request (its role, scopes or certifying partner do not cover it)."
	detailUnverified   = "A signature in the request does not verify."
	detailUnavailable  = "The node cannot answer now (a store or a peer is unavailable); try again later."
	detailCancelled    = "The request was cancelled before the node answered."
	detailTooLarge     = "The request body is larger than this operation accepts."
	detailMediaType    = "The request body's media type is not one this operation accepts; send application/json."
	detailTooMany      = "The node is busy; try again shortly."
	detailInternal     = "The node could not answer; the error is logged."
	detailUnauthorized = "The bearer token does not verify against this node's active key (malformed, signed by a retired or another key, or for another node)."
	detailNoToken      = "This operation needs a bearer token: send `Authorization: Bearer <token>` (see `corfed token`)."
	detailBadHeader    = "The Authorization header is malformed: send `Bearer <token>`."
	detailRevoked      = "The bearer token is revoked."
	detailExpired      = "The bearer token has expired or is not yet valid."
	detailLifetime     = "The bearer token's lifetime exceeds this node's limit; ask for a shorter-lived token."
	detailBadText      = "The body holds strings that are not valid text; errors names each of them."
	detailPrecondition = "The record is not as the request's If-Match or If-None-Match says; GET it again for its current ETag."
	detailCORSOrigin   = "This node does not let pages of this origin read its API (corfed serve --cors-origins lists those it does)."
	detailCORSMethod   = "Browsers may only read this node's API (GET, HEAD) from another origin; writes are not allowed from one."
	detailConditions   = "This operation does not take the condition header the request sends; errors names it."
	detailQuery        = "The request's query could not be read; errors names the parameter."
	detailStarting     = "The node is starting (opening its store, loading its keys and federation); try again in a moment."
)

// publicDetails is every detail a problem may carry.
var publicDetails = map[string]bool{}

func init() {
	for _, d := range []string{detailInvalid, detailMalformed, detailNotFound, detailNoRoute, detailMethod, detailConflict,
		detailForbidden, detailUnverified, detailUnavailable, detailCancelled, detailTooLarge, detailMediaType, detailTooMany,
		detailInternal, detailUnauthorized, detailNoToken, detailBadHeader, detailRevoked, detailExpired, detailLifetime, detailBadText,
		detailPrecondition, detailCORSOrigin, detailCORSMethod, detailConditions, detailQuery, detailStarting} {
		publicDetails[d] = true
	}
}

// detailFor is the fixed detail of a problem with this status and title.
func detailFor(status int, title string) string {
	switch status {
	case http.StatusBadRequest:
		return detailMalformed
	case http.StatusUnauthorized:
		return detailUnauthorized
	case http.StatusForbidden:
		return detailForbidden
	case http.StatusNotFound:
		return detailNotFound
	case http.StatusMethodNotAllowed:
		return detailMethod
	case http.StatusConflict:
		return detailConflict
	case http.StatusRequestEntityTooLarge:
		return detailTooLarge
	case http.StatusUnsupportedMediaType:
		return detailMediaType
	case http.StatusUnprocessableEntity:
		if title == titleUnverified {
			return detailUnverified
		}
		return detailInvalid
	case http.StatusTooManyRequests:
		return detailTooMany
	case http.StatusPreconditionFailed:
		return detailPrecondition
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusBadGateway:
		return detailUnavailable
	}
	if status >= 500 {
		return detailInternal
	}
	return detailInvalid
}

const titleUnverified = "Signature not verified"

// humaNoBody is huma's detail for a write sent without its body.
const humaNoBody = "request body is required"

// datePatternMessage is what a problem says of a date the schema's
// pattern refused, instead of huma's "expected string to match pattern".
const datePatternMessage = "expected a date from 1900-01-01 to 2999-12-31 (YYYY-MM-DD)"

// publicProblems is the huma transformer that gives every problem huma
// writes (the node's, huma's own validation and parsing errors, those of
// extensions) its fixed detail; a detail it replaces is logged with the
// request id.
func (s *server) publicProblems(ctx huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*huma.ErrorModel)
	if ok && isSchema422(p) {
		for _, e := range p.Errors {
			if strings.Contains(e.Message, datePattern) {
				e.Message = datePatternMessage
			}
			if name, ok := requiredMember(e.Message); ok && (e.Location == "body" || strings.HasPrefix(e.Location, "body.") || strings.HasPrefix(e.Location, "body[")) {
				// huma names a missing member at the object that lacks it;
				// every other member problem is at the member.
				e.Location, e.Value = e.Location+"."+name, nil
			}
		}
		s.withRuleErrors(ctx, p) // rules.go
	}
	if ok && p.Status == http.StatusBadRequest && len(p.Errors) == 0 && p.Detail == humaNoBody {
		p.Errors = []*huma.ErrorDetail{{Location: "body", Message: "required: this operation takes a JSON body"}}
	}
	if sp, stopped := v.(*ImportStoppedProblem); stopped {
		// Its messages are in the request's language already (the
		// import handler's); the title and detail are fixed.
		french := frenchOf(ctx.Context())
		if french {
			sp.Title, sp.Detail = msgfr.String(sp.Title), msgfr.String(sp.Detail)
		}
		humaLanguageHeaders(ctx, french)
		return v, nil
	}
	if ip, isImport := v.(*ImportProblemsError); isImport {
		// Its detail and messages are in the request's language already
		// (importProblems); the title is fixed.
		french := frenchOf(ctx.Context())
		if french {
			ip.Title = msgfr.String(ip.Title)
		}
		humaLanguageHeaders(ctx, french)
		return v, nil
	}
	if !ok {
		return v, nil
	}
	if p.Status == http.StatusUnprocessableEntity && p.Title == http.StatusText(http.StatusUnprocessableEntity) {
		// huma's own 422s (schema, query parameters) carry the node's
		// title: one title for one kind of problem.
		p.Title = "Invalid input"
	}
	if !publicDetails[p.Detail] {
		at := make([]string, 0, len(p.Errors))
		for _, e := range p.Errors {
			if e != nil {
				at = append(at, e.Location)
			}
		}
		s.log.LogAttrs(ctx.Context(), slog.LevelInfo, "problem", slog.String("request_id", requestIDOf(ctx.Context())),
			slog.Int("status", p.Status), slog.String("title", p.Title), slog.String("err", p.Detail), slog.Any("at", at))
		p.Detail = detailFor(p.Status, p.Title)
	}
	french := frenchOf(ctx.Context())
	if french {
		inFrench(p)
	}
	humaLanguageHeaders(ctx, french)
	return p, nil
}

// problem turns a service error into an RFC 9457 problem with a fixed
// detail; a validation error's fields and a conflict's reason go in
// errors[]. Errors of no known kind become a 500 that says nothing of the
// cause. The whole error is logged with the request id.
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
		return &huma.ErrorModel{Status: http.StatusServiceUnavailable, Title: "Request cancelled", Detail: detailCancelled}
	}
	if diskIsFull(err) {
		// The store's commit failed before it was visible (a commit
		// failing after is fail-stop, and /readyz says so): nothing was
		// stored, and the request may be sent again once the operator
		// has made room. Reads go on, so the node stays ready.
		s.log.LogAttrs(ctx, slog.LevelError, "disk full: a write was refused", slog.String("request_id", requestIDOf(ctx)), slog.Any("err", err))
		p := &huma.ErrorModel{}
		return retryLater(p, p, sayf(frenchOf(ctx), "the node's disk is full: nothing was stored; send the request again later"))
	}
	if errors.Is(err, federation.ErrStatusListBuilding) {
		// Not a failure: the list is read from every certificate once
		// after a start, in the background, and is served from then on.
		secs := int(federation.StatusListRetry / time.Second)
		p := &huma.ErrorModel{Status: http.StatusServiceUnavailable, Title: "Unavailable", Detail: detailUnavailable,
			Errors: []*huma.ErrorDetail{{Message: sayf(frenchOf(ctx), "the node's status list is being built after its start; ask again in %d seconds", secs)}}}
		return huma.ErrorWithHeaders(p, http.Header{"Retry-After": {strconv.Itoa(secs)}})
	}
	for _, k := range kinds {
		if !errors.Is(err, k.kind) {
			continue
		}
		p := &huma.ErrorModel{Status: k.status, Title: k.title, Detail: detailFor(k.status, k.title)}
		switch k.status {
		case http.StatusForbidden, http.StatusUnauthorized:
			s.auditRefusal(ctx, k.status, err)
			if k.status == http.StatusUnauthorized {
				p.Detail = publicAuthDetail(err)
			}
		default:
			s.log.LogAttrs(ctx, slog.LevelInfo, "problem", slog.String("request_id", requestIDOf(ctx)),
				slog.Int("status", k.status), slog.String("title", k.title), slog.Any("err", err))
		}
		var ves registry.ValidationErrors
		var ve *registry.ValidationError
		var ce *registry.ConflictError
		var pe *registry.PreconditionError
		var ue *registry.UnavailableError
		french := frenchOf(ctx)
		switch {
		case errors.As(err, &ue):
			msg := ue.Reason
			if french && ue.Format != "" {
				msg = frenchf(ue.Format, ue.Args...)
			}
			p.Errors = []*huma.ErrorDetail{{Message: msg}}
			if secs := int(ue.RetryAfter.Round(time.Second) / time.Second); secs > 0 {
				return huma.ErrorWithHeaders(p, http.Header{"Retry-After": {strconv.Itoa(secs)}})
			}
		case errors.As(err, &pe):
			c, _ := ctx.Value(conditionKey{}).(condition)
			msg := pe.Reason + "; GET it again"
			if french && pe.Format != "" {
				msg = frenchf(pe.Format, pe.Args...) + msgfr.String("; GET it again")
			}
			p.Errors = []*huma.ErrorDetail{{Message: msg, Location: "header." + c.header}}
			if c.etag != "" {
				return huma.ErrorWithHeaders(p, http.Header{"ETag": {c.etag}})
			}
		case errors.As(err, &ves):
			for _, ve := range ves {
				p.Errors = append(p.Errors, &huma.ErrorDetail{Message: reasonIn(french, ve), Location: ve.Field, Value: ve.Value})
			}
		case errors.As(err, &ve):
			p.Errors = []*huma.ErrorDetail{{Message: reasonIn(french, ve), Location: ve.Field, Value: ve.Value}}
		case errors.As(err, &ce):
			msg := ce.Reason
			if french && ce.Format != "" {
				msg = frenchf(ce.Format, ce.Args...)
			}
			p.Errors = []*huma.ErrorDetail{{Message: msg}}
		}
		return p
	}
	s.log.ErrorContext(ctx, "internal error", slog.String("request_id", requestIDOf(ctx)), slog.Any("err", err))
	return &huma.ErrorModel{Status: http.StatusInternalServerError, Title: "Internal Server Error", Detail: detailInternal}
}

// fieldProblem is a 422 naming one field of the request, its message in
// the request's language.
func fieldProblem(ctx context.Context, field, format string, args ...any) error {
	ve := registry.Invalid(field, format, args...).(*registry.ValidationError)
	return &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Invalid input", Detail: detailInvalid,
		Errors: []*huma.ErrorDetail{{Message: reasonIn(frenchOf(ctx), ve), Location: ve.Field}}}
}

// diskIsFull reports whether err is a write the node's full disk (or
// quota) refused.
func diskIsFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// retryLater fills m, the model of problem v, as the 503 of a write the
// node could not make now, saying msg, and returns v with Retry-After:
// the request may be sent again once the operator has made room (or the
// node has restarted).
func retryLater(m *huma.ErrorModel, v huma.StatusError, msg string) error {
	m.Status, m.Title, m.Detail = http.StatusServiceUnavailable, "Unavailable", detailUnavailable
	m.Errors = []*huma.ErrorDetail{{Message: msg}}
	return huma.ErrorWithHeaders(v, http.Header{"Retry-After": {"60"}})
}
