package openapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// ElementIn is one element's score.
type ElementIn struct {
	Element string  `json:"element" minLength:"1" maxLength:"64"`
	Score   float64 `json:"score" minimum:"0" maximum:"100" doc:"Percent."`
}

// AuditIn records an audit.
type AuditIn struct {
	ID                string        `json:"id,omitempty" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" doc:"Optional; default AUD-<cp>-<employer_bn>-<onsite_end>-<type>."`
	EmployerBN        string        `json:"employer_bn" pattern:"^[0-9]{9}$"`
	CP                string        `json:"cp" pattern:"^[A-Z][A-Z0-9]{1,15}$" doc:"The CP whose audit this is; a CP token may name only itself."`
	Type              string        `json:"type" enum:"certification,recertification,maintenance,action_plan,self_assessment,iso_equivalency"`
	Program           string        `json:"program" pattern:"^[A-Z][A-Z0-9]{1,15}$" doc:"A program of this node (GET /v1/programs): COR, SECOR, ..."`
	Instrument        string        `json:"instrument,omitempty" maxLength:"200"`
	InstrumentVersion string        `json:"instrument_version,omitempty" maxLength:"64"`
	Auditors          []string      `json:"auditors" minItems:"1" maxItems:"10" doc:"Ids of the national auditor registry."`
	Certificate       string        `json:"certificate,omitempty" maxLength:"64" doc:"The certificate a maintenance, recertification or action plan audit is about."`
	OnsiteStart       registry.Date `json:"onsite_start"`
	OnsiteEnd         registry.Date `json:"onsite_end" doc:"The last on-site day: a certificate based on the audit is issued on it."`
	SubmittedOn       registry.Date `json:"submitted_on"`
	DocMonths         int           `json:"documentation_months" minimum:"0" maximum:"600"`
	Overall           float64       `json:"overall" minimum:"0" maximum:"100" doc:"Percent."`
	Elements          []ElementIn   `json:"elements,omitempty" maxItems:"50"`
}

func (a AuditIn) record() registry.Audit {
	out := registry.Audit{ID: a.ID, EmployerBN: a.EmployerBN, CP: a.CP, Type: a.Type, Program: a.Program, Instrument: a.Instrument,
		InstrumentVersion: a.InstrumentVersion, Auditors: a.Auditors, Certificate: a.Certificate, OnsiteStart: a.OnsiteStart,
		OnsiteEnd: a.OnsiteEnd, SubmittedOn: a.SubmittedOn, DocMonths: a.DocMonths, Overall: a.Overall}
	for _, e := range a.Elements {
		out.Elements = append(out.Elements, registry.ElementScore(e))
	}
	return out
}

// AuditRecord is a signed audit with its verdict repeated at the top.
type AuditRecord struct {
	Record[registry.Audit]
	Passed  bool        `json:"passed"`
	Lang    string      `json:"lang" enum:"en,fr" doc:"The language of the reasons' text."`
	Reasons []ReasonOut `json:"reasons" doc:"The rules the audit breaks (empty when it passed)."`
}

// ReasonOut is a rule an audit breaks: its code, the element, the
// sentence in English and French, and text in the language asked for.
type ReasonOut struct {
	registry.Finding
	Text string `json:"text" doc:"detail or detail_fr, in the language asked for (lang, else Accept-Language)."`
}

// LangIn picks the language of the texts of an answer.
type LangIn struct {
	Lang   string `query:"lang" enum:"en,fr" doc:"Language of the texts; default from Accept-Language, else English."`
	Accept string `header:"Accept-Language" doc:"en or fr (the best q-value wins); codes do not change."`
}

func (l LangIn) fr() bool { return RequestLang(l.Lang, l.Accept) == "fr" }

func langName(fr bool) string {
	if fr {
		return "fr"
	}
	return "en"
}

func auditRecord(e registry.Entry, fr bool) (AuditRecord, error) {
	r, err := record[registry.Audit](e)
	reasons := []ReasonOut{}
	for _, f := range r.Record.Reasons {
		t := f.Detail
		if fr && f.DetailFR != "" {
			t = f.DetailFR
		}
		reasons = append(reasons, ReasonOut{Finding: f, Text: t})
	}
	return AuditRecord{Record: r, Passed: r.Record.Passed, Lang: langName(fr), Reasons: reasons}, err
}

