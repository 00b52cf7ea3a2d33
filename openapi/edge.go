package openapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// The edge's conventions for every route, in the order a request meets
// them (see NewAPI): panics become a logged 500 with the stack; security
// headers; the access log and the request metrics; CORS for public reads;
// HEAD answered by the GET route; ETag and 304 for GET answers.

// recoverer turns a panic into a logged 500 problem, with the stack: a
// client never sees a stack or a dropped connection.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "panic", slog.Any("panic", v), slog.String("method", r.Method),
						slog.String("path", r.URL.Path), slog.String("stack", string(debug.Stack())))
					writeProblem(w, r, http.StatusInternalServerError, "Internal Server Error", "The node could not answer; the error is logged.")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// docsCSP is the /docs page's policy: scripts only from the node (the
// page's own script is a file, not inline). Swagger UI sets style
// attributes on its elements, so styles keep 'unsafe-inline'.
const docsCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// apiCSP is every other answer's policy: JSON is not a page.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// The values of the headers every answer carries, shared by all answers:
// a header value slice is replaced (Set) or appended to (Add, which copies
// a full slice), never written in place.
var (
	hdrNosniff    = []string{"nosniff"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrDeny       = []string{"DENY"}
	hdrDocsCSP    = []string{docsCSP}
	hdrAPICSP     = []string{apiCSP}
	hdrVaryOrigin = []string{"Origin"}
)

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNosniff
		h["Referrer-Policy"] = hdrNoReferrer
		h["X-Frame-Options"] = hdrDeny
		if r.URL.Path == "/docs" || strings.HasPrefix(r.URL.Path, "/docs/") {
			h["Content-Security-Policy"] = hdrDocsCSP
		} else {
			h["Content-Security-Policy"] = hdrAPICSP
		}
		next.ServeHTTP(w, r)
	})
}

