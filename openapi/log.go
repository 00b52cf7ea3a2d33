package openapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry/logproof"
)

// The wire types below spell out, for the OpenAPI document, the JSON that
// package logproof defines (its doc.go is the specification). A client can
// decode these answers straight into logproof.Signed,
// logproof.InclusionProof and logproof.ConsistencyProof, which ignore the
// extra root members.

// LogCheckpoint is the node's signed checkpoint (logproof.Signed).
type LogCheckpoint struct {
	Origin   string `json:"origin" example:"corfed/CA-AB" doc:"The log: corfed/ and the node's jurisdiction."`
	Size     uint64 `json:"size" doc:"Number of feed entries the tree covers (seq 1 to size)."`
	RootHash string `json:"root_hash" format:"byte" doc:"RFC 6962 root hash of that tree, standard base64."`
	Time     string `json:"time" format:"date-time" example:"2026-11-25T12:00:00Z" doc:"When the node signed, UTC, to the second."`
	Body     string `json:"body" doc:"The signed text: origin, size, root_hash and time, one per line, each ended by a line feed."`
	JWS      string `json:"jws" doc:"Compact JWS of body, typ corfed-checkpoint+jws, by the node's key (see /.well-known/jwks.json). Only this is evidence."`
}

// LogInclusionProof is an inclusion proof (logproof.InclusionProof) with
// the root hash it leads to.
type LogInclusionProof struct {
	Seq       uint64   `json:"seq" doc:"The entry's sequence number in the feed."`
	LeafIndex uint64   `json:"leaf_index" doc:"seq-1."`
	TreeSize  uint64   `json:"tree_size" doc:"Size of the tree the proof is for."`
	LeafHash  string   `json:"leaf_hash" format:"byte" doc:"SHA-256(0x00 || jws) of the entry's compact JWS, standard base64."`
	Hashes    []string `json:"hashes" nullable:"false" doc:"RFC 9162 audit path, leaf to root, standard base64."`
	RootHash  string   `json:"root_hash" format:"byte" doc:"Root hash of the tree of tree_size entries; trust it only as it appears in a checkpoint you verified."`
}

// LogConsistencyProof is a consistency proof (logproof.ConsistencyProof)
// with the root hashes of both trees.
type LogConsistencyProof struct {
	From     uint64   `json:"from" doc:"The older tree size."`
	To       uint64   `json:"to" doc:"The newer tree size."`
	Hashes   []string `json:"hashes" nullable:"false" doc:"RFC 9162 consistency proof, standard base64; empty when from = to."`
	FromRoot string   `json:"from_root" format:"byte" doc:"Root hash of the tree of from entries."`
	ToRoot   string   `json:"to_root" format:"byte" doc:"Root hash of the tree of to entries."`
}

// registerLog registers the tamper-evident log operations (/v1/log/...).
func (s *server) registerLog(api huma.API) {
	huma.Register(api, op("log-checkpoint", http.MethodGet, "/v1/log/checkpoint",
		"The node's signed checkpoint of its feed's Merkle tree", "log"),
		func(ctx context.Context, _ *struct{}) (*bodyOut[LogCheckpoint], error) {
			c, err := s.node.Checkpoint(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[LogCheckpoint]{LogCheckpoint{Origin: c.Origin, Size: c.Size, RootHash: c.Root.String(),
				Time: c.Time.UTC().Format(logproof.TimeFormat), Body: string(c.Body()), JWS: c.JWS}}, nil
		})

	huma.Register(api, op("log-inclusion-proof", http.MethodGet, "/v1/log/proof/inclusion",
		"Proof that a feed entry is in the tree of a given size", "log"),
		func(ctx context.Context, in *struct {
			Seq  uint64 `query:"seq" required:"true" minimum:"1" doc:"The entry's sequence number."`
			Size uint64 `query:"size" doc:"Tree size (a checkpoint's size); default the current size."`
		}) (*bodyOut[LogInclusionProof], error) {
			p, err := s.node.InclusionProof(ctx, in.Seq, in.Size)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			root, err := s.node.TreeHash(ctx, p.TreeSize)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[LogInclusionProof]{LogInclusionProof{Seq: p.Seq, LeafIndex: p.LeafIndex, TreeSize: p.TreeSize,
				LeafHash: p.LeafHash.String(), Hashes: hashStrings(p.Hashes), RootHash: root.String()}}, nil
		})

	huma.Register(api, op("log-consistency-proof", http.MethodGet, "/v1/log/proof/consistency",
		"Proof that the tree of one size is a prefix of the tree of a larger size", "log"),
		func(ctx context.Context, in *struct {
			From uint64 `query:"from" required:"true" minimum:"1" doc:"The older tree size."`
			To   uint64 `query:"to" required:"true" minimum:"1" doc:"The newer tree size, at least from and at most the current size."`
		}) (*bodyOut[LogConsistencyProof], error) {
			p, err := s.node.ConsistencyProof(ctx, in.From, in.To)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			fromRoot, err := s.node.TreeHash(ctx, p.From)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			toRoot, err := s.node.TreeHash(ctx, p.To)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[LogConsistencyProof]{LogConsistencyProof{From: p.From, To: p.To, Hashes: hashStrings(p.Hashes),
				FromRoot: fromRoot.String(), ToRoot: toRoot.String()}}, nil
		})
}

// hashStrings returns the standard base64 of each hash; never nil, so an
// empty proof is [] on the wire.
func hashStrings(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}