// CredentialIn is an auditor's credential with one CP.
type CredentialIn struct {
	CP          string        `json:"cp" pattern:"^[A-Z][A-Z0-9]{1,15}$"`
	Kind        string        `json:"kind" enum:"external,peer,internal,candidate"`
	CertifiedOn registry.Date `json:"certified_on" doc:"For a candidate, the day of the course."`
	ExpiresOn   registry.Date `json:"expires_on,omitzero" nullable:"true" doc:"Default: the end of the program's period (36 months). null in a PUT: back to the default."`
}

// AuditorIn registers an auditor.
type AuditorIn struct {
	ID          string         `json:"id" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"`
	Name        string         `json:"name" minLength:"1" maxLength:"200"`
	EmployerBN  string         `json:"employer_bn,omitempty" pattern:"^([0-9]{9})?$" doc:"The employer that employs the auditor (independence rules); empty: none."`
	Credentials []CredentialIn `json:"credentials" minItems:"1" maxItems:"50"`
}

func (a AuditorIn) record() registry.Auditor {
	out := registry.Auditor{ID: a.ID, Name: a.Name, EmployerBN: a.EmployerBN}
	for _, c := range a.Credentials {
		out.Credentials = append(out.Credentials, registry.Credential(c))
	}
	return out
}

// AuditorOut is an auditor of the national registry with its status on a
// date, derived from its credentials, every province's discipline and QA.
type AuditorOut struct {
	Record[registry.Auditor]
	Status     string                   `json:"status" enum:"certified,candidate,suspended,revoked,lapsed,uncertified"`
	StatusAsOf registry.Date            `json:"status_as_of"`
	Standing   registry.AuditorStanding `json:"standing"`
	Discipline []registry.Discipline    `json:"discipline" doc:"Every body's discipline record, as each signed it."`
	Audits     int                      `json:"audits" doc:"Audits it took part in, seen nationally."`
	QA         []registry.QAReview      `json:"qa_reviews"`
}

// DisciplineIn is a discipline action.
type DisciplineIn struct {
	Action string        `json:"action" enum:"reprimand,suspend,revoke,reinstate"`
	Reason string        `json:"reason" minLength:"1" maxLength:"500"`
	On     registry.Date `json:"on,omitzero" doc:"Default: today."`
}

// ReviewIn opens an Employer Review.
type ReviewIn struct {
	EmployerBN  string        `json:"employer_bn" pattern:"^[0-9]{9}$"`
	Certificate string        `json:"certificate" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"`
	Trigger     string        `json:"trigger" enum:"fatality,serious_injury,stop_work_orders,misreported_injuries"`
	OccurredOn  registry.Date `json:"occurred_on"`
	OpenedOn    registry.Date `json:"opened_on,omitzero" doc:"Default: today."`
	Reason      string        `json:"reason,omitempty" maxLength:"500"`
}

// ReviewPatch is a step on a review.
type ReviewPatch struct {
	Action string        `json:"action" enum:"require_action_plan,require_full_audit,close,suspend,revoke"`
	Reason string        `json:"reason" minLength:"1" maxLength:"500"`
	On     registry.Date `json:"on,omitzero" doc:"Default: today."`
	DueOn  registry.Date `json:"due_on,omitzero" doc:"Required with require_action_plan and require_full_audit."`
}

// StopWorkIn records a stop-work order.
type StopWorkIn struct {
	EmployerBN  string        `json:"employer_bn" pattern:"^[0-9]{9}$"`
	Certificate string        `json:"certificate,omitempty" maxLength:"64" doc:"The certificate a review would be about; default the employer's live certificate on this node."`
	Number      string        `json:"number" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" doc:"The order's own number."`
	IssuedOn    registry.Date `json:"issued_on"`
	IssuedBy    string        `json:"issued_by,omitempty" maxLength:"200"`
	Reason      string        `json:"reason,omitempty" maxLength:"500"`
}