// recorder captures the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs every request at level (method, route pattern, status,
// duration, bytes, remote address) and records it in m. route is the
// request's route pattern and the operation it is counted under, asked
// once the request is answered; never the raw path (the metrics' labels
// stay bounded).
func accessLog(log *slog.Logger, level slog.Level, m *Metrics, route func(r *http.Request) (pattern, operation string)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &recorder{ResponseWriter: w}
			defer func() {
				took := time.Since(start)
				status := rec.status
				if status == 0 {
					status = http.StatusOK
				}
				pattern, operation := route(r)
				m.observe(operation, r.Method, status, took)
				if log.Enabled(r.Context(), level) {
					log.LogAttrs(r.Context(), level, "http request", slog.String("method", r.Method),
						slog.String("route", pattern), slog.Int("status", status), slog.Duration("duration", took),
						slog.Int64("bytes", rec.bytes), slog.String("remote", r.RemoteAddr), slog.String("request_id", requestIDOf(r.Context())))
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// cors lets pages of the allowed origins read the public API: GET and
// HEAD answers, and their preflights, carry Access-Control-Allow-Origin
// for an allowed Origin. Writes never do (a browser then refuses to send
// them from another origin with a token). "*" allows every origin.
func cors(origins []string) func(http.Handler) http.Handler {
	any := slices.Contains(origins, "*")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if h := w.Header(); h["Vary"] == nil {
				h["Vary"] = hdrVaryOrigin
			} else {
				h.Add("Vary", "Origin")
			}
			allowed := origin != "" && (any || slices.Contains(origins, origin))
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if preflight {
				m := r.Header.Get("Access-Control-Request-Method")
				// Refused: an RFC 9457 problem as every other 4xx, with no
				// Access-Control-Allow-* header (the browser refuses the
				// request on its own), saying why in the network panel.
				switch {
				case !allowed:
					writeProblem(w, r, http.StatusForbidden, "Cross-origin request refused", detailCORSOrigin)
					return
				case m != http.MethodGet && m != http.MethodHead:
					writeProblem(w, r, http.StatusForbidden, "Cross-origin request refused", detailCORSMethod)
					return
				}
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", "GET, HEAD")
				h.Set("Access-Control-Allow-Headers", "If-None-Match, Accept")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if allowed && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				w.Header().Set("Access-Control-Allow-Origin", origin)
				w.Header().Set("Access-Control-Expose-Headers", "ETag, Location, X-Request-Id")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// etagged buffers a GET or HEAD answer of 200, gives it a strong ETag (a
// hash of its bytes) unless the handler set one, and answers 304 with no
// body when the request's If-None-Match names it (412 when its If-Match
// does not). Answers without a
// Cache-Control of their own get "no-cache": a client may keep them but
// revalidates each time, which costs it only a 304. An answer its handler
// marks "Cache-Control: no-store" (made afresh for each request, such as a
// recognition answer with its own signed proof) has nothing to revalidate:
// it is written through, neither buffered nor hashed.
func etagged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.URL.Path == "/metrics" || strings.HasPrefix(r.URL.Path, "/docs") {
			next.ServeHTTP(w, r)
			return
		}
		b := &buffered{header: http.Header{}, through: w}
		next.ServeHTTP(b, r)
		if b.passing {
			return
		}
		h, status := b.headerInto(w)
		if status == http.StatusOK {
			tag := h.Get("ETag")
			if tag == "" {
				sum := sha256.Sum256(b.body.Bytes())
				tag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
				h.Set("ETag", tag)
			}
			if h.Get("Cache-Control") == "" {
				h.Set("Cache-Control", "no-cache")
			}
			if im := r.Header.Values("If-Match"); len(im) > 0 && !matchStrong(im, tag, true) {
				h.Del("Content-Length")
				writeProblemErrors(w, r, http.StatusPreconditionFailed, "Precondition failed", detailPrecondition,
					[]*huma.ErrorDetail{{Location: "header.If-Match", Message: sayf(frenchOf(r.Context()), "the answer has changed since the ETag given (it is now %s)", tag)}})
				return
			}
			if matchETag(r.Header.Get("If-None-Match"), tag) {
				h.Del("Content-Length")
				h.Del("Content-Type")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		h.Set("Content-Length", strconv.Itoa(b.body.Len()))
		w.WriteHeader(status)
		_, _ = w.Write(b.body.Bytes())
	})
}

// matchETag reports whether an If-None-Match header names tag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func matchETag(header, tag string) bool {
	if header == "" {
		return false
	}
	tag = strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// buffered is a ResponseWriter that keeps the answer in memory. With
// through set, an answer of 200 whose header says Cache-Control: no-store
// is written to through instead (passing).
type buffered struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	through http.ResponseWriter
	passing bool
}

func (b *buffered) Header() http.Header { return b.header }

// headerInto copies b's header into w's and returns w's header and b's
// status (200 if none was written). Vary adds to what the edge said (cors
// sets Vary: Origin on every answer).
func (b *buffered) headerInto(w http.ResponseWriter) (http.Header, int) {
	h := w.Header()
	for k, v := range b.header {
		if k == "Vary" && len(h[k]) > 0 {
			h[k] = append(slices.Clip(h[k]), v...)
			continue
		}
		h[k] = v
	}
	if b.status == 0 {
		return h, http.StatusOK
	}
	return h, b.status
}
func (b *buffered) WriteHeader(code int) {
	if b.status != 0 {
		return
	}
	b.status = code
	if b.through != nil && code == http.StatusOK && b.header.Get("Cache-Control") == "no-store" {
		b.passing = true
		b.headerInto(b.through)
		b.through.WriteHeader(code)
	}
}
func (b *buffered) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.WriteHeader(http.StatusOK)
	}
	if b.passing {
		return b.through.Write(p)
	}
	return b.body.Write(p)
}

// ReadyCheck is one condition of GET /readyz. Check returns nil when it
// holds; a *NotReady error gives the reason /readyz shows, any other
// error a generic one (its text goes to the node's log only).
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// NotReady is a failing readiness check's error with the reason GET
// /readyz shows, in English and French: words for an operator, without
// the file names or addresses Err may hold (Err goes to the log).
type NotReady struct {
	Reason, ReasonFR string
	Err              error
}

func (e *NotReady) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *NotReady) Unwrap() error { return e.Err }
