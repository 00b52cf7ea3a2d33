package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
)

// QAID is the id of a QA review: its kind, its subject (the auditor of an
// OSAR, else the CP) and its date.
func QAID(q registry.QAReview) string {
	subject := q.CP
	if q.Kind == registry.QAOSAR {
		subject = q.Auditor
	}
	return "QA-" + q.Kind + "-" + subject + "-" + strings.ReplaceAll(q.On.String(), "-", "")
}

// qaIDFor is the id of new QA review q when its sender gave none: QAID
// for the first of its kind, subject and day (every id stored before keeps
// its meaning), then that id with -2, -3, …: two OSARs of one auditor's
// two audits reviewed the same day are both recorded. One on file that q
// repeats (the same audit, CP, outcome and findings: the request sent
// again) is a conflict, as before, so it does not count twice toward the
// OSAR and CP QA rules.
func (n *Node) qaIDFor(ctx context.Context, q registry.QAReview) (string, error) {
	for k := 1; k <= maxReviewsADay; k++ {
		id := q.ID
		if k > 1 {
			id = fmt.Sprintf("%s-%d", q.ID, k)
			if !registry.ValidID(id) {
				break
			}
		}
		e, err := n.Record(ctx, registry.KindQAReview, id)
		if errors.Is(err, registry.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
		o, err := decode[registry.QAReview](e)
		if err != nil {
			return "", err
		}
		if o.Kind == q.Kind && o.Auditor == q.Auditor && o.Audit == q.Audit && o.CP == q.CP && o.Outcome == q.Outcome && o.Findings == q.Findings {
			return "", registry.Conflict("QA review %s already exists", id)
		}
	}
	return "", registry.Conflict("QA review %s already exists", q.ID)
}

// RecordQAReview records an On-Site Audit Review of an auditor's audit
// recorded on this node, or a QA review of one of its CPs. Unsatisfactory
// OSARs feed the auditor's national status. Only the administrator may.
func (n *Node) RecordQAReview(ctx context.Context, p Principal, q registry.QAReview) (registry.Entry, error) {
	if err := n.requireAdmin(p, ScopeAuditors, "records QA reviews"); err != nil {
		return registry.Entry{}, err
	}
	q.By = p.Subject
	generated := q.ID == ""
	if generated {
		q.ID = QAID(q)
	}
	if err := q.Validate(); err != nil {
		return registry.Entry{}, err
	}
	if generated {
		id, err := n.qaIDFor(ctx, q)
		if err != nil {
			return registry.Entry{}, err
		}
		q.ID = id
	}
	if today := n.Today(); q.On.After(today) {
		// An OSAR suspends an auditor from its date: one dated ahead
		// would count now against work not yet reviewed.
		return registry.Entry{}, registry.Invalid("body.on", "%s is after today (%s): a QA review is recorded once it is done", q.On, today)
	}
	defer n.standing.begin()() // an OSAR changes the auditor's standing (standing.go)
	e, err := n.commit(ctx, registry.KindQAReview, q.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, registry.Conflict("QA review %s already exists", q.ID)
		}
		if _, ok, err := exists(l, registry.KindCP, q.CP); err != nil {
			return nil, nil, err
		} else if !ok {
			return nil, nil, registry.Invalid("body.cp", "%s is not a certifying partner of %s", q.CP, n.cfg.Jurisdiction)
		}
		if q.Kind == registry.QAOSAR {
			ae, ok, err := exists(l, registry.KindAudit, q.Audit)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				return nil, nil, registry.Invalid("body.audit", "no audit %q on this node", q.Audit)
			}
			a, err := decode[registry.Audit](ae)
			if err != nil {
				return nil, nil, err
			}
			if a.CP != q.CP || !containsString(a.Auditors, q.Auditor) {
				return nil, nil, registry.Invalid("body.auditor", "audit %s was done for %s by %s, not by %s for %s", a.ID, a.CP, strings.Join(a.Auditors, ", "), q.Auditor, q.CP)
			}
			if q.On.Before(a.OnsiteStart) {
				return nil, nil, registry.Invalid("body.on", "%s is before audit %s was on site (%s): an on-site audit review reviews an audit done", q.On, a.ID, a.OnsiteStart)
			}
		}
		return q, qaKeys(q), nil
	})
	if err != nil {
		return e, err
	}
	_, err = n.proposeCPSuspension(ctx, q.CP) // lifecycle.go: the CP QA rule
	return e, err
}