// StopWorkOut is a recorded order and what the count made of it.
type StopWorkOut struct {
	Record[registry.StopWorkOrder]
	Counted int    `json:"counted" doc:"Orders in the window that reached the rule; 0 when the count is not reached."`
	Rule    string `json:"rule"`
	Review  string `json:"review,omitempty" doc:"The stop_work_orders review this order opened."`
	Note    string `json:"note,omitempty"`
}

// LifecycleOut is the answer of a lifecycle run.
type LifecycleOut struct {
	RunOn   registry.Date        `json:"run_on"`
	DryRun  bool                 `json:"dry_run"`
	Checked int                  `json:"checked" doc:"Live certificates and open reviews read."`
	Lang    string               `json:"lang" enum:"en,fr"`
	Changes []LifecycleChangeOut `json:"changes" doc:"The changes made (or, in a dry run, that would be made), the first 10,000, oldest certificates first."`
	// ChangesTotal counts them all.
	ChangesTotal int `json:"changes_total" doc:"Every change made (or that would be made): more than changes lists past 10,000."`
}

// LifecycleChangeOut is one change, with its reason in the language asked for.
type LifecycleChangeOut struct {
	node.LifecycleChange
	Text string `json:"text" doc:"reason or reason_fr, in the language asked for."`
}

// ReviewOut is an Employer Review with the removal proposal it led to.
type ReviewOut struct {
	Record[registry.Review]
	RemovalProposal string   `json:"removal_proposal,omitempty" doc:"The removal proposal the removal rule wrote for this review (on this write or an earlier one), if any: see GET /v1/removals."`
	LaterReviews    []string `json:"later_reviews,omitempty" doc:"The reviews of the same employer, opened after this one, that the repeat rule made require a full external audit because of it (each lists it in related). Opening a review recorded late names the open reviews it changed here."`
}

func (s *server) reviewOut(ctx context.Context, r Record[registry.Review]) ReviewOut {
	out := ReviewOut{Record: r}
	if _, err := s.node.Record(ctx, registry.KindRemoval, node.RemovalID(r.ID)); err == nil {
		out.RemovalProposal = node.RemovalID(r.ID)
	}
	out.LaterReviews, _ = s.node.LaterReviews(ctx, r.Record) // an extra: a failed read leaves it out
	return out
}

// MaintenanceList lists maintenance audits due.
type MaintenanceList struct {
	DueBefore registry.Date          `json:"due_before"`
	Items     []node.MaintenanceItem `json:"items"`
	Count     int                    `json:"count"`
	ListPage
}

// RemovalList lists removal proposals.
type RemovalList struct {
	Removals []Record[registry.Removal] `json:"removals"`
	Count    int                        `json:"count"`
	ListPage
}

// RemovalDecisionIn is the administrator's decision.
type RemovalDecisionIn struct {
	Decision string        `json:"decision" enum:"confirm,reject" doc:"confirm revokes the certificate."`
	Reason   string        `json:"reason" minLength:"1" maxLength:"500"`
	On       registry.Date `json:"on,omitzero" doc:"Default: today."`
}

// ProgramList lists the node's programs.
type ProgramList struct {
	Programs []registry.Program `json:"programs"`
}

func (s *server) record(ctx context.Context, kind registry.Kind, id string) (registry.Entry, error) {
	e, err := s.node.Record(ctx, kind, id)
	if err != nil {
		return e, s.problem(ctx, err)
	}
	return e, nil
}

func (s *server) registerProgram(api huma.API) {
	s.registerAudits(api)
	s.registerReviews(api)
	s.registerQA(api)
}

