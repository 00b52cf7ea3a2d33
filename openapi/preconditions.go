package openapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Conditional writes (RFC 9110 section 13): a client that read a record
// sends the ETag it got back in If-Match, so that its change is refused
// (412) rather than silently overwriting a change another clerk made
// meanwhile; If-None-Match: * asks that a PUT create and never replace.
//
// The tags are compared with what a GET of the record's URL answers now
// (the same path, no query: today's status), so an ETag taken from that
// GET matches as long as nothing it shows has changed. The comparison is
// made at the edge, but writes are serialized in the node's pipeline, not
// here: so the edge also reads the record's version before and after that
// GET, and the write carries it (node.WithExpectation), and is refused
// where writes are ordered if another write to the record got in first.
//
// The writes that take conditions are those that change one record named
// by the path (conditionalWrites). Any other write sent with If-Match or
// If-None-Match is refused (400): its condition could not be honoured, and
// ignoring it would give the client a guarantee it does not have.

// conditionalWrite is a write whose target record the path names.
type conditionalWrite struct {
	method string
	prefix string // the path up to the record's id
	suffix string // the path after it ("" or "/status")
	kind   registry.Kind
}

var conditionalWrites = []conditionalWrite{
	{http.MethodPut, "/v1/employers/", "", registry.KindEmployer},
	{http.MethodPut, "/v1/cps/", "", registry.KindCP},
	{http.MethodPut, "/v1/certificates/", "", registry.KindCertificate},
	{http.MethodPatch, "/v1/certificates/", "", registry.KindCertificate},
	{http.MethodPost, "/v1/certificates/", "/status", registry.KindCertificate},
	{http.MethodPut, "/v1/equivalencies/", "", registry.KindEquivalency},
	{http.MethodPatch, "/v1/equivalencies/", "", registry.KindEquivalency},
	{http.MethodPut, "/v1/auditors/", "", registry.KindAuditor},
	{http.MethodPatch, "/v1/reviews/", "", registry.KindReview},
}

// conditionalTarget returns the record r's path names and the GET that
// shows it, if r is a conditional write.
func conditionalTarget(r *http.Request) (kind registry.Kind, id, get string, ok bool) {
	for _, c := range conditionalWrites {
		if r.Method != c.method {
			continue
		}
		rest, found := strings.CutPrefix(r.URL.Path, c.prefix)
		if !found {
			continue
		}
		if id, found = strings.CutSuffix(rest, c.suffix); found && id != "" && !strings.Contains(id, "/") {
			return c.kind, id, c.prefix + id, true
		}
	}
	return "", "", "", false
}

// conditionalPattern reports whether the operation at method and its
// path pattern takes conditions.
func conditionalPattern(method, pattern string) bool {
	for _, c := range conditionalWrites {
		rest, ok := strings.CutPrefix(pattern, c.prefix)
		if !ok || method != c.method || !strings.HasPrefix(rest, "{") {
			continue
		}
		if _, after, ok := strings.Cut(rest, "}"); ok && after == c.suffix {
			return true
		}
	}
	return false
}

// conditionParams document the conditions in the operations that take them.
var conditionParams = []*huma.Param{
	{Name: "If-Match", In: "header", Schema: &huma.Schema{Type: huma.TypeString},
		Description: "ETags from a GET of the record's URL (no query), or *: the write is made only if the record is still as that GET showed it, else 412 and nothing changes. A weak tag never matches."},
	{Name: "If-None-Match", In: "header", Schema: &huma.Schema{Type: huma.TypeString},
		Description: "* : the write is made only if the record does not exist yet (a PUT that creates, never replaces), else 412."},
}

// conditionKey is the context key of the condition (a condition) a write
// carries: problem names its header in a 412, with the record's ETag.
type conditionKey struct{}

