package measure

import (
	"cmp"
	"slices"
	"strings"
	"unique"

	"github.com/corfed/corfed/registry"
)

// Process metrics: how the program's business processes perform, per
// certifying partner, from the signed records a node keeps. The facts
// below carry the members of the records they come from (certificates;
// audits, Employer Reviews and letters where the node keeps them), so a
// node computes whatever its records allow.

// AuditFacts are the members of an audit record the metrics use.
type AuditFacts struct {
	ID          string        `json:"id"`
	CP          string        `json:"cp"`
	EmployerBN  string        `json:"employer_bn"`
	Certificate string        `json:"certificate,omitempty"` // the certificate a maintenance, recertification or action plan audit is about
	Type        string        `json:"type"`
	Program     string        `json:"program"` // the program whose deadline the audit was judged by
	OnsiteEnd   registry.Date `json:"onsite_end"`
	SubmittedOn registry.Date `json:"submitted_on,omitzero"`
	// ReceivedOn is the day the node recorded a CP's report: the report
	// counts as submitted on the later of the two (registry.Audit).
	ReceivedOn registry.Date `json:"received_on,omitzero"`
	Passed     bool          `json:"passed"`
	// ReportDays is the deadline the audit's verdict applied, when its
	// record says (report_deadline_days); else ProcessInput.ReportDays
	// resolves it.
	ReportDays *int `json:"report_deadline_days,omitempty"`
}

// submitted is the day the report counts as submitted: the later of
// SubmittedOn and ReceivedOn (zero when the record has neither).
func (au AuditFacts) submitted() registry.Date {
	if au.ReceivedOn.After(au.SubmittedOn) {
		return au.ReceivedOn
	}
	return au.SubmittedOn
}

// ReviewFacts are the members of an Employer Review record the metrics use.
type ReviewFacts struct {
	ID          string        `json:"id"`
	Certificate string        `json:"certificate"`
	OpenedOn    registry.Date `json:"opened_on"`
	// RequiredAction is the employer's required action (action_plan or
	// full_audit), required from ActionFrom and due by DueOn.
	RequiredAction string        `json:"required_action,omitempty"`
	ActionFrom     registry.Date `json:"action_from,omitzero"`
	DueOn          registry.Date `json:"due_on,omitzero"`
	ClosedOn       registry.Date `json:"closed_on,omitzero"`
	Outcome        string        `json:"outcome,omitempty"`
}

// actionDoneOn returns the day review rv's required action was completed:
// the last on-site day of the first passing audit of the certificate of
// one of types, the types that action calls for under the certificate's
// program (registry.Program.RequiredActionTypes: an action plan audit; for
// a full audit a certification or recertification audit, or a SECOR
// program's self-assessment), whose last on-site day is on or after
// ActionFrom, as the node's lifecycle (actionDone) judges it. ok is false
// when no such audit is recorded. audits are the certificate's
// (ComputeProcess indexes them once, so its cost is linear).
func actionDoneOn(rv ReviewFacts, types []string, audits []*AuditFacts) (registry.Date, bool) {
	var done registry.Date
	for _, au := range audits {
		if au.Certificate != rv.Certificate || !au.Passed || !slices.Contains(types, au.Type) || au.OnsiteEnd.Before(rv.ActionFrom) {
			continue
		}
		if done.IsZero() || au.OnsiteEnd.Before(done) {
			done = au.OnsiteEnd
		}
	}
	return done, !done.IsZero()
}

// defaultActionTypes is ProcessInput.ActionTypes of the built-in
// programs: those of COR for a program not built in.
func defaultActionTypes(program, action string) []string {
	prog, ok := registry.DefaultProgram(program)
	if !ok {
		prog, _ = registry.DefaultProgram(registry.ProgramCOR)
	}
	return prog.RequiredActionTypes(action)
}

// LetterFacts are the members of a letter record the metrics use.
type LetterFacts struct {
	ID          string                `json:"id"`
	Certificate string                `json:"certificate"` // the home certificate: its issuer is the letter's CP
	Host        registry.Jurisdiction `json:"host"`
	Kind        string                `json:"kind"`
	RequestedOn registry.Date         `json:"requested_on,omitzero"`
	IssuedOn    registry.Date         `json:"issued_on"`
}