func (s *server) registerAudits(api huma.API) {
	huma.Register(api, op("list-programs", http.MethodGet, "/v1/programs", "The node's programs as data: pass rules, deadlines, term, maintenance, auditor, review and removal rules", "programs"),
		func(ctx context.Context, _ *struct{}) (*bodyOut[ProgramList], error) {
			ps, err := s.node.Programs(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[ProgramList]{ProgramList{ps}}, nil
		})
	huma.Register(api, s.writeOp("put-program", http.MethodPut, "/v1/programs/{id}", "Publish a program definition (program administrator, rules:write)", http.StatusOK, "programs"),
		func(ctx context.Context, in *struct {
			IDPath
			Body registry.Program
		}) (*bodyOut[Record[registry.Program]], error) {
			if err := pathMismatch("id", in.Body.ID, in.ID); err != nil {
				return nil, s.problem(ctx, withRules(err, in.Body.Validate()))
			}
			ctx = withOmitted[registry.Program](ctx, registry.KindProgram, in.ID)
			e, err := s.node.PublishProgram(ctx, principalOf(ctx), in.Body)
			r, err := writeResult[registry.Program](ctx, s, e, err)
			return &bodyOut[Record[registry.Program]]{r}, err
		})

	huma.Register(api, s.writeOp("create-audit", http.MethodPost, "/v1/audits", "Record an audit; the answer says whether it passed and which rules it breaks", http.StatusCreated, "audits"),
		func(ctx context.Context, in *struct {
			LangIn
			Body AuditIn
		}) (*createdOut[AuditRecord], error) {
			e, err := s.node.RecordAudit(ctx, principalOf(ctx), in.Body.record())
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			r, err := auditRecord(e, in.fr())
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &createdOut[AuditRecord]{Location: "/v1/audits/" + r.ID, Body: r}, nil
		})
	huma.Register(api, op("get-audit", http.MethodGet, "/v1/audits/{id}", "An audit and its verdict", "audits"),
		func(ctx context.Context, in *struct {
			IDPath
			LangIn
		}) (*bodyOut[AuditRecord], error) {
			e, err := s.record(ctx, registry.KindAudit, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := auditRecord(e, in.fr())
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[AuditRecord]{r}, nil
		})

	huma.Register(api, s.writeOp("create-auditor", http.MethodPost, "/v1/auditors", "Register an auditor in the national registry (this node becomes its home)", http.StatusCreated, "auditors"),
		func(ctx context.Context, in *struct {
			Body AuditorIn
		}) (*createdOut[Record[registry.Auditor]], error) {
			e, err := s.node.PutAuditor(ctx, principalOf(ctx), in.Body.record(), true)
			r, err := writeResult[registry.Auditor](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.Auditor]]{Location: "/v1/auditors/" + r.ID, Body: r}, nil
		})
	huma.Register(api, s.writeOp("put-auditor", http.MethodPut, "/v1/auditors/{id}", "Change an auditor's credentials (its home node only; a renewal needs the audits the rules require)", http.StatusOK, "auditors"),
		func(ctx context.Context, in *struct {
			IDPath
			Body AuditorIn
		}) (*bodyOut[Record[registry.Auditor]], error) {
			if err := pathMismatch("id", in.Body.ID, in.ID); err != nil {
				a := in.Body.record() // as the rule set checks it (rules.go)
				a.Home = s.node.Jurisdiction()
				return nil, s.problem(ctx, withRules(err, a.Validate()))
			}
			ctx = withOmitted[AuditorIn](ctx, registry.KindAuditor, in.ID)
			e, err := s.node.PutAuditor(ctx, principalOf(ctx), in.Body.record(), false)
			r, err := writeResult[registry.Auditor](ctx, s, e, err)
			return &bodyOut[Record[registry.Auditor]]{r}, err
		})
	huma.Register(api, op("get-auditor", http.MethodGet, "/v1/auditors/{id}", "An auditor of the national registry (from any province's node) and its status on a date", "auditors"),
		func(ctx context.Context, in *struct {
			IDPath
			StatusAsOf string `query:"status_as_of" format:"date" doc:"The date of the status (default today)."`
		}) (*bodyOut[AuditorOut], error) {
			var d registry.Date
			if in.StatusAsOf != "" {
				var err error
				if d, err = registry.ParseDate(in.StatusAsOf); err != nil {
					return nil, fieldProblem(ctx, "query.status_as_of", "%v", err)
				}
			}
			v, err := s.node.Auditor(ctx, in.ID, d)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			r, err := record[registry.Auditor](v.Entry)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			qa := v.QA
			if qa == nil {
				qa = []registry.QAReview{}
			}
			return &bodyOut[AuditorOut]{AuditorOut{Record: r, Status: v.Standing.Status, StatusAsOf: v.AsOf, Standing: v.Standing,
				Discipline: v.Discipline, Audits: v.Audits, QA: qa}}, nil
		})
	huma.Register(api, s.writeOp("discipline-auditor", http.MethodPost, "/v1/auditors/{id}/discipline", "Discipline an auditor (program administrator); every province's node sees it", http.StatusOK, "auditors"),
		func(ctx context.Context, in *struct {
			IDPath
			Body DisciplineIn
		}) (*bodyOut[Record[registry.Discipline]], error) {
			e, err := s.node.DisciplineAuditor(ctx, principalOf(ctx), in.ID, node.DisciplineRequest(in.Body))
			r, err := writeResult[registry.Discipline](ctx, s, e, err)
			return &bodyOut[Record[registry.Discipline]]{r}, err
		})
	huma.Register(api, s.writeOp("create-qa-review", http.MethodPost, "/v1/qa-reviews", "Record an On-Site Audit Review (OSAR) or a CP QA review (program administrator)", http.StatusCreated, "auditors"),
		func(ctx context.Context, in *struct {
			Body QAReviewIn
		}) (*createdOut[Record[registry.QAReview]], error) {
			e, err := s.node.RecordQAReview(ctx, principalOf(ctx), registry.QAReview(in.Body))
			r, err := writeResult[registry.QAReview](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.QAReview]]{Location: "/v1/qa-reviews/" + r.ID, Body: r}, nil
		})
}

