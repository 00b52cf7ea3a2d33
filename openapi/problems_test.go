package openapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
)

func TestProblemMapping(t *testing.T) {
	s := &server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		name   string
		err    error
		status int
		field  string
	}{
		{"invalid", fmt.Errorf("x: %w", registry.ErrInvalid), 422, ""},
		{"validation error names its field", fmt.Errorf("wrapped: %w", registry.Invalid("body.bn", "bad")), 422, "body.bn"},
		{"not found", fmt.Errorf("certificate X: %w", registry.ErrNotFound), 404, ""},
		{"conflict", &registry.ConflictError{Reason: "cannot reinstate"}, 409, ""},
		{"unauthenticated", fmt.Errorf("token: %w", registry.ErrUnauthenticated), 401, ""},
		{"forbidden", fmt.Errorf("cp: %w", registry.ErrForbidden), 403, ""},
		{"unverified", fmt.Errorf("sig: %w", registry.ErrUnverified), 422, ""},
		{"unavailable", fmt.Errorf("peer: %w", registry.ErrUnavailable), 503, ""},
		{"cancelled", context.Canceled, 503, ""},
		{"unknown is a 500", errors.New("disk on fire at /var/lib/secret"), 500, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := s.problem(context.Background(), tc.err).(*huma.ErrorModel)
			if !ok {
				t.Fatalf("got %T, want *huma.ErrorModel", s.problem(context.Background(), tc.err))
			}
			if p.Status != tc.status || p.Title == "" {
				t.Errorf("got %d %q, want %d with a title", p.Status, p.Title, tc.status)
			}
			if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Location != tc.field) {
				t.Errorf("errors: got %+v, want location %s", p.Errors, tc.field)
			}
			if tc.status == 500 && (strings.Contains(p.Detail, "secret") || len(p.Errors) != 0) {
				t.Errorf("a 500 leaks internal detail: %+v", p)
			}
		})
	}
	if s.problem(context.Background(), nil) != nil {
		t.Error("nil error: got a problem")
	}
}

// TestProblemDetailIsFixedAndTheChainLogged: whatever the error says, the
// detail is the kind's fixed sentence; the whole chain is in the log with
// the request id.
func TestProblemDetailIsFixedAndTheChainLogged(t *testing.T) {
	var buf strings.Builder
	s := &server{log: slog.New(slog.NewTextHandler(&buf, nil))}
	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-42")
	for i, err := range []error{
		fmt.Errorf(`log "peer/CA-BC": open /var/lib/corfed/corfed.db: %w`, registry.ErrUnavailable),
		fmt.Errorf("certificate X: stored certificate v3: https://peer.internal:8443/v1/feed: %w", registry.ErrNotFound),
		fmt.Errorf("wrapped /srv/x: %w", &registry.ConflictError{Reason: "cannot reinstate a certificate that is active"}),
		fmt.Errorf("decode /tmp/y: %w", registry.Invalid("body.bn", "the check digit is wrong")),
		errors.New("disk on fire at /var/lib/secret"),
	} {
		buf.Reset()
		p := s.problem(ctx, err).(*huma.ErrorModel)
		if !publicDetails[p.Detail] {
			t.Errorf("%v: detail %q is not a fixed message", err, p.Detail)
		}
		for _, e := range p.Errors {
			if strings.Contains(e.Message, "/") {
				t.Errorf("%v: error message %q carries a path or URL", err, e.Message)
			}
		}
		if !strings.Contains(buf.String(), "req-42") || !strings.Contains(buf.String(), []string{"corfed.db", "peer.internal", "/srv/x", "/tmp/y", "secret"}[i]) {
			t.Errorf("%v: log %q lacks the request id or the chain", err, buf.String())
		}
	}
}
