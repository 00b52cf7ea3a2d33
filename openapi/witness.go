package openapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
)

// registerWitness registers GET /v1/log/witnessed: the peer checkpoints
// the node verified and cosigned (the format is specified in package
// federation, witness.go). PeerOps calls it: only a node with a federation
// witnesses anything.
func registerWitness(api huma.API, h *Helpers, f *federation.Federation) {
	op := h.Op("log-witnessed", http.MethodGet, "/v1/log/witnessed",
		"The peers' checkpoints this node verified, each with its cosignature", "log")
	op.Description = "For each peer, the latest checkpoint this node verified (consistent with every earlier one and with the entries it holds), " +
		"with the peer's signature (jws) and this node's cosignature (typ corfed-cosignature+jws). Other nodes compare them with their own view " +
		"of each peer to detect a peer that shows different histories to different members (a split view)."
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*bodyOut[federation.Witnessed], error) {
		w, err := f.Witnessed(ctx)
		if err != nil {
			return nil, h.Problem(ctx, err)
		}
		return &bodyOut[federation.Witnessed]{w}, nil
	})
}
