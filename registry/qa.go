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

// Validate checks a QA review on its own.
func (q QAReview) Validate() error {
	if !ValidID(q.ID) {
		return Invalid("body.id", "a QA review id is 1 to 64 letters, digits, '.', '_' or '-'")
	}
	switch q.Kind {
	case QAOSAR:
		if !ValidID(q.Auditor) {
			return Invalid("body.auditor", "an OSAR names the auditor reviewed")
		}
		if !ValidID(q.Audit) {
			return Invalid("body.audit", "an OSAR names the audit reviewed")
		}
	case QACP:
	default:
		return Invalid("body.kind", "one of osar, cp_qa")
	}
	if !codeRE.MatchString(q.CP) {
		return Invalid("body.cp", "a CP id")
	}
	if q.On.IsZero() {
		return Invalid("body.on", "required, as YYYY-MM-DD")
	}
	if !slices.Contains([]string{QASatisfactory, QANeedsImprovement, QAUnsatisfactory}, q.Outcome) {
		return Invalid("body.outcome", "one of satisfactory, needs_improvement, unsatisfactory")
	}
	return checkText("body.findings", q.Findings, 0, MaxTextLen)
}

// OSARSuspension returns why the auditor is suspended by QA on d, in
// English and French, or "":
// its last r.UnsatisfactoryOSAR OSARs on or before d were all
// unsatisfactory (0 disables the rule).
func OSARSuspension(qs []QAReview, r AuditorRules, d Date) [2]string {
	if r.UnsatisfactoryOSAR <= 0 {
		return [2]string{}
	}
	var osars []QAReview
	for _, q := range qs {
		if q.Kind == QAOSAR && !q.On.After(d) {
			osars = append(osars, q)
		}
	}
	slices.SortStableFunc(osars, func(a, b QAReview) int { return a.On.Compare(b.On) })
	if len(osars) < r.UnsatisfactoryOSAR {
		return [2]string{}
	}
	for _, q := range osars[len(osars)-r.UnsatisfactoryOSAR:] {
		if q.Outcome != QAUnsatisfactory {
			return [2]string{}
		}
	}
	last := osars[len(osars)-1]
	return [2]string{fmt.Sprintf("%d unsatisfactory On-Site Audit Reviews in a row, the last on %s (%s)", r.UnsatisfactoryOSAR, last.On, last.ID),
		fmt.Sprintf("%d examens d'audit sur place (OSAR) insatisfaisants de suite, le dernier le %s (%s)", r.UnsatisfactoryOSAR, last.On, last.ID)}
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

var qaOutcomeFR = map[string]string{QASatisfactory: "satisfaisant", QANeedsImprovement: "amélioration requise", QAUnsatisfactory: "insatisfaisant"}
