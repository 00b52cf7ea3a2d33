package openapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestMaintenanceWhileBuilding (review s29-g, High 1): on a node whose
// maintenance list a worker keeps (corfed serve), GET /v1/maintenance
// before the worker's first build is done is a 503 problem with
// Retry-After saying the list is being built, in the language asked, at
// once: it does not wait while every certificate is read. Here the
// worker stops before it builds anything, so the list is never built.
func TestMaintenanceWhileBuilding(t *testing.T) {
	f := newFixtureWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.n.KeepMaintenanceList(ctx, nil)
	for _, lang := range []string{"en", "fr"} {
		code, h, b := f.ask(t, "GET", "/v1/maintenance?due_before=2035-12-31", "", "", "", lang)
		var p struct {
			Errors []struct{ Message string }
		}
		_ = json.Unmarshal(b, &p)
		want := "maintenance list is being built"
		if lang == "fr" {
			want = "liste de maintien est en cours de construction"
		}
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "5" || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("%s: %d Retry-After %q %s; want 503 with Retry-After 5 saying %q", lang, code, h.Get("Retry-After"), b, want)
		}
	}
}
