package registry

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ElementScore is one element's score in an audit, in percent.
type ElementScore struct {
	Element string  `json:"element"`
	Score   float64 `json:"score"`
}

// Finding is one rule an audit (or a certificate, an auditor) breaks: the
// rule's code from the program data, the element when the rule is about
// one, and a sentence for a person.
type Finding struct {
	Rule    string `json:"rule"`
	Element string `json:"element,omitempty"`
	Detail  string `json:"detail"`
	// DetailFR is Detail in French.
	DetailFR string `json:"detail_fr,omitempty"`
}

// Audit is an audit a CP recorded: what was audited, by whom, when, the
// scores, and the node's verdict under the program's rules (Passed,
// Reasons, TermMonths), which is part of the signed record.
type Audit struct {
	ID                string       `json:"id"`
	Jurisdiction      Jurisdiction `json:"jurisdiction"`
	EmployerBN        string       `json:"employer_bn"`
	CP                string       `json:"cp"`
	Type              string       `json:"type"`
	Program           string       `json:"program"`
	Instrument        string       `json:"instrument,omitempty"`
	InstrumentVersion string       `json:"instrument_version,omitempty"`
	Auditors          []string     `json:"auditors"`
	Certificate       string       `json:"certificate,omitempty"` // the certificate a maintenance, recertification or action plan audit is about
	OnsiteStart       Date         `json:"onsite_start"`
	OnsiteEnd         Date         `json:"onsite_end"`
	SubmittedOn       Date         `json:"submitted_on"`
	// ReceivedOn is the day the node recorded a report a CP sent (the
	// node's date in its jurisdiction): the report deadline is judged on
	// the later of it and SubmittedOn, so a CP cannot backdate a late
	// report. Absent when the administrator records a report the program
	// received earlier (SubmittedOn is then the program's own date), and
	// in audits recorded before it was kept.
	ReceivedOn Date           `json:"received_on,omitzero" doc:"The day the node recorded the report a CP sent; the report deadline is judged on the later of it and submitted_on. Absent when the administrator recorded a report the program received earlier."`
	DocMonths  int            `json:"documentation_months"`
	Overall    float64        `json:"overall"`
	Elements   []ElementScore `json:"elements,omitempty"`
	Passed     bool           `json:"passed"`
	Reasons    []Finding      `json:"reasons,omitempty"`
	// TermMonths is the term of a certificate based on this audit (0 for
	// a maintenance or action plan audit, or below the documentation
	// minimum).
	TermMonths int `json:"term_months,omitempty"`
	// ReportDeadlineDays is the submission deadline the verdict applied,
	// in days after the last on-site day (0: the program set none), so
	// that a program republished with another deadline does not re-judge
	// the report. Absent in audits recorded before it was kept.
	ReportDeadlineDays *int   `json:"report_deadline_days,omitempty" doc:"The submission deadline the verdict applied, in days after the last on-site day (0: none). Absent in audits recorded before it was kept."`
	RecordedBy         string `json:"recorded_by,omitempty"` // the principal that recorded it
}

// Received is the day the report counts as submitted: the later of
// SubmittedOn and ReceivedOn.
func (a Audit) Received() Date {
	if a.ReceivedOn.After(a.SubmittedOn) {
		return a.ReceivedOn
	}
	return a.SubmittedOn
}

// CertifyingTypes are the audit types a certificate may be based on.
var CertifyingTypes = []string{AuditCertification, AuditRecertification, AuditSelfAssessment, AuditISOEquivalency}

