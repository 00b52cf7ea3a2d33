package openapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
)

// The audit log: structured slog events, at info level or above, under
// the message "audit". Every acknowledged write (AuditWrite), every
// refused authentication (401) or authorization (403) with its reason and
// the remote address, every peer verification failure and verdict
// (AuditFederation).

type remoteKey struct{}

// withRemote keeps the request's remote address in its context for the
// audit events.
func withRemote(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), remoteKey{}, r.RemoteAddr)))
	})
}

type requestIDKey struct{}

// withRequestID gives each request an id: the caller's X-Request-Id when
// it is a short token, else a random one. It is answered in X-Request-Id
// and logged with every problem and access log line, so a caller's report
// finds the full error in the log.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			var b [9]byte
			_, _ = rand.Read(b[:])
			id = base64.RawURLEncoding.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

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

// AuditFederation returns the federation.Config.OnEvent hook that logs
// each failed sync, refused entry and misbehaviour verdict.
func AuditFederation(log *slog.Logger) func(federation.Event) {
	return func(ev federation.Event) {
		level := slog.LevelWarn
		if ev.Kind != federation.EventSyncFailed {
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
