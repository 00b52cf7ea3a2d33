package registry

import (
	"fmt"
	"slices"
	"strings"
)

// QA review subjects and outcomes.
const (
	QAOSAR = "osar"  // an On-Site Audit Review of one auditor's audit
	QACP   = "cp_qa" // a quality assurance review of a certifying partner

	QASatisfactory     = "satisfactory"
	QANeedsImprovement = "needs_improvement"
	QAUnsatisfactory   = "unsatisfactory"
)

// QAReview is an On-Site Audit Review (OSAR) of an auditor's audit, or a
// QA review of a CP, with its outcome. Unsatisfactory OSARs feed the
// auditor's status (AuditorRules.UnsatisfactoryOSAR); CP QA reviews are
// listed on the CP's record.
type QAReview struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`              // osar or cp_qa
	Auditor  string `json:"auditor,omitempty"` // for an OSAR
	Audit    string `json:"audit,omitempty"`   // the audit reviewed, for an OSAR
	CP       string `json:"cp"`
	On       Date   `json:"on"`
	Outcome  string `json:"outcome"`
	Findings string `json:"findings,omitempty"`
	By       string `json:"by,omitempty"`
}

// Validate checks a QA review on its own. It reports every problem found
// at once (ValidationErrors).
func (q QAReview) Validate() error {
	var v collect
	if !ValidID(q.ID) {
		v.add(Invalid("body.id", "a QA review id is 1 to 64 letters, digits, '.', '_' or '-'"))
	}
	switch q.Kind {
	case QAOSAR:
		if !ValidID(q.Auditor) {
			v.add(Invalid("body.auditor", "an OSAR names the auditor reviewed"))
		}
		if !ValidID(q.Audit) {
			v.add(Invalid("body.audit", "an OSAR names the audit reviewed"))
		}
	case QACP:
	default:
		v.add(Invalid("body.kind", "one of osar, cp_qa"))
	}
	if !codeRE.MatchString(q.CP) {
		v.add(Invalid("body.cp", "a CP id"))
	}
	if q.On.IsZero() {
		v.add(Invalid("body.on", "required, as YYYY-MM-DD"))
	}
	if !slices.Contains([]string{QASatisfactory, QANeedsImprovement, QAUnsatisfactory}, q.Outcome) {
		v.add(Invalid("body.outcome", "one of satisfactory, needs_improvement, unsatisfactory"))
	}
	v.add(checkText("body.findings", q.Findings, 0, MaxTextLen))
	return v.err()
}

// OSARHold is a suspension by QA (rule auditor.osar): why, in English and
// French, the last unsatisfactory OSAR that made it (its id and date), and
// the bodies whose reinstatement lifts it. Reason is "" when there is none.
type OSARHold struct {
	Reason, ReasonFR string
	Last             string // the id of the last unsatisfactory OSAR
	LastOn           Date
	// Bodies are the nodes that recorded OSAR Last (the caller knows who
	// signed it): a reinstatement by one of them dated on or after LastOn
	// lifts the suspension.
	Bodies []Jurisdiction
}

// OSARSuspension returns the auditor's suspension by QA on d, or a zero
// OSARHold: r.UnsatisfactoryOSAR unsatisfactory OSARs in a row on or
// before d (0 disables the rule), not lifted. A reinstatement in ds by a
// body that recorded the last OSAR of a run, dated on or after it, lifts
// that suspension and ends the run: the body decided the auditor may audit
// again, so only OSARs dated after the reinstatement count towards another.
// recordedBy gives the nodes that signed each OSAR (by id).
func OSARSuspension(qs []QAReview, recordedBy map[string][]Jurisdiction, ds []Discipline, r AuditorRules, d Date) OSARHold {
	if r.UnsatisfactoryOSAR <= 0 {
		return OSARHold{}
	}
	var osars []QAReview
	for _, q := range qs {
		if q.Kind == QAOSAR && !q.On.After(d) {
			osars = append(osars, q)
		}
	}
	slices.SortStableFunc(osars, func(a, b QAReview) int { return a.On.Compare(b.On) })
	var hold OSARHold
	run := 0
	for _, q := range osars {
		if hold.Reason != "" {
			if lifted, ok := hold.liftedBy(ds, d); ok && !lifted.After(q.On) {
				hold, run = OSARHold{}, 0
			}
		}
		if q.Outcome != QAUnsatisfactory {
			hold, run = OSARHold{}, 0
			continue
		}
		if run++; run >= r.UnsatisfactoryOSAR {
			hold = OSARHold{Last: q.ID, LastOn: q.On, Bodies: recordedBy[q.ID],
				Reason:   fmt.Sprintf("%d unsatisfactory On-Site Audit Reviews in a row, the last on %s (%s)", r.UnsatisfactoryOSAR, q.On, q.ID),
				ReasonFR: fmt.Sprintf("%d examens d'audit sur place (OSAR) insatisfaisants de suite, le dernier le %s (%s)", r.UnsatisfactoryOSAR, q.On.Words(true), q.ID)}
		}
	}
	if _, ok := hold.liftedBy(ds, d); ok {
		return OSARHold{}
	}
	return hold
}

// liftedBy returns the first reinstatement in ds on or before d, by one of
// h's bodies, dated on or after h's last unsatisfactory OSAR: the body
// that applied the rule decided the auditor may audit again.
func (h OSARHold) liftedBy(ds []Discipline, d Date) (Date, bool) {
	var first Date
	found := false
	for _, disc := range ds {
		if !slices.Contains(h.Bodies, disc.Body) {
			continue
		}
		for _, a := range disc.Actions {
			if a.Action == DisciplineReinstate && !a.On.After(d) && !a.On.Before(h.LastOn) && (!found || a.On.Before(first)) {
				first, found = a.On, true
			}
		}
	}
	return first, found
}

// QA standings of a certifying partner.
const (
	QANotReviewed = "not_reviewed"
	QAInGood      = "good" // the last CP QA review was satisfactory
	QAImprove     = "improvement_required"
	QAAtRisk      = "at_risk" // the last CP QA review was unsatisfactory
)

// QAStanding is a CP's QA standing on a date, derived from its QA
// reviews: the outcome of its last CP QA review on or before the date,
// and the OSARs of its audits so far.
type QAStanding struct {
	Status       string `json:"status"` // not_reviewed, good, improvement_required, at_risk
	LastReview   string `json:"last_review,omitempty"`
	LastOn       Date   `json:"last_on,omitzero"`
	Reason       string `json:"reason"`
	ReasonFR     string `json:"reason_fr"`
	CPReviews    int    `json:"cp_reviews"`
	OSARs        int    `json:"osars"`
	OSARsFailing int    `json:"osars_unsatisfactory"`
}

// CPQAStanding derives a CP's QA standing on d from its QA reviews (CP QA
// reviews and OSARs of its audits, any order).
func CPQAStanding(qs []QAReview, d Date) QAStanding {
	s := QAStanding{Status: QANotReviewed}
	var last *QAReview
	for i := range qs {
		q := &qs[i]
		if q.On.After(d) {
			continue
		}
		if q.Kind == QAOSAR {
			s.OSARs++
			if q.Outcome == QAUnsatisfactory {
				s.OSARsFailing++
			}
			continue
		}
		s.CPReviews++
		if last == nil || !q.On.Before(last.On) {
			last = q
		}
	}
	if last == nil {
		s.Reason = fmt.Sprintf("no CP QA review on or before %s", d)
		s.ReasonFR = fmt.Sprintf("aucun examen d'assurance de la qualité du partenaire au plus tard le %s", d)
		return s
	}
	s.LastReview, s.LastOn = last.ID, last.On
	switch last.Outcome {
	case QASatisfactory:
		s.Status = QAInGood
	case QANeedsImprovement:
		s.Status = QAImprove
	default:
		s.Status = QAAtRisk
	}
	s.Reason = fmt.Sprintf("last CP QA review %s on %s: %s", last.ID, last.On, strings.ReplaceAll(last.Outcome, "_", " "))
	s.ReasonFR = fmt.Sprintf("dernier examen d'assurance de la qualité %s le %s : %s", last.ID, last.On, qaOutcomeFR[last.Outcome])
	return s
}

// QAOutcomeFR names a QA outcome in French.
func QAOutcomeFR(o string) string { return qaOutcomeFR[o] }

var qaOutcomeFR = map[string]string{QASatisfactory: "satisfaisant", QANeedsImprovement: "amélioration requise", QAUnsatisfactory: "insatisfaisant"}

// CPQARule is the consequence of a certifying partner's QA reviews, as
// program data: when it is met, the node proposes to the program
// administrator that the CP be suspended (a Removal with CP set), and
// only the administrator's confirmation suspends it. DOMAIN.md gives the
// CP a status (active, suspended, terminated) and QA reviews, and no
// source says what QA outcome suspends a CP: the rule is off (zero) in
// corfed's built-in programs and a jurisdiction that has one publishes it.
type CPQARule struct {
	// AtRisk: the CP's last CP QA review was unsatisfactory (CPQAStanding
	// at_risk).
	AtRisk bool `json:"at_risk,omitempty"`
	// UnsatisfactoryOSARs or more unsatisfactory On-Site Audit Reviews of
	// the CP's audits within WindowMonths (counted back from the latest;
	// 0: off).
	UnsatisfactoryOSARs int    `json:"unsatisfactory_osars,omitempty"`
	WindowMonths        int    `json:"window_months,omitempty"`
	Code                string `json:"code,omitempty"` // names the rule in a proposal: <code>.at_risk, <code>.osars
}

func (r CPQARule) validate(field string) error {
	if r == (CPQARule{}) {
		return nil
	}
	var v collect
	switch {
	case r.UnsatisfactoryOSARs < 0 || r.UnsatisfactoryOSARs > 100 || r.WindowMonths < 0 || r.WindowMonths > 120 ||
		(r.UnsatisfactoryOSARs > 0) != (r.WindowMonths > 0):
		v.add(Invalid(field, "unsatisfactory_osars 1 to 100 with window_months 1 to 120, or neither"))
	case !r.AtRisk && r.UnsatisfactoryOSARs == 0:
		v.add(Invalid(field, "at_risk or unsatisfactory_osars: a rule that can be met"))
	}
	v.add(checkCode(field+".code", r.Code))
	return v.err()
}

// CPQAFinding is a CP QA rule met on a date: which part (Rule), why in
// English and French, and the QA reviews it rests on, the last being the
// one that met it.
type CPQAFinding struct {
	Rule     string
	Reason   string
	ReasonFR string
	Evidence []QAReview
}

// Check applies rule r to the QA reviews qs of one CP (CP QA reviews and
// OSARs of its audits, any order) on d: the unsatisfactory last CP QA
// review first, then the unsatisfactory OSARs within the window ending on
// the latest one.
func (r CPQARule) Check(qs []QAReview, d Date) (CPQAFinding, bool) {
	if r.AtRisk {
		if s := CPQAStanding(qs, d); s.Status == QAAtRisk {
			for _, q := range qs {
				if q.ID == s.LastReview {
					return CPQAFinding{Rule: r.Code + ".at_risk",
						Reason:   fmt.Sprintf("its last CP QA review, %s on %s, was unsatisfactory", q.ID, q.On),
						ReasonFR: fmt.Sprintf("son dernier examen d'assurance de la qualité, %s le %s, était insatisfaisant", q.ID, q.On),
						Evidence: []QAReview{q}}, true
				}
			}
		}
	}
	if r.UnsatisfactoryOSARs <= 0 {
		return CPQAFinding{}, false
	}
	var bad []QAReview
	for _, q := range qs {
		if q.Kind == QAOSAR && q.Outcome == QAUnsatisfactory && !q.On.After(d) {
			bad = append(bad, q)
		}
	}
	if len(bad) < r.UnsatisfactoryOSARs {
		return CPQAFinding{}, false
	}
	slices.SortStableFunc(bad, func(a, b QAReview) int {
		if c := a.On.Compare(b.On); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	last := bad[len(bad)-1]
	var in []QAReview
	for _, q := range bad {
		if last.On.Before(q.On.AddMonths(r.WindowMonths)) { // as StopWorkWindow: exactly WindowMonths apart is outside
			in = append(in, q)
		}
	}
	if len(in) < r.UnsatisfactoryOSARs {
		return CPQAFinding{}, false
	}
	return CPQAFinding{Rule: r.Code + ".osars",
		Reason:   fmt.Sprintf("%d unsatisfactory On-Site Audit Reviews of its audits within %d months, the last %s on %s (rule: %d)", len(in), r.WindowMonths, last.ID, last.On, r.UnsatisfactoryOSARs),
		ReasonFR: fmt.Sprintf("%d examens d'audit sur place (OSAR) insatisfaisants de ses audits en %d mois, le dernier %s le %s (règle : %d)", len(in), r.WindowMonths, last.ID, last.On, r.UnsatisfactoryOSARs),
		Evidence: in}, true
}
