package openapi

import (
	"context"
	"encoding/hex"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// PassOut is a pass in JSON (format=json).
type PassOut struct {
	Pass          string `json:"pass" doc:"The pass in text form (COR1:...), what the QR code holds."`
	Size          int    `json:"size" doc:"Characters of the text form; at most 600."`
	CertificateID string `json:"certificate_id"`
	StatusIdx     uint64 `json:"status_idx" doc:"Its index in the node's status list."`
	StatusURI     string `json:"status_uri"`
	Seq           uint64 `json:"seq" doc:"The log index (seq) of the certificate version it rests on."`
	LeafHash      string `json:"leaf_hash" doc:"Hex of the first 16 bytes of that entry's leaf hash: GET /v1/proofs/{leaf_hash}."`
	Expires       string `json:"expires" format:"date-time"`
}

type passOut struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         any
}

// PassOps registers the pass, the status list and proofs by leaf hash.
func PassOps(p *federation.Passes) func(huma.API, *Helpers) {
	return func(api huma.API, h *Helpers) {
		o := h.Op("certificate-pass", http.MethodGet, "/v1/certificates/{id}/pass",
			"A COR pass for one of this node's certificates: text (COR1:...), its QR code (PNG or SVG), or JSON", "passes")
		o.Description = "The pass format is specified in registry/pass/doc.go (CBOR claims in a COSE_Sign1 signed with the node's " +
			"Ed25519 key, zlib, Base45, prefix COR1:). `format=text` (default) returns the text form as text/plain; `png` and `svg` " +
			"its QR code; `json` the text with what it points to."
		o.Responses = map[string]*huma.Response{"200": {Description: "The pass or its QR code", Content: map[string]*huma.MediaType{
			"text/plain":       {Schema: &huma.Schema{Type: "string", Description: "COR1:... (Base45)"}},
			"image/png":        {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			"image/svg+xml":    {Schema: &huma.Schema{Type: "string"}},
			"application/json": {Schema: huma.SchemaFromType(api.OpenAPI().Components.Schemas, reflect.TypeFor[PassOut]())},
		}}}
		o.Errors = append(o.Errors, http.StatusConflict) // a certificate not in force has no pass
		huma.Register(api, o, func(ctx context.Context, in *struct {
			ID     string `path:"id" maxLength:"64" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]*$"`
			Format string `query:"format" enum:"text,png,svg,json" default:"text"`
			Size   int    `query:"size" minimum:"128" maximum:"1024" default:"320" doc:"Largest PNG width in pixels: each QR module is a whole number of pixels, so the image is the widest such size that fits (never below one pixel per module)."`
		}) (*passOut, error) {
			text, ps, err := p.Issue(ctx, in.ID)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			out := &passOut{CacheControl: "no-store"}
			switch in.Format {
			case "png":
				b, err := pass.QRPNG(text, in.Size)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				out.ContentType, out.Body = "image/png", b
			case "svg":
				b, err := pass.QRSVG(text, "COR pass "+ps.CertificateID)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				out.ContentType, out.Body = "image/svg+xml", b
			case "json":
				out.ContentType = "application/json"
				out.Body = PassOut{Pass: text, Size: len(text), CertificateID: ps.CertificateID, StatusIdx: ps.StatusIdx,
					StatusURI: ps.StatusURI, Seq: ps.Seq, LeafHash: hex.EncodeToString(ps.LeafHash), Expires: ps.Expires.Format(time.RFC3339)}
			default:
				out.ContentType, out.Body = "text/plain; charset=utf-8", []byte(text)
			}
			return out, nil
		})

		so := h.Op("status-list", http.MethodGet, federation.StatusListPath,
			"This node's IETF Token Status List (statuslist+jwt): 2 bits per certificate", "passes")
		so.Description = "A compact JWS of typ statuslist+jwt (draft-ietf-oauth-status-list): claims iss, sub (this URL), iat, exp, " +
			"ttl, log_size (the log size it reflects: lists of one second are ordered by it) and status_list {bits: 2, lst: base64url(zlib(statuses))}; " +
			"0 valid, 1 invalid, 2 suspended, 3 pending (also the unused slots of the last byte). Cacheable until ttl seconds after iat. " +
			"After a start the node builds the list in the background; a request before it is built gets a 503 problem with Retry-After."
		so.Errors = append(so.Errors, http.StatusServiceUnavailable)
		so.Responses = map[string]*huma.Response{"200": {Description: "The status list token", Content: map[string]*huma.MediaType{
			statuslist.MediaType: {Schema: &huma.Schema{Type: "string", Description: "A compact JWS"}},
		}}}
		huma.Register(api, so, func(ctx context.Context, _ *struct{}) (*rawOut, error) {
			tok, made, err := p.StatusList(ctx)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			// A cache keeps the list no later than its ttl from when it was
			// made (a verifier refuses a list already stale when served).
			left := max(0, int((p.TTL()-h.s.node.Now().Sub(made))/time.Second))
			return &rawOut{ContentType: statuslist.MediaType,
				CacheControl: "public, max-age=" + strconv.Itoa(left), Body: []byte(tok)}, nil
		})

		huma.Register(api, h.Op("proof-by-hash", http.MethodGet, "/v1/proofs/{hash}",
			"The entry whose leaf hash starts with these bytes (a pass's leaf_hash), from this node's log or any verified replica, with its inclusion proof", "passes"),
			func(ctx context.Context, in *struct {
				Hash string `path:"hash" pattern:"^[0-9a-f]{32,64}$" doc:"Hex of 16 to 32 bytes of the entry's RFC 6962 leaf hash."`
			}) (*bodyOut[federation.Evidence], error) {
				b, err := hex.DecodeString(in.Hash)
				if err != nil {
					return nil, fieldProblem(ctx, "path.hash", "%v", err)
				}
				ev, err := p.EntryByHash(ctx, b)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				return &bodyOut[federation.Evidence]{ev}, nil
			})
	}
}