// CPIn asks for a certifying partner with its QA record on a date.
type CPIn struct {
	IDPath
	QAAsOf string `query:"qa_as_of" format:"date" doc:"The date of the QA standing (default today)."`
}

// CPOut is a certifying partner with its QA record: the CP QA reviews and
// On-Site Audit Reviews of its audits, and the standing derived from them.
type CPOut struct {
	Record[registry.CertifyingPartner]
	QA node.CPQA `json:"qa"`
}

func (s *server) cpOut(ctx context.Context, in *CPIn) (*bodyOut[CPOut], error) {
	var d registry.Date
	if in.QAAsOf != "" {
		var err error
		if d, err = registry.ParseDate(in.QAAsOf); err != nil {
			return nil, fieldProblem(ctx, "query.qa_as_of", "%v", err)
		}
	}
	e, err := s.record(ctx, registry.KindCP, in.ID)
	if err != nil {
		return nil, err
	}
	r, err := record[registry.CertifyingPartner](e)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	qa, err := s.node.CPQARecord(ctx, in.ID, d)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &bodyOut[CPOut]{CPOut{Record: r, QA: qa}}, nil
}

// QAList lists QA reviews.
type QAList struct {
	Reviews []registry.QAReview `json:"reviews" doc:"The newest 1,000, oldest first."`
	Count   int                 `json:"count"`
	Total   int                 `json:"total" doc:"Every QA review of the CP or auditor; reviews lists the newest 1,000."`
}

func (s *server) registerQA(api huma.API) {
	huma.Register(api, op("get-qa-review", http.MethodGet, "/v1/qa-reviews/{id}", "A QA review: an On-Site Audit Review (OSAR) or a CP QA review", "auditors"),
		func(ctx context.Context, in *struct{ IDPath }) (*bodyOut[Record[registry.QAReview]], error) {
			return one[registry.QAReview](ctx, s, registry.KindQAReview, in.ID)
		})
	huma.Register(api, op("list-qa-reviews", http.MethodGet, "/v1/qa-reviews", "QA reviews of a certifying partner (this node's) or of an auditor (nationally), oldest first", "auditors"),
		func(ctx context.Context, in *struct {
			CP      string `query:"cp" pattern:"^[A-Z][A-Z0-9]{1,15}$" doc:"A certifying partner of this node: its CP QA reviews and the OSARs of its audits."`
			Auditor string `query:"auditor" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" doc:"An auditor of the national registry: its OSARs, from every node."`
		}) (*bodyOut[QAList], error) {
			if (in.CP == "") == (in.Auditor == "") {
				return nil, fieldProblem(ctx, "query.cp", "give exactly one of cp and auditor")
			}
			qs, err := s.node.QAReviews(ctx, in.CP, in.Auditor)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			listed := node.NewestQA(qs)
			return &bodyOut[QAList]{QAList{Reviews: listed, Count: len(listed), Total: len(qs)}}, nil
		})
}