// CertFacts is what the metrics read of a certificate (FactsOf), with the
// date its first version was signed (the day it was issued in the
// registry). A node's metrics hold one per certificate for as long as it
// runs: about 200 bytes, against some 1,000 for the decoded record.
type CertFacts struct {
	ID, Issuer, Program, EmployerBN, BasisRef string
	// ProgramDefinition is the program definition the certificate is
	// issued under, when it is not Program itself (SMALL, ECOR): its rules
	// decide what its required actions are.
	ProgramDefinition   string
	IssuedOn, ExpiresOn registry.Date
	Status              string
	History             []registry.StatusStep
	RecordedOn          registry.Date
	// WCBAccounts are the accounts the certificate names when its
	// jurisdiction certifies per account (SK, ON: PerAccount), folded
	// (registry.FoldWCB: 45-99001 is 4599001); it covers those only.
	// Elsewhere it covers the employer (nil).
	WCBAccounts []string
}

// PerAccount lists the jurisdictions where certification is per WCB
// account (DOMAIN.md: "Certification is per WCB account in SK and ON").
var PerAccount = []registry.Jurisdiction{"CA-SK", "CA-ON"}

// FactsOf returns what the metrics read of c, its RecordedOn unset. The
// strings a registry repeats (CPs, programs, statuses) are shared, and
// the others copied: a decoded record's strings may share one buffer,
// which would stay whole.
func FactsOf(c registry.Certificate) CertFacts {
	f := CertFacts{ID: strings.Clone(c.ID), Issuer: intern(c.Issuer), Program: intern(c.Program), ProgramDefinition: intern(c.ProgramDefinition),
		EmployerBN: strings.Clone(c.EmployerBN), BasisRef: strings.Clone(c.BasisRef), IssuedOn: c.IssuedOn, ExpiresOn: c.ExpiresOn,
		Status: intern(c.Status)}
	if slices.Contains(PerAccount, c.Jurisdiction) {
		for _, a := range c.WCBAccounts {
			f.WCBAccounts = append(f.WCBAccounts, registry.FoldWCB(a))
		}
	}
	if len(c.History) > 0 {
		f.History = make([]registry.StatusStep, len(c.History))
		for i, h := range c.History {
			f.History[i] = registry.StatusStep{On: h.On, Status: intern(h.Status), Annulled: h.Annulled != nil}
		}
	}
	return f
}

// StatusOn is registry.Certificate.StatusOn.
func (c *CertFacts) StatusOn(d registry.Date) string {
	return registry.StatusOnSteps(c.IssuedOn, c.ExpiresOn, c.Status, c.History, d)
}

func intern(s string) string { return unique.Make(s).Value() }

// ProcessInput is what ComputeProcess reads.
type ProcessInput struct {
	From, To     registry.Date
	CP           string // "": every CP
	Certificates []*CertFacts
	Audits       []AuditFacts
	Reviews      []ReviewFacts
	Letters      []LetterFacts
	// ReportDays is the number of days after the last on-site day within
	// which an audit report of a CP under a program is due (AB: 45;
	// Energy Safety Canada: 21), for an audit whose record does not say
	// which deadline its verdict applied (AuditFacts.ReportDays): the
	// program's deadline as published now.
	ReportDays func(program, cp string) int
	// ActionTypes are the audit types that meet required action (action
	// plan or full audit) of a certificate under program (its program
	// definition, else its program), as the node's lifecycle judges it:
	// the published program's RequiredActionTypes. Nil: the built-in
	// programs' (registry.DefaultProgram), else those of COR.
	ActionTypes func(program, action string) []string
	// Kept says which kinds of record the node keeps at all.
	Kept []string
}

// Cycle summarizes durations in days, against a deadline when there is one.
type Cycle struct {
	Count        int      `json:"count" doc:"completed cycles ending in the period"`
	MeanDays     *float64 `json:"mean_days,omitempty"`
	MedianDays   *float64 `json:"median_days,omitempty"`
	P90Days      *int     `json:"p90_days,omitempty" doc:"nearest-rank 90th percentile"`
	MaxDays      *int     `json:"max_days,omitempty"`
	DeadlineDays *int     `json:"deadline_days,omitempty" doc:"the deadline the on_time and late counts use, when it is one number"`
	OnTime       int      `json:"on_time"`
	Late         int      `json:"late"`
	Open         int      `json:"open" doc:"started in the period, not completed by its end"`
	OpenAtEnd    int      `json:"open_at_end" doc:"started on or before the period's last day, whatever the period's start, and not completed by it: the backlog at the end"`
}