// preconditions evaluates If-Match and If-None-Match on writes; next is the
// rest of the chain (etagged, then the routes), through which it asks for
// the GET.
func (s *server) preconditions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		ifMatch, ifNoneMatch := r.Header.Values("If-Match"), r.Header.Values("If-None-Match")
		if len(ifMatch) == 0 && len(ifNoneMatch) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		header := "If-Match"
		if len(ifMatch) == 0 {
			header = "If-None-Match"
		}
		if _, err := s.principal(r.Header.Get("Authorization")); err != nil {
			// Conditions are evaluated once the caller is known: without
			// a valid token the write is a 401, whatever they say.
			next.ServeHTTP(w, r)
			return
		}
		kind, id, get, ok := conditionalTarget(r)
		if !ok {
			writeProblemErrors(w, r, http.StatusBadRequest, "Bad Request", detailConditions, []*huma.ErrorDetail{{Location: "header." + header,
				Message: "this operation does not take conditions; If-Match and If-None-Match are taken by the PUT and PATCH of one record (and POST /v1/certificates/{id}/status)"}})
			return
		}
		ctx := r.Context()
		before, err := s.versionOf(ctx, kind, id)
		if err != nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "Unavailable", detailUnavailable)
			return
		}
		cur := s.current(next, r, get)
		if cur.status != http.StatusOK && cur.status != http.StatusNotFound {
			// The GET is refused (no token, a token that may not read it,
			// the node unavailable): so would the write be, or worse.
			cur.writeTo(w)
			return
		}
		after, err := s.versionOf(ctx, kind, id)
		if err != nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "Unavailable", detailUnavailable)
			return
		}
		exists := cur.status == http.StatusOK
		var why string
		var whyArgs []any
		switch {
		case before != after:
			why = "the record changed while the condition was checked"
		case len(ifMatch) > 0 && !matchStrong(ifMatch, cur.etag, exists):
			if exists {
				why, whyArgs = "the record has changed since the ETag given was read (it is now %s)", []any{cur.etag}
			} else {
				why = "there is no such record to match"
			}
		case len(ifNoneMatch) > 0 && matchAny(ifNoneMatch, cur.etag, exists):
			header = "If-None-Match"
			why = "the record exists and If-None-Match asks that it not"
		}
		// A condition that failed here is not answered here: the write
		// runs, and is refused with 412 when it reaches the record, after
		// the checks that come first (the token's scope and authority,
		// the body), as RFC 9110 section 13.2.1 orders them.
		c := condition{header: header}
		if exists {
			c.etag = cur.etag
		}
		ctx = node.WithExpectation(context.WithValue(ctx, conditionKey{}, c), node.Expectation{Kind: kind, ID: id, Ver: after, Refuse: why, RefuseArgs: whyArgs})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// condition is what a 412 says of the request's condition: the header it
// came in, and the record's ETag as compared ("" when it does not exist).
type condition struct{ header, etag string }

// versionOf is the newest version of the node's own record, 0 if none.
func (s *server) versionOf(ctx context.Context, kind registry.Kind, id string) (uint64, error) {
	e, err := s.node.Record(ctx, kind, id)
	switch {
	case err == nil:
		return e.Ver, nil
	case errors.Is(err, registry.ErrNotFound), errors.Is(err, registry.ErrInvalid):
		return 0, nil
	}
	return 0, err
}

// current answers GET path (no query) with r's credentials and language,
// through next, and keeps the status, the ETag and a problem's body.
func (s *server) current(next http.Handler, r *http.Request, path string) *capture {
	g := r.Clone(context.WithValue(r.Context(), chi.RouteCtxKey, chi.NewRouteContext()))
	g.Method = http.MethodGet
	g.URL.Path, g.URL.RawPath, g.URL.RawQuery = path, "", ""
	g.RequestURI = path
	g.Body, g.ContentLength = http.NoBody, 0
	for _, h := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
		"Content-Type", "Content-Length", "Content-Encoding"} {
		g.Header.Del(h)
	}
	c := &capture{header: http.Header{}}
	next.ServeHTTP(c, g)
	c.etag = c.header.Get("ETag")
	return c
}

// capture is a ResponseWriter that keeps an answer's status and header,
// and its body unless it is a 200 (whose bytes only the ETag summarises).
type capture struct {
	header http.Header
	status int
	etag   string
	body   []byte
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.status != http.StatusOK && len(c.body) < 1<<16 {
		c.body = append(c.body, b...)
	}
	return len(b), nil
}

// writeTo writes the kept answer (a problem) to w.
func (c *capture) writeTo(w http.ResponseWriter) {
	if ct := c.header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body)
}

// matchStrong reports whether If-Match's values hold for the current ETag
// (strong comparison: a weak tag never matches), "*" when the record exists.
func matchStrong(values []string, etag string, exists bool) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			switch {
			case t == "*":
				if exists {
					return true
				}
			case exists && !strings.HasPrefix(t, "W/") && t == etag:
				return true
			}
		}
	}
	return false
}

// matchAny reports whether If-None-Match's values name the current ETag
// (weak comparison), "*" when the record exists.
func matchAny(values []string, etag string, exists bool) bool {
	return exists && matchETag(strings.Join(values, ","), etag)
}
