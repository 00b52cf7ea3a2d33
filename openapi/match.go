package openapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
)

// BulkBodyBytes bounds the body of the bulk operations (POST /v1/match,
// POST /v1/imports), which carry up to a thousand rows or a spreadsheet.
const BulkBodyBytes = 8 << 20

// bulkPaths are the paths whose bodies may reach BulkBodyBytes.
var bulkPaths = map[string]bool{"/v1/match": true, "/v1/imports": true, "/v1/snapshots": true}

// MatchIn is a bulk match request.
type MatchIn struct {
	Rows []federation.MatchRow `json:"rows" minItems:"1" maxItems:"1000" doc:"Up to 1,000 rows, each with one of bn, name, wcb_account or certificate_number."`
	AsOf string                `json:"as_of,omitempty" format:"date" doc:"The date statuses answer for; default today in the node's jurisdiction."`
}

func bulkOp(o huma.Operation) huma.Operation {
	o.MaxBodyBytes = BulkBodyBytes
	o.BodyReadTimeout = time.Minute
	return o
}

func registerMatch(api huma.API, h *Helpers, l *federation.Lookups) {
	huma.Register(api, bulkOp(h.Op("match", http.MethodPost, "/v1/match",
		"Match up to 1,000 employers across the federation by BN, name, WCB account or certificate number", "federation")),
		func(ctx context.Context, in *struct{ Body MatchIn }) (*bodyOut[federation.MatchAnswer], error) {
			var asOf registry.Date
			if in.Body.AsOf != "" {
				d, err := registry.ParseDate(in.Body.AsOf)
				if err != nil {
					return nil, fieldProblem("body.as_of", "%v", err)
				}
				asOf = d
			}
			// Every bad row at once.
			var bad []*huma.ErrorDetail
			for i, r := range in.Body.Rows {
				if err := r.Validate(fmt.Sprintf("body.rows[%d]", i)); err != nil {
					if ve, ok := err.(*registry.ValidationError); ok {
						bad = append(bad, &huma.ErrorDetail{Message: ve.Reason, Location: ve.Field})
					}
				}
			}
			if len(bad) > 0 {
				return nil, &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Invalid input",
					Detail: fmt.Sprintf("%d of %d rows are invalid; the first: %s: %s", len(bad), len(in.Body.Rows), bad[0].Location, bad[0].Message),
					Errors: bad}
			}
			a, err := l.Match(ctx, in.Body.Rows, asOf)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[federation.MatchAnswer]{a}, nil
		})
}