// Validate checks an audit's shape; the verdict is Evaluate's. It reports
// every problem found at once (ValidationErrors).
func (a Audit) Validate() error {
	var v collect
	if a.ID != "" && !ValidID(a.ID) {
		v.add(Invalid("body.id", "an audit id is 1 to 64 letters, digits, '.', '_' or '-'"))
	}
	v.add(CheckBN("body.employer_bn", a.EmployerBN))
	if !codeRE.MatchString(a.CP) {
		v.add(Invalid("body.cp", "a CP id is 2 to 16 upper-case letters or digits, starting with a letter"))
	}
	if !slices.Contains(AuditTypes, a.Type) {
		v.add(Invalid("body.type", "one of %s", strings.Join(AuditTypes, ", ")))
	}
	if !codeRE.MatchString(a.Program) {
		v.add(Invalid("body.program", "a program id such as COR, SECOR"))
	}
	v.add(checkText("body.instrument", a.Instrument, 0, MaxNameLen))
	v.add(checkText("body.instrument_version", a.InstrumentVersion, 0, 64))
	if len(a.Auditors) == 0 || len(a.Auditors) > 10 {
		v.add(Invalid("body.auditors", "1 to 10 auditor ids"))
	} else {
		for i, id := range a.Auditors {
			switch {
			case !ValidID(id):
				v.add(Invalid(fmt.Sprintf("body.auditors[%d]", i), "an auditor id is 1 to 64 letters, digits, '.', '_' or '-'"))
			case slices.Index(a.Auditors, id) != i:
				v.add(Invalid(fmt.Sprintf("body.auditors[%d]", i), "auditor %s is listed twice", id))
			}
		}
	}
	switch {
	case a.Certificate != "" && !ValidID(a.Certificate):
		v.add(Invalid("body.certificate", "a certificate id"))
	case (a.Type == AuditMaintenance || a.Type == AuditActionPlan) && a.Certificate == "":
		v.add(Invalid("body.certificate", "a %s audit names the certificate it maintains", a.Type))
	}
	// Each date is required; their order is checked between the dates
	// given.
	if a.OnsiteStart.IsZero() {
		v.add(Invalid("body.onsite_start", "required, as YYYY-MM-DD"))
	}
	if a.OnsiteEnd.IsZero() {
		v.add(Invalid("body.onsite_end", "required, as YYYY-MM-DD"))
	}
	if a.SubmittedOn.IsZero() {
		v.add(Invalid("body.submitted_on", "required, as YYYY-MM-DD"))
	}
	if !a.OnsiteStart.IsZero() && !a.OnsiteEnd.IsZero() && a.OnsiteEnd.Before(a.OnsiteStart) {
		v.add(Invalid("body.onsite_end", "the last on-site day %s is before the first (%s)", a.OnsiteEnd, a.OnsiteStart))
	}
	if !a.OnsiteEnd.IsZero() && !a.SubmittedOn.IsZero() && a.SubmittedOn.Before(a.OnsiteEnd) {
		v.add(Invalid("body.submitted_on", "the report is submitted on %s, before the last on-site day (%s)", a.SubmittedOn, a.OnsiteEnd))
	}
	if a.DocMonths < 0 || a.DocMonths > 600 {
		v.add(Invalid("body.documentation_months", "between 0 and 600"))
	}
	v.add(checkPercent("body.overall", a.Overall))
	seen := make(map[string]bool, len(a.Elements))
	v.add(checkList("body.elements", a.Elements, func(f string, e ElementScore) error {
		var c collect
		if err := checkText(f+".element", e.Element, 1, 64); err != nil {
			c.add(err)
		} else if strings.TrimSpace(e.Element) != e.Element {
			// "hazard" and "hazard " would be two elements in reports.
			c.add(Invalid(f+".element", "an element's name has no space at its start or end"))
		} else if seen[e.Element] {
			c.add(Invalid(f+".element", "element %q is scored twice", e.Element))
		}
		seen[e.Element] = true
		c.add(checkPercent(f+".score", e.Score))
		return c.err()
	}))
	return v.err()
}

// daysBetween returns the number of days from a to b.
func daysBetween(a, b Date) int { return int(b.Time().Sub(a.Time()).Hours() / 24) }

