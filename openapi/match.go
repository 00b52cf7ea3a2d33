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

// ProofBodyBytes bounds the body of POST /v1/verify: a proof of up to 1
// MiB (what federation.VerifyProof takes: a refusal about an employer with
// a long history carries every certificate it read) in its JSON object.
const ProofBodyBytes = 1<<20 + 1<<10

// largeBodies are the paths whose bodies may pass MaxBodyBytes, with
// their bound.
var largeBodies = map[string]int64{"/v1/match": BulkBodyBytes, "/v1/imports": BulkBodyBytes, "/v1/snapshots": BulkBodyBytes, "/v1/verify": ProofBodyBytes}

// bodyLimit is the bound of a request body sent to path.
func bodyLimit(path string) int64 {
	if n, ok := largeBodies[path]; ok {
		return n
	}
	return MaxBodyBytes
}

// MatchIn is a bulk match request.
type MatchIn struct {
	Rows []federation.MatchRow `json:"rows" minItems:"1" maxItems:"1000" doc:"Up to 1,000 rows, each with one of bn, name, wcb_account or certificate_number."`
	AsOf string                `json:"as_of,omitempty" format:"date" doc:"The date statuses answer for; default today in the node's jurisdiction."`
}

// check returns the date as_of names (zero for today) and every problem
// of the request: as_of's and each row's. A schema failure gets the same
// list (rules.go), so a bad as_of never hides the rows' problems.
func (m MatchIn) check() (registry.Date, registry.ValidationErrors) {
	var asOf registry.Date
	var bad registry.ValidationErrors
	if m.AsOf != "" {
		d, err := registry.ParseDate(m.AsOf)
		if err != nil {
			bad = append(bad, registry.Invalid("body.as_of", "%v", err).(*registry.ValidationError))
		}
		asOf = d
	}
	for i, r := range m.Rows {
		err := r.Validate(fmt.Sprintf("body.rows[%d]", i))
		switch ves := registry.Problems(err); {
		case ves != nil:
			bad = append(bad, ves...)
		case err != nil:
			bad = append(bad, registry.Invalid(fmt.Sprintf("body.rows[%d]", i), "invalid row").(*registry.ValidationError))
		}
	}
	return asOf, bad
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
			// Every problem at once: as_of's and each bad row's.
			asOf, bad := in.Body.check()
			if len(bad) > 0 {
				p := &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Invalid input", Detail: detailInvalid}
				for _, ve := range bad {
					p.Errors = append(p.Errors, &huma.ErrorDetail{Message: reasonIn(frenchOf(ctx), ve), Location: ve.Field})
				}
				return nil, p
			}
			a, err := l.Match(ctx, in.Body.Rows, asOf)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[federation.MatchAnswer]{a}, nil
		})
}