type cycleAcc struct {
	days         []int
	onTime, late int
	open         int
	openAtEnd    int
	deadline     map[int]bool
}

func (c *cycleAcc) add(days int, deadline int) {
	c.days = append(c.days, days)
	if deadline > 0 {
		if c.deadline == nil {
			c.deadline = map[int]bool{}
		}
		c.deadline[deadline] = true
		if days <= deadline {
			c.onTime++
		} else {
			c.late++
		}
	}
}

func (c *cycleAcc) cycle() Cycle {
	out := Cycle{Count: len(c.days), OnTime: c.onTime, Late: c.late, Open: c.open, OpenAtEnd: c.openAtEnd}
	if len(c.days) > 0 {
		d := slices.Clone(c.days)
		slices.Sort(d)
		sum := 0
		for _, x := range d {
			sum += x
		}
		mean := float64(sum) / float64(len(d))
		var med float64
		if n := len(d); n%2 == 1 {
			med = float64(d[n/2])
		} else {
			med = float64(d[n/2-1]+d[n/2]) / 2
		}
		p90 := d[(9*len(d)+9)/10-1] // nearest rank: ceil(0.9 n)
		mx := d[len(d)-1]
		out.MeanDays, out.MedianDays, out.P90Days, out.MaxDays = &mean, &med, &p90, &mx
	}
	if len(c.deadline) == 1 {
		for k := range c.deadline {
			out.DeadlineDays = &k
		}
	}
	return out
}

// CPProcess is the standard report of one certifying partner for a period.
type CPProcess struct {
	CP           string         `json:"cp"`
	Issued       map[string]int `json:"certificates_issued" doc:"by program, issued_on in the period"`
	ActiveAtEnd  int            `json:"active_at_end" doc:"certificates active on the period's last day"`
	StatusChange map[string]int `json:"status_changes" doc:"history steps taking effect in the period, by status reached"`
	Audits       map[string]int `json:"audits" doc:"by type, submitted (or, unsubmitted, last on site) in the period"`
	AuditsPassed int            `json:"audits_passed"`
	AuditsFailed int            `json:"audits_failed"`
	// ReportCycle: last on-site day -> report submitted, against the CP's
	// report deadline.
	ReportCycle Cycle `json:"report_cycle"`
	// IssueCycle: report submitted -> certificate recorded in the registry.
	// A certificate recorded before its audit's report counts as submitted
	// (it named a basis audit the node received later) has no issue time:
	// it is left out, and counted in IssueBeforeReport.
	IssueCycle Cycle `json:"issue_cycle" doc:"report submitted (the later of its submitted_on and the day the node received it) -> certificate recorded in the registry; a certificate recorded before that day is left out (issue_cycle_recorded_before_report), never counted as a negative or zero time"`
	// IssueBeforeReport counts the certificates recorded in the period
	// before their basis audit's report counts as submitted.
	IssueBeforeReport int `json:"issue_cycle_recorded_before_report" doc:"certificates recorded in the period before their basis audit's report counted as submitted (the node received the audit later): left out of issue_cycle"`
	// ReviewCycle: Employer Review opened -> closed, a plain duration: no
	// deadline applies to it (the due date is the employer's, for its
	// required action), so on_time and late are 0.
	ReviewCycle Cycle `json:"review_cycle"`
	// ActionCycle: an Employer Review's required action (action plan or
	// full audit) from the day it was required to the last on-site day of
	// the passing audit that completes it, on time when that day is on or
	// before the due date. An action never completed, in a review closed
	// without it, counts as late (with no duration) in the period of its
	// due date; one still awaited is open in the period it was required in.
	// One with no due date (the full audit the repeat rule requires) is
	// open until done and never late: done, it counts with its duration,
	// neither on time nor late; a review closed without it adds nothing.
	ActionCycle Cycle `json:"required_action_cycle"`
}

// LetterProcess summarizes letters issued in the period: for one CP
// (ProcessInput.CP), the letters of the certificates it issued.
type LetterProcess struct {
	Issued map[string]int `json:"issued" doc:"by host jurisdiction; with cp, only the letters of that CP's certificates"`
	// Cycle: requested -> issued, for letters that record when they were requested.
	Cycle Cycle `json:"cycle"`
}

