package openapi

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"net/http"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
)

// The audit log: structured slog events, at info level or above, under
// the message "audit". Every acknowledged write (AuditWrite), every
// refused authentication (401) or authorization (403) with its reason and
// the remote address, every peer verification failure and verdict
// (AuditFederation).

type remoteKey struct{}

type requestIDKey struct{}

// withRequestInfo keeps the request's remote address (for the audit
// events) and its id in its context. The id is the caller's X-Request-Id
// when it is a short token, else a random one. It is answered in
// X-Request-Id and logged with every problem and access log line, so a
// caller's report finds the full error in the log.
//
// Both values live in one context link (edgeContext): every request pays
// for one copy of the request, not two.
func withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header()["X-Request-Id"] = []string{id}
		next.ServeHTTP(w, r.WithContext(&edgeContext{Context: r.Context(), remote: r.RemoteAddr, id: id,
			acceptLanguage: r.Header.Get("Accept-Language"), langParam: langParam(r.URL.RawQuery)}))
	})
}

// edgeContext answers remoteKey and requestIDKey, and asks its parent for
// anything else.
type edgeContext struct {
	context.Context
	remote, id string
	// acceptLanguage is the request's Accept-Language: a problem written
	// deep in a handler says it in the language asked for (frenchOf).
	acceptLanguage string
	// langParam is the query's lang (en or fr, else ""): an operation
	// that takes it answers in it, and so are its problems.
	langParam string
}

func (c *edgeContext) Value(key any) any {
	switch key.(type) {
	case remoteKey:
		return c.remote
	case requestIDKey:
		return c.id
	case acceptLanguageKey:
		return c.acceptLanguage
	case langParamKey:
		return c.langParam
	}
	return c.Context.Value(key)
}

// validRequestID reports whether a caller's X-Request-Id is kept: 1 to 64
// of A-Z a-z 0-9 . _ -.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 72 random bits, base64url: unique enough to find a
// request in the log. It is not a secret (a caller may choose its own), so
// it comes from the runtime's fast generator, not from the kernel.
func newRequestID() string {
	var b [9]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	b[8] = byte(rand.Uint32())
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func requestIDOf(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

func remoteOf(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}

// AuditWrite returns the node.Config.OnWrite hook that logs each write:
// principal, token id, kind, id, version, seq, remote address.
func AuditWrite(log *slog.Logger) func(ctx context.Context, e registry.Entry) {
	return func(ctx context.Context, e registry.Entry) {
		attrs := []slog.Attr{slog.String("event", "write"), slog.String("kind", string(e.Kind)), slog.String("id", e.ID),
			slog.Uint64("ver", e.Ver), slog.Uint64("seq", e.Seq)}
		if e.By != nil {
			attrs = append(attrs, slog.String("role", e.By.Role), slog.String("cp", e.By.CP), slog.String("jti", e.By.Token))
		} else {
			attrs = append(attrs, slog.String("role", "node"))
		}
		if r := remoteOf(ctx); r != "" {
			attrs = append(attrs, slog.String("remote", r))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
	}
}

// AuditWrite logs a write that is not an entry of the feed (a webhook
// subscription, claims rows), as AuditWrite's hook logs the feed's: what,
// which, by whom (role, CP, token id), from where. Those stores keep no
// signed author, so this line is how a leaked token's writes are found.
func (h *Helpers) AuditWrite(ctx context.Context, kind, id string, attrs ...slog.Attr) {
	p := PrincipalOf(ctx)
	a := append([]slog.Attr{slog.String("event", "write"), slog.String("kind", kind), slog.String("id", id)}, attrs...)
	a = append(a, slog.String("role", p.Role), slog.String("cp", p.CP), slog.String("jti", p.TokenID))
	if r := remoteOf(ctx); r != "" {
		a = append(a, slog.String("remote", r))
	}
	h.s.log.LogAttrs(ctx, slog.LevelInfo, "audit", a...)
}

// AuditFederation returns the federation.Config.OnEvent hook that logs
// each failed sync, refused entry and misbehaviour verdict.
func AuditFederation(log *slog.Logger) func(federation.Event) {
	return func(ev federation.Event) {
		level := slog.LevelWarn
		if ev.Kind != federation.EventSyncFailed && ev.Kind != federation.EventReinstated {
			level = slog.LevelError
		}
		log.LogAttrs(context.Background(), level, "audit", slog.String("event", "peer_"+ev.Kind), slog.String("peer", string(ev.Peer)),
			slog.String("code", ev.Code), slog.Any("err", ev.Err))
	}
}

// auditRefusal logs a 401 or 403.
func (s *server) auditRefusal(ctx context.Context, status int, reason error) {
	event := "unauthenticated"
	if status == http.StatusForbidden {
		event = "forbidden"
	}
	p := principalOf(ctx)
	s.log.LogAttrs(ctx, slog.LevelWarn, "audit", slog.String("event", event), slog.Int("status", status),
		slog.String("reason", reason.Error()), slog.String("remote", remoteOf(ctx)),
		slog.String("role", p.Role), slog.String("cp", p.CP), slog.String("jti", p.TokenID))
}
