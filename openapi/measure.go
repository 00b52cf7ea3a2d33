package openapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/registry"
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
	Definitions   map[string]string `json:"definitions" doc:"What each figure means, in words."`
	DefinitionsFR map[string]string `json:"definitions_fr" doc:"The definitions in French, under the same keys."`
}

// Definitions are the figures' definitions as every answer states them.
var Definitions = map[string]string{
	"ltc_rate":                   "lost_time_claims / person_years * 100 (lost-time claims per 100 person-years; one person-year = 2,000 hours)",
	"dir":                        "disabling_injury_claims / person_years * 100, where disabling-injury claims are lost-time plus modified-work claims",
	"fatality_rate":              "fatalities / person_years * 1,000,000 (per million person-years, the unit Alberta publishes)",
	"claim_cost_per_person_year": "claim_costs / person-years of the rows that report claim costs (dollars per person-year); both are null when no row reports them, or when those rows, on their own, are below the minimum or hidden with another cell's (claim_costs_suppressed says why)",
	"cor":                        "exposure-weighted over the calendar year a snapshot describes (not its as_of, which is when the figures were taken): each row's person-years, counts and claim costs go to cor for the share of the year's days on which its employer (BN) held a COR or SECOR covering the account with status active or suspended (a suspension is a review, not the loss of the COR), and to non_cor for the other days; counts may therefore be fractional. A row counts as a snapshot, and its employer as an employer, in each group where it has at least one day",
	"*_ci":                       "95% exact Poisson (Garwood) interval of the count, on the rate's scale; a fractional count is used as it is (Gamma quantiles of shape k and k+1)",
	"rate_ratios":                "COR rate / non-COR rate, with the log-normal 95% interval exp(ln RR ± 1.959964·√(1/k₁+1/k₀)); absent when a count is 0 or a group is suppressed",
	"suppressed":                 "a group with fewer than minimum.employers employers (each counted for its share of the year in the group, at most one) or fewer than minimum.person_years person-years shows no figures. More cells are then hidden until, in every line of a table (its cells that add up to one published cell of a coarser table), the hidden cells are none, or at least two that together meet the minimum, and a line whose total is hidden has a hidden cell; a cell that is the same group as a cell a coarser table publishes is hidden only when no other cell of its line can be, and then in every table. Every answer is read from one decision over every row, so no answer shows what another hides",
	"rounding":                   "each row's share of a group (figure × days / days in the year) is rounded once to a double; sums are exact, rates are IEEE 754 double precision, printed as the shortest decimal that reads back exactly",
}

// ProcessReport is the answer to GET /v1/metrics/process: the measure
// report (the schema keeps its name) with its definitions.
type ProcessReport struct {
	measure.ProcessReport
	Definitions   map[string]string `json:"definitions" doc:"What each cycle count means, in words."`
	DefinitionsFR map[string]string `json:"definitions_fr" doc:"The definitions in French, under the same keys."`
}

// ProcessDefinitions are the cycle counts' definitions as every process
// answer states them.
var ProcessDefinitions = map[string]string{
	"count":       "cycles completed in the period (from its first day to its last, both included), with their durations in days",
	"on_time":     "completed cycles within the deadline (deadline_days, when it is one number); late: past it",
	"open":        "cycles started in the period and not completed by its last day",
	"open_at_end": "cycles started on or before the period's last day, whatever the period's first day, and not completed by its last day: the backlog at the end of the period",
}

// ProcessDefinitionsFR are ProcessDefinitions in French, under the same keys.
var ProcessDefinitionsFR = map[string]string{
	"count":       "cycles terminés dans la période (de son premier à son dernier jour, inclus), avec leur durée en jours",
	"on_time":     "cycles terminés dans le délai (deadline_days, quand c'est un seul nombre); late : au-delà",
	"open":        "cycles commencés dans la période et non terminés à son dernier jour",
	"open_at_end": "cycles commencés au plus tard le dernier jour de la période, quel que soit son premier jour, et non terminés à son dernier jour : l'arriéré à la fin de la période",
}