// Evaluate applies program p to audit a: the pass rule for its type, the
// report deadline of its CP, and the documentation minimum. It returns
// whether it passed, the rules it breaks (empty when it passed) and the
// term of a certificate based on it. An audit type the program has no
// pass rule for is an error naming body.type.
func (p Program) Evaluate(a Audit) (passed bool, reasons []Finding, term int, err error) {
	r, ok := p.PassRuleFor(a.Type)
	if !ok {
		return false, nil, 0, Invalid("body.type", "program %s has no pass rule for %s audits", p.ID, a.Type)
	}
	if a.Overall < r.OverallMin {
		reasons = append(reasons, Finding{Rule: r.Code, Detail: fmt.Sprintf("overall score %v%% is below %v%%", a.Overall, r.OverallMin),
			DetailFR: fmt.Sprintf("le score global de %s %% est inférieur à %s %%", numFR(a.Overall), numFR(r.OverallMin))})
	}
	for _, e := range a.Elements {
		min := r.ElementMin
		if m, ok := r.ElementMins[e.Element]; ok && m > min {
			min = m
		}
		if min > 0 && e.Score < min {
			reasons = append(reasons, Finding{Rule: r.Code, Element: e.Element, Detail: fmt.Sprintf("element %q scored %v%%, below %v%%", e.Element, e.Score, min),
				DetailFR: fmt.Sprintf("l'élément « %s » a obtenu %s %%, sous %s %%", e.Element, numFR(e.Score), numFR(min))})
		}
	}
	if (r.ElementMin > 0 || len(r.ElementMins) > 0) && len(a.Elements) == 0 {
		// "Every element at or above N%" is not shown by an audit that
		// scores none.
		reasons = append(reasons, Finding{Rule: r.Code, Detail: fmt.Sprintf("no element was scored: the rule needs every element at or above %v%%", r.ElementMin),
			DetailFR: fmt.Sprintf("aucun élément n'a été noté : la règle exige que chaque élément atteigne au moins %s %%", numFR(r.ElementMin))})
	}
	for el := range r.ElementMins {
		if !slices.ContainsFunc(a.Elements, func(e ElementScore) bool { return e.Element == el }) {
			reasons = append(reasons, Finding{Rule: r.Code, Element: el, Detail: fmt.Sprintf("element %q is required and was not scored", el),
				DetailFR: fmt.Sprintf("l'élément « %s » est exigé et n'a pas été noté", el)})
		}
	}
	d := p.DeadlineFor(a.CP)
	if n := daysBetween(a.OnsiteStart, a.OnsiteEnd) + 1; d.OnsiteDays > 0 && n > d.OnsiteDays {
		reasons = append(reasons, Finding{Rule: d.Code, Detail: fmt.Sprintf("the on-site part lasted %d days (%s to %s), at most %d allowed", n, a.OnsiteStart, a.OnsiteEnd, d.OnsiteDays),
			DetailFR: fmt.Sprintf("la partie sur place a duré %d jours (du %s au %s), au plus %d permis", n, a.OnsiteStart, a.OnsiteEnd, d.OnsiteDays)})
	}
	if due := a.OnsiteEnd.AddDays(d.SubmitDays); d.SubmitDays > 0 && a.SubmittedOn.After(due) {
		reasons = append(reasons, Finding{Rule: d.Code, Detail: fmt.Sprintf("submitted on %s, after the deadline %s (%d days after the last on-site day)", a.SubmittedOn, due, d.SubmitDays),
			DetailFR: fmt.Sprintf("soumis le %s, après l'échéance du %s (%d jours après le dernier jour sur place)", a.SubmittedOn, due, d.SubmitDays)})
	} else if d.SubmitDays > 0 && a.ReceivedOn.After(due) {
		reasons = append(reasons, Finding{Rule: d.Code, Detail: fmt.Sprintf("dated %s but received by the registry on %s, after the deadline %s (%d days after the last on-site day)", a.SubmittedOn, a.ReceivedOn, due, d.SubmitDays),
			DetailFR: fmt.Sprintf("daté du %s mais reçu par le registre le %s, après l'échéance du %s (%d jours après le dernier jour sur place)", a.SubmittedOn, a.ReceivedOn, due, d.SubmitDays)})
	}
	if slices.Contains(CertifyingTypes, a.Type) {
		term = p.termForAudit(a.DocMonths)
		if term == 0 {
			reasons = append(reasons, Finding{Rule: "term.documentation", Detail: fmt.Sprintf("%d months of documentation, at least %d needed", a.DocMonths, p.Term.MinDocMonths),
				DetailFR: fmt.Sprintf("%d mois de documentation, au moins %d requis", a.DocMonths, p.Term.MinDocMonths)})
		}
	}
	slices.SortStableFunc(reasons, func(x, y Finding) int {
		if c := strings.Compare(x.Rule, y.Rule); c != 0 {
			return c
		}
		return strings.Compare(x.Element, y.Element)
	})
	return len(reasons) == 0, reasons, term, nil
}

// numFR writes a score as French does, with a decimal comma: 49,5.
func numFR(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}
