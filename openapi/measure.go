package openapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
)

// SnapshotsImported is the answer to POST /v1/snapshots.
type SnapshotsImported struct {
	Rows int `json:"rows" doc:"Rows received."`
	snapstore.PutResult
}

// SnapshotList is the answer to GET /v1/snapshots.
type SnapshotList struct {
	Year      int                `json:"year"`
	Snapshots []measure.Snapshot `json:"snapshots"`
	Truncated bool               `json:"truncated" doc:"More rows match than limit."`
}

// OHSMetrics is the answer to GET /v1/metrics/ohs.
type OHSMetrics struct {
	Jurisdiction string `json:"jurisdiction"`
	measure.Result
	Definitions map[string]string `json:"definitions" doc:"What each figure means, in words."`
}

// Definitions are the figures' definitions as every answer states them.
var Definitions = map[string]string{
	"ltc_rate":                   "lost_time_claims / person_years * 100 (lost-time claims per 100 person-years; one person-year = 2,000 hours)",
	"dir":                        "disabling_injury_claims / person_years * 100, where disabling-injury claims are lost-time plus modified-work claims",
	"fatality_rate":              "fatalities / person_years * 1,000,000 (per million person-years, the unit Alberta publishes)",
	"claim_cost_per_person_year": "claim_costs / person-years of the rows that report claim costs (dollars per person-year)",
	"cor":                        "snapshots whose employer (BN) held a COR or SECOR with status active on the snapshot's as_of (default 31 December of its year)",
	"*_ci":                       "95% exact Poisson (Garwood) interval of the count, on the rate's scale",
	"rate_ratios":                "COR rate / non-COR rate, with the log-normal 95% interval exp(ln RR ± 1.959964·√(1/k₁+1/k₀)); absent when a count is 0 or a group is suppressed",
	"suppressed":                 "a group with fewer than minimum.employers employers or fewer than minimum.person_years person-years shows no figures; when one cell of a breakdown is hidden, the next smallest is hidden too",
	"rounding":                   "none: sums are exact, rates are IEEE 754 double precision, printed as the shortest decimal that reads back exactly",
}

// snapshotReportProblem turns an import's validation report into one
// problem listing every row's problems (location body[i].column).
func snapshotReportProblem(rep *measure.Report) error {
	p := &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Invalid input",
		Detail: fmt.Sprintf("%d problem(s); nothing was stored", len(rep.Problems))}
	for _, pr := range rep.Problems {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: pr.Message, Location: fmt.Sprintf("body[%d].%s", pr.Row, pr.Column), Value: pr.Value})
	}
	return p
}

// MeasureOps returns the measurement model's operations, for Config.Extra.
func MeasureOps(svc *service.Service, jurisdiction string) func(huma.API, *Helpers) {
	return func(api huma.API, h *Helpers) {
		imp := h.WriteOp("import-snapshots", http.MethodPost, "/v1/snapshots",
			"Import performance snapshots (scope snapshots:write)", http.StatusOK, "metrics")
		imp.Description = "A JSON array of snapshot rows, one per WCB account (or employer) and year; a row for an account and year " +
			"already stored replaces it. Every row is checked and every problem is reported at once (location `body[i].column`); " +
			"when any row is wrong nothing is stored. Snapshots are claims data: they stay on this node, outside its signed, " +
			"replicated feed. Bodies are limited to 64 KiB (a few hundred rows): send larger sets in several calls, or use " +
			"`corfed snapshots import`."
		huma.Register(api, imp, func(ctx context.Context, in *struct {
			Body []measure.Snapshot `maxItems:"5000"`
		}) (*bodyOut[SnapshotsImported], error) {
			res, err := svc.Import(ctx, PrincipalOf(ctx), in.Body, 0)
			var rep *measure.Report
			if errors.As(err, &rep) {
				return nil, snapshotReportProblem(rep)
			}
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[SnapshotsImported]{SnapshotsImported{Rows: len(in.Body), PutResult: res}}, nil
		})

		list := h.WriteOp("list-snapshots", http.MethodGet, "/v1/snapshots",
			"Read performance snapshots (claims data; scope snapshots:read)", http.StatusOK, "metrics")
		list.Errors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity}
		huma.Register(api, list, func(ctx context.Context, in *struct {
			Year  int    `query:"year" minimum:"1950" maximum:"2100" required:"true"`
			BN    string `query:"bn" pattern:"^[0-9]{9}$" doc:"Only this employer's rows."`
			Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
		}) (*bodyOut[SnapshotList], error) {
			rows, more, err := svc.Snapshots(ctx, PrincipalOf(ctx), in.Year, in.BN, in.Limit)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			if rows == nil {
				rows = []measure.Snapshot{}
			}
			return &bodyOut[SnapshotList]{SnapshotList{Year: in.Year, Snapshots: rows, Truncated: more}}, nil
		})

		ohs := h.Op("ohs-metrics", http.MethodGet, "/v1/metrics/ohs",
			"OHS performance of COR holders against non-holders (public, suppressed aggregates)", "metrics")
		ohs.Description = "For the snapshots of `year` (every year when absent) and `industry`: the `groups` object holds `cor` and " +
			"`non_cor`, each with employers, person_years, counts, ltc_rate, dir, fatality_rate, claim_cost_per_person_year and " +
			"95% Poisson intervals, or `\"suppressed\": true` with a reason when the group has fewer than minimum.employers employers " +
			"or minimum.person_years person-years. `rate_ratios` compare COR with non-COR. `group_by` (comma-separated: year, " +
			"industry, size_band, program, cp) adds `cells`, one per value; for program and cp, each cell's non_cor group is the " +
			"non-COR baseline. Definitions are in the answer. CSV: /v1/metrics/ohs.csv; chart: /v1/metrics/ohs.svg."
		ohs.Errors = []int{http.StatusUnprocessableEntity}
		huma.Register(api, ohs, func(ctx context.Context, in *ohsQuery) (*bodyOut[OHSMetrics], error) {
			r, err := svc.OHS(ctx, in.query())
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[OHSMetrics]{OHSMetrics{Jurisdiction: jurisdiction, Result: r, Definitions: Definitions}}, nil
		})

		ohsCSV := h.Op("ohs-metrics-csv", http.MethodGet, "/v1/metrics/ohs.csv", "The OHS metrics as CSV", "metrics")
		ohsCSV.Description = "The same figures as /v1/metrics/ohs, one line per cell and group (the totals first, cell \"all\"); " +
			"a suppressed group has empty figures and suppressed=true."
		ohsCSV.Errors = []int{http.StatusUnprocessableEntity}
		huma.Register(api, ohsCSV, func(ctx context.Context, in *ohsQuery) (*rawOut, error) {
			r, err := svc.OHS(ctx, in.query())
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			b, err := OHSCSV(r)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &rawOut{ContentType: "text/csv; charset=utf-8", Body: b}, nil
		})
	}
}