// QAReviewIn records a QA review.
type QAReviewIn struct {
	ID       string        `json:"id,omitempty" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"`
	Kind     string        `json:"kind" enum:"osar,cp_qa"`
	Auditor  string        `json:"auditor,omitempty" maxLength:"64" doc:"For an OSAR: the auditor reviewed."`
	Audit    string        `json:"audit,omitempty" maxLength:"64" doc:"For an OSAR: the audit reviewed."`
	CP       string        `json:"cp" pattern:"^[A-Z][A-Z0-9]{1,15}$"`
	On       registry.Date `json:"on"`
	Outcome  string        `json:"outcome" enum:"satisfactory,needs_improvement,unsatisfactory"`
	Findings string        `json:"findings,omitempty" maxLength:"2000"`
	By       string        `json:"-"`
}

func (s *server) registerReviews(api huma.API) {
	huma.Register(api, s.writeOp("open-review", http.MethodPost, "/v1/reviews", "Open an Employer Review (program administrator); the PIR refund is withheld while it is open", http.StatusCreated, "reviews"),
		func(ctx context.Context, in *struct {
			Body ReviewIn
		}) (*createdOut[ReviewOut], error) {
			b := in.Body
			_, e, err := s.node.OpenReview(ctx, principalOf(ctx), node.NewReview{EmployerBN: b.EmployerBN, Certificate: b.Certificate,
				Trigger: b.Trigger, OccurredOn: b.OccurredOn, OpenedOn: b.OpenedOn, Reason: b.Reason})
			r, err := writeResult[registry.Review](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[ReviewOut]{Location: "/v1/reviews/" + r.ID, Body: s.reviewOut(ctx, r)}, nil
		})
	huma.Register(api, s.writeOp("record-stop-work-order", http.MethodPost, "/v1/stop-work-orders", "Record a stop-work order issued to an employer (program administrator); when the recorded orders reach the program's count (2 within 12 months) a stop_work_orders review opens", http.StatusCreated, "reviews"),
		func(ctx context.Context, in *struct {
			Body StopWorkIn
		}) (*createdOut[StopWorkOut], error) {
			b := in.Body
			res, err := s.node.RecordStopWorkOrder(ctx, principalOf(ctx), registry.StopWorkOrder{EmployerBN: b.EmployerBN, Certificate: b.Certificate,
				Number: b.Number, IssuedOn: b.IssuedOn, IssuedBy: b.IssuedBy, Reason: b.Reason})
			if err != nil && res.Entry.Ver == 0 {
				return nil, s.problem(ctx, err)
			}
			r, rerr := record[registry.StopWorkOrder](res.Entry)
			if rerr != nil {
				return nil, s.problem(ctx, rerr)
			}
			out := StopWorkOut{Record: r, Counted: res.Counted, Rule: res.Rule, Review: res.Review, Note: res.Note}
			if err != nil {
				out.Note = "the order is recorded; opening the review failed: " + err.Error()
			}
			return &createdOut[StopWorkOut]{Location: "/v1/stop-work-orders/" + r.ID, Body: out}, nil
		})
	huma.Register(api, op("get-stop-work-order", http.MethodGet, "/v1/stop-work-orders/{id}", "A recorded stop-work order", "reviews"),
		func(ctx context.Context, in *struct{ IDPath }) (*bodyOut[Record[registry.StopWorkOrder]], error) {
			e, err := s.record(ctx, registry.KindStopWork, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := record[registry.StopWorkOrder](e)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[Record[registry.StopWorkOrder]]{r}, nil
		})
	huma.Register(api, op("get-review", http.MethodGet, "/v1/reviews/{id}", "An Employer Review", "reviews"),
		func(ctx context.Context, in *struct{ IDPath }) (*bodyOut[ReviewOut], error) {
			e, err := s.record(ctx, registry.KindReview, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := writeResult[registry.Review](ctx, s, e, nil)
			return &bodyOut[ReviewOut]{s.reviewOut(ctx, r)}, err
		})
	huma.Register(api, s.writeOp("act-on-review", http.MethodPatch, "/v1/reviews/{id}", "Require an action plan or a full audit by a date, or close the review (closed, suspend, revoke)", http.StatusOK, "reviews"),
		func(ctx context.Context, in *struct {
			IDPath
			Body ReviewPatch
		}) (*bodyOut[ReviewOut], error) {
			_, err := s.node.ActOnReview(ctx, principalOf(ctx), in.ID, node.ReviewRequest(in.Body))
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			e, err := s.record(ctx, registry.KindReview, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := writeResult[registry.Review](ctx, s, e, nil)
			return &bodyOut[ReviewOut]{s.reviewOut(ctx, r)}, err
		})
	huma.Register(api, op("maintenance-due", http.MethodGet, "/v1/maintenance", "Maintenance audits due or overdue on or before a date, for certificates whose audits are recorded here", "lifecycle"),
		func(ctx context.Context, in *struct {
			DueBefore string `query:"due_before" required:"true" format:"date"`
			Limit     int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
			CursorIn
		}) (*bodyOut[MaintenanceList], error) {
			d, err := registry.ParseDate(in.DueBefore)
			if err != nil {
				return nil, fieldProblem(ctx, "query.due_before", "%v", err)
			}
			pg, err := s.node.MaintenancePage(ctx, d, in.Limit, in.Cursor)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[MaintenanceList]{MaintenanceList{DueBefore: d, Items: pg.Items, Count: len(pg.Items), ListPage: listPage(pg)}}, nil
		})
	huma.Register(api, s.writeOp("run-lifecycle", http.MethodPost, "/v1/lifecycle/run", "Append the status changes and removal proposals the program rules require today (program administrator); idempotent", http.StatusOK, "lifecycle"),
		func(ctx context.Context, in *struct {
			DryRun bool `query:"dry_run" doc:"Answer what would change, write nothing."`
			LangIn
		}) (*bodyOut[LifecycleOut], error) {
			rep, err := s.node.RunLifecycle(ctx, principalOf(ctx), in.DryRun)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := LifecycleOut{RunOn: rep.RunOn, DryRun: rep.DryRun, Checked: rep.Checked, Lang: langName(in.fr()), Changes: []LifecycleChangeOut{},
				ChangesTotal: rep.ChangesTotal}
			for _, c := range rep.Changes {
				t := c.Reason
				if in.fr() {
					t = c.ReasonFR
				}
				out.Changes = append(out.Changes, LifecycleChangeOut{LifecycleChange: c, Text: t})
			}
			return &bodyOut[LifecycleOut]{out}, nil
		})
	huma.Register(api, op("list-removals", http.MethodGet, "/v1/removals", "Removal proposals for persistent non-performers, with their evidence", "reviews"),
		func(ctx context.Context, in *struct {
			Status string `query:"status" enum:"proposed,confirmed,rejected" default:"proposed"`
			Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
			CursorIn
		}) (*bodyOut[RemovalList], error) {
			pg, err := s.node.RemovalsPage(ctx, in.Status, in.Limit, in.Cursor)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := RemovalList{Removals: []Record[registry.Removal]{}, ListPage: listPage(pg)}
			for _, r := range pg.Items {
				e, err := s.record(ctx, registry.KindRemoval, r.ID)
				if err != nil {
					return nil, err
				}
				rec, err := record[registry.Removal](e)
				if err != nil {
					return nil, s.problem(ctx, err)
				}
				out.Removals = append(out.Removals, rec)
			}
			out.Count = len(out.Removals)
			return &bodyOut[RemovalList]{out}, nil
		})
	huma.Register(api, s.writeOp("decide-removal", http.MethodPost, "/v1/removals/{id}/decision", "Confirm (revoke the certificate, or suspend the CP of a CP QA proposal) or reject a removal proposal (program administrator)", http.StatusOK, "reviews"),
		func(ctx context.Context, in *struct {
			IDPath
			Body RemovalDecisionIn
		}) (*bodyOut[Record[registry.Removal]], error) {
			_, err := s.node.DecideRemoval(ctx, principalOf(ctx), in.ID, node.RemovalRequest(in.Body))
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			e, err := s.record(ctx, registry.KindRemoval, in.ID)
			if err != nil {
				return nil, err
			}
			r, err := writeResult[registry.Removal](ctx, s, e, nil)
			return &bodyOut[Record[registry.Removal]]{r}, err
		})
}
