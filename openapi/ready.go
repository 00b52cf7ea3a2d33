package openapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// Readiness is the /readyz answer.
type Readiness struct {
	Status string            `json:"status" enum:"ready,not ready"`
	Checks map[string]string `json:"checks" doc:"Each condition: ok, or why it fails."`
}

type readyOut struct {
	Status int
	Body   Readiness
}

// registerReady registers GET /readyz: 200 when the store answers, a
// signing key is loaded and every Config.Ready check passes (the
// federation loaded), 503 otherwise. Each check is O(1).
func (s *server) registerReady(api huma.API) {
	o := op("ready", http.MethodGet, "/readyz", "Readiness: the store is open, the signing key loaded, the federation loaded", "node")
	o.Responses = map[string]*huma.Response{
		"503": {Description: "Not ready: the checks say why.", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Ref: "#/components/schemas/Readiness"}}}},
	}
	checks := append([]ReadyCheck{
		{Name: "store", Check: func(ctx context.Context) error { _, err := feedSize(ctx, s.node); return err }},
		{Name: "keys", Check: func(context.Context) error {
			if s.node.ActiveKey() == nil {
				return errors.New("no active signing key")
			}
			return nil
		}},
	}, s.ready...)
	huma.Register(api, o, func(ctx context.Context, _ *struct{}) (*readyOut, error) {
		out := &readyOut{Status: http.StatusOK, Body: Readiness{Status: "ready", Checks: map[string]string{}}}
		for _, c := range checks {
			if err := c.Check(ctx); err != nil {
				s.log.WarnContext(ctx, "not ready", "check", c.Name, "err", err)
				out.Status, out.Body.Status = http.StatusServiceUnavailable, "not ready"
				out.Body.Checks[c.Name] = "failing"
				continue
			}
			out.Body.Checks[c.Name] = "ok"
		}
		return out, nil
	})
}
