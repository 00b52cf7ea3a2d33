package openapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Peers is the /v1/peers answer: the node's own jurisdiction and what it
// holds of each peer's feed.
type Peers struct {
	Self  registry.Jurisdiction   `json:"self" doc:"This node's jurisdiction."`
	Peers []federation.PeerStatus `json:"peers" doc:"One status per peer, sorted by jurisdiction."`
}

// PeerOps returns the federation's peer operations, for Config.Extra:
// GET /v1/peers (public), POST /v1/peers/sync and POST
// /v1/peers/{jurisdiction}/reinstate (the program administrator only) and
// GET /v1/log/witnessed (public, see registerWitness).
func PeerOps(f *federation.Federation) func(huma.API, *Helpers) {
	return func(api huma.API, h *Helpers) {
		registerWitness(api, h, f)
		_ = h.Metrics().Registerer().Register(newPeerCollector(f))
		list := h.Op("list-peers", http.MethodGet, "/v1/peers",
			"The federation's peers and how far this node has verified and stored each one's feed", "federation")
		list.Description = "For each peer: the last verified sequence number, the size the peer last reported, " +
			"when it was last synced, why the last sync failed (if it did), how many entries were refused, and the key ids trusted for it."
		list.Description += " Anonymous callers see each peer's state and error_code; the program administrator's " +
			"bearer token also shows the peer's URL and the failure's detail (last_error)."
		huma.Register(api, list, func(ctx context.Context, in *struct {
			Authorization string `header:"Authorization" doc:"Optional: an administrator's bearer token shows url and last_error."`
		}) (*peersOut, error) {
			ps, err := f.Peers(ctx)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			if !h.isAdmin(in.Authorization) {
				for i := range ps {
					ps[i].URL, ps[i].LastError = "", ""
				}
			}
			return &peersOut{Vary: "Authorization", Body: Peers{Self: f.Node().Jurisdiction(), Peers: ps}}, nil
		})

		sync := h.WriteOp("sync-peers", http.MethodPost, "/v1/peers/sync",
			"Sync the peers now (program administrator, scope rules:write)", http.StatusOK, "federation")
		sync.Description = "Fetches, verifies and stores the peers' new entries now, instead of waiting for the next " +
			"background sync, and returns the statuses. A peer that fails is reported in its status; the call still succeeds."
		sync.Errors = append(sync.Errors, http.StatusNotFound)
		huma.Register(api, sync, func(ctx context.Context, in *struct {
			Peer string `query:"peer" pattern:"^CA-[A-Z]{2}$" doc:"Sync only this peer (e.g. CA-BC); default every peer."`
		}) (*bodyOut[Peers], error) {
			// A sync stores the peers' rules and agreements that answers rest
			// on: the administrator with rules:write, as for the node's own.
			if p := PrincipalOf(ctx); p.Role != node.RoleAdmin || !p.Can(node.ScopeRules) {
				return nil, h.Problem(ctx, fmt.Errorf("only the program administrator with scope %s may start a sync: %w", node.ScopeRules, registry.ErrForbidden))
			}
			out := Peers{Self: f.Node().Jurisdiction()}
			if in.Peer == "" {
				out.Peers = f.SyncAll(ctx)
				return &bodyOut[Peers]{out}, nil
			}
			j := registry.Jurisdiction(in.Peer)
			if _, ok := f.PeerURL(j); !ok {
				return nil, h.Problem(ctx, fmt.Errorf("%s is not a peer of this node: %w", j, registry.ErrNotFound))
			}
			st, _ := f.Sync(ctx, j) // a failure is in the status
			out.Peers = []federation.PeerStatus{st}
			return &bodyOut[Peers]{out}, nil
		})

		re := h.WriteOp("reinstate-peer", http.MethodPost, "/v1/peers/{jurisdiction}/reinstate",
			"Lift a peer's misbehaving mark (program administrator, scope rules:write)", http.StatusOK, "federation")
		re.Description = "The administrator's decision once the evidence was looked into: typically a member that restored an older copy of its " +
			"store, signed over entries its peers held, and then put back the history they hold. The mark and its evidence stay in the peer's " +
			"status (`reinstated`, with the administrator's token id and reason); the replica is unchanged, and the next sync checks the peer " +
			"as any sync does, so a peer still serving another history is marked again at once. 409 when the peer is not marked."
		re.Errors = append(re.Errors, http.StatusNotFound, http.StatusConflict)
		huma.Register(api, re, func(ctx context.Context, in *struct {
			Jurisdiction string `path:"jurisdiction" pattern:"^CA-[A-Z]{2}$" doc:"The peer, e.g. CA-SK."`
			Body         struct {
				Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why the mark is lifted: what the evidence showed and what the member did."`
			}
		}) (*bodyOut[federation.PeerStatus], error) {
			p := PrincipalOf(ctx)
			if p.Role != node.RoleAdmin || !p.Can(node.ScopeRules) {
				return nil, h.Problem(ctx, fmt.Errorf("only the program administrator with scope %s may reinstate a peer: %w", node.ScopeRules, registry.ErrForbidden))
			}
			st, err := f.Reinstate(ctx, registry.Jurisdiction(in.Jurisdiction), p.TokenID, in.Body.Reason)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[federation.PeerStatus]{st}, nil
		})
	}
}

// peersOut is the peer list, which depends on the caller's token: an
// administrator's shows more.
type peersOut struct {
	Vary string `header:"Vary" doc:"Authorization: an administrator's answer shows more."`
	Body Peers
}