// DefinitionsFR are Definitions in French, under the same keys.
var DefinitionsFR = map[string]string{
	"ltc_rate":                   "lost_time_claims / person_years * 100 (réclamations avec perte de temps par 100 années-personnes; une année-personne = 2 000 heures)",
	"dir":                        "disabling_injury_claims / person_years * 100, où les réclamations pour blessure invalidante sont les réclamations avec perte de temps et celles avec travail modifié",
	"fatality_rate":              "fatalities / person_years * 1 000 000 (par million d'années-personnes, l'unité que publie l'Alberta)",
	"claim_cost_per_person_year": "claim_costs / années-personnes des lignes qui déclarent des coûts de réclamation (dollars par année-personne); les deux sont nuls (null) quand aucune ligne n'en déclare, ou quand ces lignes, à elles seules, sont sous le minimum ou masquées avec celles d'une autre cellule (claim_costs_suppressed_fr dit pourquoi)",
	"cor":                        "pondéré par l'exposition sur l'année civile que décrit un instantané (pas son as_of, la date où les chiffres ont été pris) : les années-personnes, réclamations et coûts de chaque ligne vont à cor pour la part des jours de l'année où son employeur (NE) détenait un COR ou un SECOR couvrant le compte, au statut actif ou suspendu (une suspension est un examen, pas la perte du COR), et à non_cor pour les autres jours; les réclamations peuvent donc être fractionnaires. Une ligne compte comme instantané, et son employeur comme employeur, dans chaque groupe où elle a au moins un jour",
	"*_ci":                       "intervalle de Poisson exact (Garwood) à 95 % du nombre, à l'échelle du taux; un nombre fractionnaire est pris tel quel (quantiles Gamma de forme k et k+1)",
	"rate_ratios":                "taux COR / taux non COR, avec l'intervalle log-normal à 95 % exp(ln RR ± 1,959964·√(1/k₁+1/k₀)); absent quand un nombre est 0 ou qu'un groupe est supprimé",
	"suppressed":                 "un groupe de moins de minimum.employers employeurs (chacun compté pour sa part de l'année dans le groupe, au plus un) ou de moins de minimum.person_years années-personnes n'affiche aucun chiffre. D'autres cellules sont ensuite masquées jusqu'à ce que, dans chaque ligne d'un tableau (ses cellules dont la somme est une cellule publiée d'un tableau plus grossier), les cellules masquées soient aucune, ou au moins deux qui ensemble atteignent le minimum, et qu'une ligne dont le total est masqué ait une cellule masquée; une cellule qui est le même groupe qu'une cellule publiée par un tableau plus grossier n'est masquée que si aucune autre cellule de sa ligne ne peut l'être, et alors dans tous les tableaux. Chaque réponse est lue d'une seule décision sur toutes les lignes : aucune réponse n'affiche ce qu'une autre masque",
	"rounding":                   "la part de chaque ligne dans un groupe (chiffre × jours / jours de l'année) est arrondie une fois à un double; les sommes sont exactes, les taux en double précision IEEE 754, écrits comme le plus court décimal qui se relit exactement",
}

// snapshotReportProblem turns an import's validation report into one
// problem listing every row's problems (location body[i].column).
func snapshotReportProblem(ctx context.Context, rep *measure.Report) error {
	french := frenchOf(ctx)
	p := &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Invalid input",
		Detail: fmt.Sprintf("%d problem(s); nothing was stored", len(rep.Problems))}
	for _, pr := range rep.Problems {
		msg := pr.Message
		if french {
			msg = frenchMessageOf(pr.Message, pr.Format, pr.Args)
		}
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: msg, Location: fmt.Sprintf("body[%d].%s", pr.Row, pr.Column), Value: pr.Value})
	}
	return p
}

// documentGroup registers the schema of measure.Group as it is served: a
// suppressed group is {"suppressed": true, "reason": ...} with no
// figures, so only suppressed is required (huma would require every
// figure of the embedded Figures, which carry no omitempty).
func documentGroup(reg huma.Registry) {
	ref := reg.Schema(reflect.TypeFor[measure.Group](), true, "")
	s := reg.SchemaFromRef(ref.Ref)
	if s == nil {
		return
	}
	s.Description = "One group of a cell: its figures, or, when suppressed is true, only suppressed and reason " +
		"(why it is not published: under the minimum employers or person-years, or suppressed by the publishing node)."
	s.Required = []string{"suppressed"}
	s.PrecomputeMessages()
}

