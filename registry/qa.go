package registry

import (
	"fmt"
	"slices"
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

// OSARSuspension returns why the auditor is suspended by QA on d, or "":
// its last r.UnsatisfactoryOSAR OSARs on or before d were all
// unsatisfactory (0 disables the rule).
func OSARSuspension(qs []QAReview, r AuditorRules, d Date) string {
	if r.UnsatisfactoryOSAR <= 0 {
		return ""
	}
	var osars []QAReview
	for _, q := range qs {
		if q.Kind == QAOSAR && !q.On.After(d) {
			osars = append(osars, q)
		}
	}
	slices.SortStableFunc(osars, func(a, b QAReview) int { return a.On.Compare(b.On) })
	if len(osars) < r.UnsatisfactoryOSAR {
		return ""
	}
	for _, q := range osars[len(osars)-r.UnsatisfactoryOSAR:] {
		if q.Outcome != QAUnsatisfactory {
			return ""
		}
	}
	last := osars[len(osars)-1]
	return fmt.Sprintf("%d unsatisfactory On-Site Audit Reviews in a row, the last on %s (%s)", r.UnsatisfactoryOSAR, last.On, last.ID)
}