// rawOut is a non-JSON answer.
type rawOut struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

type ohsQuery struct {
	Year     int    `query:"year" minimum:"1950" maximum:"2100" doc:"Snapshot year; default every year."`
	Industry string `query:"industry" maxLength:"32" doc:"Only this industry code."`
	GroupBy  string `query:"group_by" maxLength:"64" doc:"Comma-separated dimensions: year, industry, size_band, program, cp."`
}

func (q *ohsQuery) query() measure.Query {
	mq := measure.Query{Year: q.Year, Industry: q.Industry}
	for _, d := range strings.Split(q.GroupBy, ",") {
		if d = strings.TrimSpace(d); d != "" {
			mq.GroupBy = append(mq.GroupBy, d)
		}
	}
	return mq
}

// OHSCSV writes r as CSV: one line per cell and group.
func OHSCSV(r measure.Result) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	dims := r.GroupBy
	head := append([]string{}, dims...)
	head = append(head, "group", "suppressed", "employers", "snapshots", "person_years", "lost_time_claims",
		"disabling_injury_claims", "fatalities", "claim_costs", "ltc_rate", "ltc_rate_ci_lower", "ltc_rate_ci_upper",
		"dir", "dir_ci_lower", "dir_ci_upper", "fatality_rate", "fatality_rate_ci_lower", "fatality_rate_ci_upper",
		"claim_cost_per_person_year")
	w.Write(head)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	fp := func(v *float64) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	line := func(key map[string]string, name string, g measure.Group) {
		rec := make([]string, 0, len(head))
		for _, d := range dims {
			v := "all"
			if key != nil {
				v = key[d]
			}
			rec = append(rec, v)
		}
		rec = append(rec, name, strconv.FormatBool(g.Suppressed))
		if x := g.Figures; x != nil {
			rec = append(rec, strconv.Itoa(x.Employers), strconv.Itoa(x.Snapshots), f(x.PersonYears),
				strconv.FormatInt(x.LostTimeClaims, 10), strconv.FormatInt(x.DisablingInjuryClaims, 10), strconv.FormatInt(x.Fatalities, 10),
				fp(x.ClaimCosts), f(x.LTCRate), f(x.LTCRateCI.Lower), f(x.LTCRateCI.Upper), f(x.DIR), f(x.DIRCI.Lower), f(x.DIRCI.Upper),
				f(x.FatalityRate), f(x.FatalityRateCI.Lower), f(x.FatalityRateCI.Upper), fp(x.ClaimCostPerPY))
		}
		for len(rec) < len(head) {
			rec = append(rec, "")
		}
		w.Write(rec)
	}
	line(nil, "cor", r.Groups.COR)
	line(nil, "non_cor", r.Groups.NonCOR)
	for _, c := range r.Cells {
		line(c.Key, "cor", c.Groups.COR)
		line(c.Key, "non_cor", c.Groups.NonCOR)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