// MeasureOps returns the measurement model's operations, for Config.Extra.
func MeasureOps(svc *service.Service, jurisdiction string) func(huma.API, *Helpers) {
	return func(api huma.API, h *Helpers) {
		documentGroup(api.OpenAPI().Components.Schemas)
		imp := h.WriteOp("import-snapshots", http.MethodPost, "/v1/snapshots",
			"Import performance snapshots (scope snapshots:write)", http.StatusOK, "metrics")
		imp.Description = "A JSON array of snapshot rows, one per WCB account (or employer) and year; a row for an account and year " +
			"already stored replaces it. Every row is checked and every problem is reported at once (location `body[i].column`); " +
			"when any row is wrong nothing is stored. Snapshots are claims data: they stay on this node, outside its signed, " +
			"replicated feed. A call takes at most 5,000 rows and 8 MiB: send larger sets in several calls, as " +
			"`corfed snapshots import FILE --url URL --token TOKEN` does (each call is stored all or nothing; a row sent again " +
			"comes back unchanged)."
		imp.MaxBodyBytes = BulkBodyBytes
		huma.Register(api, imp, func(ctx context.Context, in *struct {
			Body []measure.Snapshot `maxItems:"5000"`
		}) (*bodyOut[SnapshotsImported], error) {
			res, err := svc.Import(ctx, PrincipalOf(ctx), in.Body, 0)
			var rep *measure.Report
			if errors.As(err, &rep) {
				return nil, snapshotReportProblem(ctx, rep)
			}
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			h.AuditWrite(ctx, "snapshots", "", slog.Int("rows", len(in.Body)), slog.Int("added", res.Added), slog.Int("replaced", res.Replaced))
			return &bodyOut[SnapshotsImported]{SnapshotsImported{Rows: len(in.Body), PutResult: res}}, nil
		})

		list := h.WriteOp("list-snapshots", http.MethodGet, "/v1/snapshots",
			"Read performance snapshots (claims data; scope snapshots:read)", http.StatusOK, "metrics")
		list.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity}
		huma.Register(api, list, func(ctx context.Context, in *struct {
			Year  int     `query:"year" minimum:"1950" maximum:"2100" required:"true"`
			BN    BNParam `query:"bn" pattern:"^[0-9]{9}$" doc:"Only this employer's rows."`
			Limit int     `query:"limit" minimum:"1" maximum:"1000" default:"100"`
		}) (*bodyOut[SnapshotList], error) {
			rows, more, err := svc.Snapshots(ctx, PrincipalOf(ctx), in.Year, string(in.BN), in.Limit)
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
		huma.Register(api, ohs, func(ctx context.Context, in *ohsQuery) (*bodyOut[OHSMetrics], error) {
			r, err := svc.OHS(ctx, in.query())
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[OHSMetrics]{OHSMetrics{Jurisdiction: jurisdiction, Result: r, Definitions: Definitions, DefinitionsFR: DefinitionsFR}}, nil
		})

		pub := h.WriteOp("publish-metrics", http.MethodPost, "/v1/metrics/publish",
			"Sign and publish this node's aggregate OHS metrics for a year (program administrator, scope metrics:write)", http.StatusOK, "metrics")
		pub.Description = "Computes the year's COR and non-COR totals from the node's snapshots (suppressed under the node's minimum: " +
			"never an employer's figures) and signs them into the node's feed as an `aggregate_metrics` record with id `ohs-YEAR`, " +
			"with its provenance (snapshot generation, rows, date computed). Peers replicate it; any node assembles the national " +
			"comparison at /v1/federation/metrics. Publishing again makes a new version, and every version stays in the feed: " +
			"when a group shown in an earlier version would differ from it by fewer than the minimum's employers or person-years " +
			"(but differ), their difference would give those employers' figures, so the publication is refused (409) unless " +
			"`small_changes` is `suppress` (that group is published suppressed; the earlier figures stand) or `publish` " +
			"(the difference is published knowingly). The rows of a group that report claim costs are held to the same rule " +
			"when both versions show claim costs (`employers_with_costs`, `person_years_with_costs`): a small change there is " +
			"refused the same way, or with `suppress` the group is published without its claim costs (the earlier ones stand). " +
			"`snapshot.rows` is rounded down to a multiple of 10."
		pub.Errors = append(pub.Errors, http.StatusNotFound, http.StatusConflict)
		huma.Register(api, pub, func(ctx context.Context, in *struct {
			Year         int    `query:"year" minimum:"1950" maximum:"2100" required:"true"`
			SmallChanges string `query:"small_changes" enum:"refuse,suppress,publish" default:"refuse" doc:"When a group would differ from an earlier version by less than the minimum: refuse (409), publish it suppressed, or publish the difference."`
		}) (*bodyOut[Record[registry.AggregateMetrics]], error) {
			e, err := svc.Publish(ctx, PrincipalOf(ctx), in.Year, service.PublishOptions{SmallChanges: in.SmallChanges})
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			r, err := record[registry.AggregateMetrics](e)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[Record[registry.AggregateMetrics]]{r}, nil
		})

		nat := h.Op("federation-metrics", http.MethodGet, "/v1/federation/metrics",
			"The national comparison: each member's signed aggregate OHS metrics, verified, and their sum", "metrics", "federation")
		nat.Description = "For each member of the federation: its figures for `year` as it signed them (status `verified` when the " +
			"signature checks against the member's pinned key), with provenance (`signed`: issuer, seq, kid and the compact JWS to " +
			"check yourself against the member's JWKS; `snapshot`: which snapshot data it computed them from), or `missing`. " +
			"`canada` sums the verified members' shown groups; rates use the definitions of /v1/metrics/ohs."
		huma.Register(api, nat, func(ctx context.Context, in *struct {
			Year int `query:"year" minimum:"1950" maximum:"2100" required:"true"`
		}) (*bodyOut[service.National], error) {
			out, err := svc.National(ctx, in.Year)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[service.National]{out}, nil
		})

		proc := h.Op("process-metrics", http.MethodGet, "/v1/metrics/process",
			"Process metrics per certifying partner for a period: the standard CP report", "metrics")
		proc.Description = "From the signed records this node keeps (`records_kept`): per CP, certificates issued (by program), " +
			"active at the period's end and status changes; audits by type, passed and failed; cycle times in days with mean, " +
			"median, nearest-rank 90th percentile and maximum: `report_cycle` (last on-site day -> report submitted, against the " +
			"CP's report deadline: 45 days in Alberta, 21 for Energy Safety Canada), `issue_cycle` (report submitted -> " +
			"certificate recorded in the registry), `review_cycle` (Employer Review opened -> closed, a plain duration: on_time and late are 0), " +
			"`required_action_cycle` (a review's required action plan or full audit, from when it was required to the last on-site day of the " +
			"passing audit that completes it, against its due date; an action never done in a review closed without it counts late, with no " +
			"duration, in the period of its due date); and " +
			"letters issued by host, with their `cycle` (the home's request -> the letter issued, for letters that carry `requested_on`). A cycle counts when it ends in the period; `open` counts those started in the period and not ended by its last day, " +
			"`open_at_end` those started on or before its last day (whatever the period's first day) and not ended by it: the backlog. " +
			"`definitions` (and `definitions_fr`) say so in words."
		huma.Register(api, proc, func(ctx context.Context, in *struct {
			CP   string        `query:"cp" maxLength:"32" doc:"Only this certifying partner."`
			From registry.Date `query:"from" required:"true"`
			To   registry.Date `query:"to" required:"true"`
		}) (*bodyOut[ProcessReport], error) {
			r, err := svc.Process(ctx, in.CP, in.From, in.To)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[ProcessReport]{ProcessReport{ProcessReport: r, Definitions: ProcessDefinitions, DefinitionsFR: ProcessDefinitionsFR}}, nil
		})

		svg := h.Op("ohs-metrics-svg", http.MethodGet, "/v1/metrics/ohs.svg", "A chart of the OHS metrics (SVG, for the public pages)", "metrics")
		svg.Description = "The figures of /v1/metrics/ohs as paired bars (COR holders, others) with 95% interval whiskers, " +
			"one pair per cell of `group_by` (or the totals): a self-contained SVG drawn by the node (no script, no external " +
			"resource), with a title and a text description for screen readers. `measure` picks the figure."
		svg.Responses = rawContent("The chart, an SVG document.", "image/svg+xml", &huma.Schema{Type: "string"})
		huma.Register(api, svg, func(ctx context.Context, in *ohsChartQuery) (*rawOut, error) {
			r, err := svc.OHS(ctx, in.query())
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			groups := []measure.BarGroup{{Label: "all", COR: measure.BarOf(r.Groups.COR, in.Measure), NonCOR: measure.BarOf(r.Groups.NonCOR, in.Measure)}}
			if len(r.Cells) > 0 {
				groups = groups[:0]
				for _, c := range r.Cells {
					var parts []string
					for _, d := range r.GroupBy {
						parts = append(parts, c.Key[d])
					}
					groups = append(groups, measure.BarGroup{Label: strings.Join(parts, " "), COR: measure.BarOf(c.Groups.COR, in.Measure), NonCOR: measure.BarOf(c.Groups.NonCOR, in.Measure)})
				}
			}
			title := jurisdiction + " COR holders and others"
			if in.Year != 0 {
				title += fmt.Sprintf(", %d", in.Year)
			}
			return svgOut(measure.BarChartSVG(title, in.Measure, groups)), nil
		})

		natSVG := h.Op("federation-metrics-svg", http.MethodGet, "/v1/federation/metrics.svg",
			"A chart of the national comparison by province (SVG)", "metrics", "federation")
		natSVG.Description = "The verified figures of /v1/federation/metrics, one pair of bars per province that published, then Canada."
		natSVG.Responses = rawContent("The chart, an SVG document.", "image/svg+xml", &huma.Schema{Type: "string"})
		huma.Register(api, natSVG, func(ctx context.Context, in *struct {
			Year    int    `query:"year" minimum:"1950" maximum:"2100" required:"true"`
			Measure string `query:"measure" enum:"ltc_rate,dir,fatality_rate,claim_cost_per_person_year" default:"ltc_rate"`
		}) (*rawOut, error) {
			nat, err := svc.National(ctx, in.Year)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			var groups []measure.BarGroup
			for _, p := range nat.Provinces {
				if p.Groups != nil {
					groups = append(groups, measure.BarGroup{Label: strings.TrimPrefix(string(p.Jurisdiction), "CA-"),
						COR: measure.BarOf(p.Groups.COR, in.Measure), NonCOR: measure.BarOf(p.Groups.NonCOR, in.Measure)})
				}
			}
			groups = append(groups, measure.BarGroup{Label: "Canada", COR: measure.BarOf(nat.Canada.COR, in.Measure), NonCOR: measure.BarOf(nat.Canada.NonCOR, in.Measure)})
			return svgOut(measure.BarChartSVG(fmt.Sprintf("COR holders and others by province, %d", in.Year), in.Measure, groups)), nil
		})

		ohsCSV := h.Op("ohs-metrics-csv", http.MethodGet, "/v1/metrics/ohs.csv", "The OHS metrics as CSV", "metrics")
		ohsCSV.Description = "The same figures as /v1/metrics/ohs, one line per cell and group (the totals first, cell \"all\"); " +
			"a suppressed group has empty figures and suppressed=true."
		ohsCSV.Responses = rawContent("CSV (RFC 4180) with a header line.", "text/csv", &huma.Schema{Type: "string"})
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
	CSP          string `header:"Content-Security-Policy"`
	Body         []byte
}

// svgOut serves a chart: no script may run in it, nothing is fetched.
func svgOut(b []byte) *rawOut {
	return &rawOut{ContentType: "image/svg+xml", CacheControl: "max-age=60", CSP: "default-src 'none'; style-src 'unsafe-inline'", Body: b}
}

type ohsQuery struct {
	Year     int    `query:"year" minimum:"1950" maximum:"2100" doc:"Snapshot year; default every year."`
	Industry string `query:"industry" maxLength:"32" doc:"Only this industry code: one that no snapshot row has is refused (a problem at query.industry)."`
	GroupBy  string `query:"group_by" maxLength:"64" doc:"Comma-separated dimensions: year, industry, size_band, program, cp."`
}

type ohsChartQuery struct {
	Year     int    `query:"year" minimum:"1950" maximum:"2100" doc:"Snapshot year; default every year."`
	Industry string `query:"industry" maxLength:"32" doc:"Only this industry code: one that no snapshot row has is refused (a problem at query.industry)."`
	GroupBy  string `query:"group_by" maxLength:"64" doc:"Comma-separated dimensions: year, industry, size_band, program, cp."`
	Measure  string `query:"measure" enum:"ltc_rate,dir,fatality_rate,claim_cost_per_person_year" default:"ltc_rate"`
}

func (q *ohsChartQuery) query() measure.Query {
	return (&ohsQuery{Year: q.Year, Industry: q.Industry, GroupBy: q.GroupBy}).query()
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
				f(x.LostTimeClaims), f(x.DisablingInjuryClaims), f(x.Fatalities),
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

// PostSnapshots sends rows (at most 5,000) to POST /v1/snapshots of the
// node at base, trying again up to three times when the connection fails.
// A refusal is an error with the problem's detail and each of its errors.
func PostSnapshots(ctx context.Context, client *http.Client, base, token string, rows []measure.Snapshot) (SnapshotsImported, error) {
	var out SnapshotsImported
	body, err := json.Marshal(rows)
	if err != nil {
		return out, err
	}
	url := base + "/v1/snapshots"
	status, b, err := postRetrying(ctx, client, url, token, "application/json", body)
	if err != nil {
		return out, err
	}
	if status == http.StatusOK {
		return out, json.Unmarshal(b, &out)
	}
	var p huma.ErrorModel
	_ = json.Unmarshal(b, &p)
	msg := fmt.Sprintf("%s: %d %s: %s", url, status, p.Title, p.Detail)
	for _, e := range p.Errors {
		msg += fmt.Sprintf("\n  %s: %s", e.Location, e.Message)
	}
	return out, errors.New(msg)
}