// QAReviews returns the QA reviews of certifying partner cp recorded on
// this node (CP QA reviews and the OSARs of its audits), or those of
// auditor (OSARs, seen nationally), oldest first. One of cp and auditor
// is given.
func (n *Node) QAReviews(ctx context.Context, cp, auditor string) ([]registry.QAReview, error) {
	out := []registry.QAReview{}
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		var es []registry.Entry
		var err error
		if auditor != "" {
			es, err = nationalByIndex(tx, registry.KindQAReview, "auditor", auditor)
		} else {
			es, err = nationalByIndex(tx, registry.KindQAReview, "cp_qa", cp)
		}
		if err != nil {
			return err
		}
		for _, e := range es {
			q, err := decode[registry.QAReview](e)
			if err != nil {
				return err
			}
			if (auditor == "" || q.Auditor == auditor) && (cp == "" || q.CP == cp) && (auditor != "" || e.Iss == n.cfg.Jurisdiction) {
				out = append(out, q)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b registry.QAReview) int {
		if c := a.On.Compare(b.On); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// CPQA is a certifying partner's QA record on a date: its QA reviews
// and the standing derived from them (registry.CPQAStanding).
type CPQA struct {
	AsOf     registry.Date       `json:"as_of"`
	Standing registry.QAStanding `json:"standing"`
	// Reviews are the newest MaxQAListed QA reviews, oldest first; the
	// standing is derived from all of them (Total).
	Reviews []registry.QAReview `json:"reviews"`
	Total   int                 `json:"total" doc:"QA reviews of the CP recorded here; reviews lists the newest 1,000."`
}

// MaxQAListed bounds the QA reviews a CP's record or a QA list answers
// (the newest); standings and rules read all of them.
const MaxQAListed = 1000

// NewestQA returns the newest MaxQAListed of qs (oldest first, as
// QAReviews returns them).
func NewestQA(qs []registry.QAReview) []registry.QAReview {
	return qs[max(0, len(qs)-MaxQAListed):]
}

// CPQARecord returns certifying partner cp's QA record on asOf (zero:
// today).
func (n *Node) CPQARecord(ctx context.Context, cp string, asOf registry.Date) (CPQA, error) {
	if asOf.IsZero() {
		asOf = n.Today()
	}
	qs, err := n.QAReviews(ctx, cp, "")
	if err != nil {
		return CPQA{}, err
	}
	return CPQA{AsOf: asOf, Standing: registry.CPQAStanding(qs, asOf), Reviews: NewestQA(qs), Total: len(qs)}, nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// ProgramSeed is the format of testdata/program/CA-XX.json: one
// jurisdiction's program definitions and an example program cycle, loaded
// after its seed file through the node's write paths, in this order.
type ProgramSeed struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	// Assumptions say what the file assumes where the sources are silent.
	Assumptions  []string            `json:"assumptions,omitempty"`
	Programs     []registry.Program  `json:"programs"`
	Employers    []registry.Employer `json:"employers"`
	Auditors     []registry.Auditor  `json:"auditors"`
	Audits       []registry.Audit    `json:"audits"`
	Certificates []NewCertificate    `json:"certificates"`
	Maintenance  []registry.Audit    `json:"maintenance"` // audits after the certificates (maintenance, action plans)
	QA           []registry.QAReview `json:"qa_reviews"`
	Discipline   []SeedDiscipline    `json:"discipline"`
	Reviews      []SeedReview        `json:"reviews"`
	ReviewSteps  []SeedReviewStep    `json:"review_steps"`
}

// SeedDiscipline is a discipline action in a program seed.
type SeedDiscipline struct {
	Auditor string        `json:"auditor"`
	Action  string        `json:"action"`
	Reason  string        `json:"reason"`
	On      registry.Date `json:"on"`
}

// SeedReview opens an Employer Review in a program seed.
type SeedReview struct {
	EmployerBN  string        `json:"employer_bn"`
	Certificate string        `json:"certificate"`
	Trigger     string        `json:"trigger"`
	OccurredOn  registry.Date `json:"occurred_on"`
	OpenedOn    registry.Date `json:"opened_on"`
}

// SeedReviewStep is a step on a review in a program seed.
type SeedReviewStep struct {
	Review string        `json:"review"`
	Action string        `json:"action"`
	Reason string        `json:"reason"`
	On     registry.Date `json:"on"`
	DueOn  registry.Date `json:"due_on,omitzero"`
}

// ParseProgramSeed parses a program seed file strictly.
func ParseProgramSeed(data []byte) (ProgramSeed, error) {
	var f ProgramSeed
	if err := strictjson.Decode(data, &f); err != nil {
		return f, fmt.Errorf("program seed file: %v: %w", err, registry.ErrInvalid)
	}
	return f, nil
}

// SeedProgram loads f through the same write paths as the API, as the
// program administrator. It returns the number of entries written.
func (n *Node) SeedProgram(ctx context.Context, f ProgramSeed) (int, error) {
	if f.Jurisdiction != n.cfg.Jurisdiction {
		return 0, fmt.Errorf("program seed file is for %s, this node is %s: %w", f.Jurisdiction, n.cfg.Jurisdiction, registry.ErrInvalid)
	}
	admin := Principal{Subject: "seed", Role: RoleAdmin, Scopes: AllScopes}
	count := 0
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("program seed %s: %w", what, err)
		}
		count++
		return nil
	}
	var err error
	for _, p := range f.Programs {
		if err = step("program "+p.ID, second(n.PublishProgram(ctx, admin, p))); err != nil {
			return count, err
		}
	}
	for _, e := range f.Employers {
		if err = step("employer "+e.BN, second(n.PutEmployer(ctx, admin, e, true))); err != nil {
			return count, err
		}
	}
	for _, a := range f.Auditors {
		if err = step("auditor "+a.ID, second(n.PutAuditor(ctx, admin, a, true))); err != nil {
			return count, err
		}
	}
	for _, a := range f.Audits {
		if err = step("audit "+a.ID, second(n.RecordAudit(ctx, admin, a))); err != nil {
			return count, err
		}
	}
	for _, c := range f.Certificates {
		if err = step("certificate "+c.Number, second(n.CreateCertificate(ctx, admin, c))); err != nil {
			return count, err
		}
	}
	for _, a := range f.Maintenance {
		if err = step("audit "+a.ID, second(n.RecordAudit(ctx, admin, a))); err != nil {
			return count, err
		}
	}
	for _, q := range f.QA {
		if err = step("QA review "+q.ID, second(n.RecordQAReview(ctx, admin, q))); err != nil {
			return count, err
		}
	}
	for _, d := range f.Discipline {
		r := DisciplineRequest{Action: d.Action, Reason: d.Reason, On: d.On}
		if err = step("discipline of "+d.Auditor, second(n.DisciplineAuditor(ctx, admin, d.Auditor, r))); err != nil {
			return count, err
		}
	}
	// Reviews open and steps are taken in date order (a review opened
	// later sees the earlier ones as they were then), stably.
	type event struct {
		on   registry.Date
		open *SeedReview
		step *SeedReviewStep
	}
	var evs []event
	for i := range f.Reviews {
		evs = append(evs, event{on: f.Reviews[i].OpenedOn, open: &f.Reviews[i]})
	}
	for i := range f.ReviewSteps {
		evs = append(evs, event{on: f.ReviewSteps[i].On, step: &f.ReviewSteps[i]})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.on.Compare(b.on) })
	for _, ev := range evs {
		if r := ev.open; r != nil {
			_, _, err := n.OpenReview(ctx, admin, NewReview{EmployerBN: r.EmployerBN, Certificate: r.Certificate, Trigger: r.Trigger, OccurredOn: r.OccurredOn, OpenedOn: r.OpenedOn})
			if err = step("review of "+r.Certificate, err); err != nil {
				return count, err
			}
			continue
		}
		s := ev.step
		r := ReviewRequest{Action: s.Action, Reason: s.Reason, On: s.On, DueOn: s.DueOn}
		if err = step("review step on "+s.Review, second(n.ActOnReview(ctx, admin, s.Review, r))); err != nil {
			return count, err
		}
	}
	return count, nil
}
