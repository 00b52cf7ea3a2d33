package openapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/tiles"
)

// registerTiles registers what readers of the node's static tiles need
// from the node itself: the verifier keys of its checkpoint notes (the
// active one, and every one).
func (s *server) registerTiles(api huma.API) {
	type noteKeyOut struct {
		ContentType  string `header:"Content-Type"`
		CacheControl string `header:"Cache-Control"`
		Body         []byte
	}
	o := op("log-note-key", http.MethodGet, "/v1/log/note-key",
		"The verifier key of the node's C2SP checkpoint notes (its static tiles)", "log")
	o.Description = "The signed-note verifier key (vkey) of the checkpoint that `corfed serve --tiles` publishes, " +
		"as golang.org/x/mod/sumdb/note.NewVerifier reads it: `<origin>+<key hash>+<base64 of 0x01 and the Ed25519 key>`, " +
		"plain text with no line feed. It is the node's active EdDSA key (also in /.well-known/jwks.json). " +
		"A node whose active key is ES256 cannot sign notes: 404."
	o.Responses = rawContent("The verifier key, plain text.", "text/plain", &huma.Schema{Type: "string"})
	o.Errors = append([]int{http.StatusNotFound}, o.Errors...)
	huma.Register(api, o, func(ctx context.Context, _ *struct{}) (*noteKeyOut, error) {
		vkey, err := tiles.NoteKey(s.node)
		if err != nil {
			return nil, s.problem(ctx, fmt.Errorf("note key: %w: %w", err, registry.ErrNotFound))
		}
		return &noteKeyOut{ContentType: "text/plain; charset=utf-8", CacheControl: "max-age=300", Body: []byte(vkey)}, nil
	})

	o = op("log-note-keys", http.MethodGet, "/v1/log/note-keys",
		"The verifier keys of every key of the node's log, active and retired", "log")
	o.Description = "The signed-note verifier keys (vkeys, as `/v1/log/note-key` writes one) of every EdDSA key of the node, " +
		"one a line, each ended by a line feed: the active key's first (the one that signs new checkpoints), then the retired ones " +
		"(they signed the log's earlier entries and checkpoints). The same text as the `note-keys` object of its static tiles, " +
		"which `corfed mirror --from URL --to DIR` reads to check the whole log of a node that rotated its key. " +
		"A node whose active key is ES256 cannot sign notes: 404."
	o.Responses = rawContent("The verifier keys, plain text, one a line.", "text/plain", &huma.Schema{Type: "string"})
	o.Errors = append([]int{http.StatusNotFound}, o.Errors...)
	huma.Register(api, o, func(ctx context.Context, _ *struct{}) (*noteKeyOut, error) {
		vkeys, err := tiles.NoteKeys(s.node)
		if err != nil {
			return nil, s.problem(ctx, fmt.Errorf("note keys: %w: %w", err, registry.ErrNotFound))
		}
		return &noteKeyOut{ContentType: "text/plain; charset=utf-8", CacheControl: "max-age=300", Body: []byte(strings.Join(vkeys, "\n") + "\n")}, nil
	})
}
