package openapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// Readiness is the /readyz answer.
type Readiness struct {
	Status    string            `json:"status" enum:"ready,not ready"`
	Checks    map[string]string `json:"checks" doc:"Each condition: ok or failing."`
	Reasons   map[string]string `json:"reasons,omitempty" doc:"Why each failing condition fails (the node's log has the details)."`
	ReasonsFR map[string]string `json:"reasons_fr,omitempty" doc:"The reasons in French."`
}

type readyOut struct {
	Status int
	Body   Readiness
}

// registerReady registers GET /readyz: 200 when the store answers and
// takes writes (it is not fail-stopped), a signing key is loaded and every
// Config.Ready check passes (the federation loaded, tiles published), 503
// otherwise, with the reason of each failing check. Each check is O(1).
func (s *server) registerReady(api huma.API) {
	o := op("ready", http.MethodGet, "/readyz", "Readiness: the store is open, the signing key loaded, the federation loaded", "node")
	o.Responses = map[string]*huma.Response{
		"503": {Description: "Not ready: the checks say why.", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Ref: "#/components/schemas/Readiness"}}}},
	}
	checks := append([]ReadyCheck{
		{Name: "store", Check: func(ctx context.Context) error {
			if err := s.node.StoreFailed(); err != nil {
				return &NotReady{Err: err,
					Reason:   "the store refuses every write: a commit failed after it became visible, so what the file holds is unknown (fail-stop); restart the node",
					ReasonFR: "le stockage refuse toute écriture : une validation a échoué après être devenue visible, si bien que le contenu du fichier est incertain (arrêt sur défaillance); redémarrez le nœud"}
			}
			if _, err := feedSize(ctx, s.node); err != nil {
				return &NotReady{Err: err, Reason: "the store does not answer", ReasonFR: "le stockage ne répond pas"}
			}
			return nil
		}},
		{Name: "keys", Check: func(context.Context) error {
			if s.node.ActiveKey() == nil {
				return &NotReady{Reason: "no signing key is loaded", ReasonFR: "aucune clé de signature n'est chargée"}
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
				var nr *NotReady
				if !errors.As(err, &nr) {
					nr = &NotReady{Reason: "the check failed; the node's log says why", ReasonFR: "la vérification a échoué; le journal du nœud en donne la raison"}
				}
				if out.Body.Reasons == nil {
					out.Body.Reasons, out.Body.ReasonsFR = map[string]string{}, map[string]string{}
				}
				out.Body.Reasons[c.Name], out.Body.ReasonsFR[c.Name] = nr.Reason, nr.ReasonFR
				continue
			}
			out.Body.Checks[c.Name] = "ok"
		}
		return out, nil
	})
}