// ProcessReport is the answer for a period.
type ProcessReport struct {
	From    registry.Date `json:"from"`
	To      registry.Date `json:"to"`
	CP      string        `json:"cp,omitempty"`
	CPs     []CPProcess   `json:"cps"`
	Letters LetterProcess `json:"letters"`
	Kept    []string      `json:"records_kept" doc:"the kinds of record this node keeps, which the figures come from"`
}

func days(a, b registry.Date) int { return int(b.Time().Sub(a.Time()).Hours() / 24) }

// started says whether a cycle that starts on d has started by day to.
func started(d, to registry.Date) bool { return !d.IsZero() && !d.After(to) }

func in(d, from, to registry.Date) bool { return !d.IsZero() && !d.Before(from) && !d.After(to) }

// ComputeProcess computes the process metrics of a period.
func ComputeProcess(p ProcessInput) ProcessReport {
	out := ProcessReport{From: p.From, To: p.To, CP: p.CP, CPs: []CPProcess{}, Kept: p.Kept,
		Letters: LetterProcess{Issued: map[string]int{}}}
	type accs struct {
		r                            *CPProcess
		report, issue, revew, action cycleAcc
	}
	cps := map[string]*accs{}
	get := func(cp string) *accs {
		if p.CP != "" && cp != p.CP {
			return nil
		}
		a := cps[cp]
		if a == nil {
			a = &accs{r: &CPProcess{CP: cp, Issued: map[string]int{}, StatusChange: map[string]int{}, Audits: map[string]int{}}}
			cps[cp] = a
		}
		return a
	}
	actionTypes := p.ActionTypes
	if actionTypes == nil {
		actionTypes = defaultActionTypes
	}
	certByID := map[string]*CertFacts{}
	certByRef := map[string]*CertFacts{}
	for _, c := range p.Certificates {
		certByID[c.ID] = c
		if c.BasisRef != "" {
			certByRef[c.BasisRef] = c
		}
		a := get(c.Issuer)
		if a == nil {
			continue
		}
		if in(c.IssuedOn, p.From, p.To) {
			a.r.Issued[c.Program]++
		}
		if c.StatusOn(p.To) == registry.StatusActive {
			a.r.ActiveAtEnd++
		}
		for i, h := range c.History {
			if i == 0 && h.On == c.IssuedOn {
				continue // the issue itself
			}
			if h.Annulled {
				continue // annulled as wrong: it did not happen
			}
			if in(h.On, p.From, p.To) {
				a.r.StatusChange[h.Status]++
			}
		}
	}
	for _, au := range p.Audits {
		a := get(au.CP)
		if a == nil {
			continue
		}
		end := au.submitted()
		if end.IsZero() {
			end = au.OnsiteEnd
		}
		if !in(end, p.From, p.To) {
			continue
		}
		a.r.Audits[au.Type]++
		if au.Passed {
			a.r.AuditsPassed++
		} else {
			a.r.AuditsFailed++
		}
	}
	// Cycles count in the period they end in; open ones are those started
	// in it and not ended by its last day, open at the end those started
	// by its last day (whenever) and not ended by it.
	for _, au := range p.Audits {
		a := get(au.CP)
		if a == nil {
			continue
		}
		deadline := 0
		switch {
		case au.ReportDays != nil:
			deadline = *au.ReportDays
		case p.ReportDays != nil:
			deadline = p.ReportDays(au.Program, au.CP)
		}
		// Report: from the last on-site day to the submission.
		on := au.submitted()
		submitted := !on.IsZero()
		switch {
		case submitted && in(on, p.From, p.To):
			a.report.add(days(au.OnsiteEnd, on), deadline)
		case in(au.OnsiteEnd, p.From, p.To) && (!submitted || on.After(p.To)):
			a.report.open++
		}
		if started(au.OnsiteEnd, p.To) && (!submitted || on.After(p.To)) {
			a.report.openAtEnd++
		}
		// Issue: from a passed certifying audit's submission to the
		// recording of the certificate based on it (maintenance and action
		// plan audits issue none).
		if !submitted || !au.Passed || !slices.Contains(registry.CertifyingTypes, au.Type) {
			continue
		}
		c, ok := certByRef[au.ID]
		recorded := ok && !c.RecordedOn.IsZero()
		switch {
		case recorded && c.RecordedOn.Before(on):
			if in(c.RecordedOn, p.From, p.To) {
				a.r.IssueBeforeReport++ // no issue time: left out, not clamped to 0
			}
		case recorded && in(c.RecordedOn, p.From, p.To):
			a.issue.add(days(on, c.RecordedOn), 0)
		case in(on, p.From, p.To) && (!recorded || c.RecordedOn.After(p.To)):
			a.issue.open++
		}
		if started(on, p.To) && (!recorded || c.RecordedOn.After(p.To)) {
			a.issue.openAtEnd++
		}
	}
	// The audits of each certificate with a required action, read once:
	// scanning every audit for every review would cost reviews × audits.
	auditsOf := map[string][]*AuditFacts{}
	for _, rv := range p.Reviews {
		if rv.RequiredAction != "" {
			auditsOf[rv.Certificate] = nil
		}
	}
	for i := range p.Audits {
		if as, ok := auditsOf[p.Audits[i].Certificate]; ok {
			auditsOf[p.Audits[i].Certificate] = append(as, &p.Audits[i])
		}
	}
	for _, rv := range p.Reviews {
		c, ok := certByID[rv.Certificate]
		if !ok {
			continue
		}
		a := get(c.Issuer)
		if a == nil {
			continue
		}
		switch {
		case in(rv.ClosedOn, p.From, p.To):
			a.revew.add(days(rv.OpenedOn, rv.ClosedOn), 0)
		case rv.ClosedOn.IsZero() || rv.ClosedOn.After(p.To):
			if in(rv.OpenedOn, p.From, p.To) {
				a.revew.open++
			}
		}
		if started(rv.OpenedOn, p.To) && (rv.ClosedOn.IsZero() || rv.ClosedOn.After(p.To)) {
			a.revew.openAtEnd++
		}
		if rv.RequiredAction == "" || rv.ActionFrom.IsZero() {
			continue
		}
		done, ok := actionDoneOn(rv, actionTypes(cmp.Or(c.ProgramDefinition, c.Program), rv.RequiredAction), auditsOf[rv.Certificate])
		missed := !ok && !rv.ClosedOn.IsZero() // the review ended without it
		deadline := 0                          // a full audit the repeat rule requires has no due date: never late
		if !rv.DueOn.IsZero() {
			deadline = max(1, days(rv.ActionFrom, rv.DueOn))
		}
		switch {
		case ok && in(done, p.From, p.To):
			a.action.add(days(rv.ActionFrom, done), deadline)
		case missed && deadline > 0 && in(rv.DueOn, p.From, p.To):
			a.action.late++ // never completed: late, with no duration
		case !missed && in(rv.ActionFrom, p.From, p.To) && (!ok || done.After(p.To)):
			a.action.open++
		}
		// Awaited at the end: required by then, neither done nor given up
		// (the review closed without it) by then.
		if started(rv.ActionFrom, p.To) && (!ok || done.After(p.To)) && (rv.ClosedOn.IsZero() || rv.ClosedOn.After(p.To)) {
			a.action.openAtEnd++
		}
	}
	var lc cycleAcc
	for _, l := range p.Letters {
		if !in(l.IssuedOn, p.From, p.To) {
			continue
		}
		if p.CP != "" {
			// For one CP, the letters of its certificates only (a
			// certificate this node does not keep has no known CP).
			if c, ok := certByID[l.Certificate]; !ok || c.Issuer != p.CP {
				continue
			}
		}
		out.Letters.Issued[string(l.Host)]++
		if !l.RequestedOn.IsZero() {
			lc.add(days(l.RequestedOn, l.IssuedOn), 0)
		}
	}
	out.Letters.Cycle = lc.cycle()
	for _, a := range cps {
		a.r.ReportCycle, a.r.IssueCycle, a.r.ReviewCycle, a.r.ActionCycle = a.report.cycle(), a.issue.cycle(), a.revew.cycle(), a.action.cycle()
		out.CPs = append(out.CPs, *a.r)
	}
	slices.SortFunc(out.CPs, func(x, y CPProcess) int { return cmp.Compare(x.CP, y.CP) })
	return out
}
