package registry

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/corfed/corfed/registry/strictjson"
)

// Record kinds of program operations (audits, auditors, Employer Review,
// removal). Every one is a signed entry of its node's feed, replicated
// like any other kind.
const (
	KindProgram    Kind = "program"            // a program definition: pass rules, deadlines, term, lifecycle rules
	KindAudit      Kind = "audit"              // an audit a CP recorded, with its scores and verdict
	KindAuditor    Kind = "auditor"            // an auditor of the national registry, kept by its home node
	KindDiscipline Kind = "auditor_discipline" // one node's discipline actions on one auditor
	KindReview     Kind = "employer_review"    // an Employer Review of a certificate
	KindRemoval    Kind = "removal_proposal"   // a proposal to revoke a persistent non-performer, and its decision
	KindQAReview   Kind = "qa_review"          // an On-Site Audit Review (OSAR) or a CP QA review
	KindStopWork   Kind = "stop_work_order"    // a stop-work order issued to an employer, with its date
)

// ProgramKinds lists the kinds above; they are part of Kinds.
var ProgramKinds = []Kind{KindProgram, KindAudit, KindAuditor, KindDiscipline, KindReview, KindRemoval, KindQAReview, KindStopWork}

func init() { Kinds = append(Kinds, ProgramKinds...) }

// Audit types.
const (
	AuditCertification   = "certification"
	AuditRecertification = "recertification"
	AuditMaintenance     = "maintenance"
	AuditActionPlan      = "action_plan"
	AuditSelfAssessment  = "self_assessment"
	AuditISOEquivalency  = "iso_equivalency"
)

// AuditTypes lists every audit type.
var AuditTypes = []string{AuditCertification, AuditRecertification, AuditMaintenance, AuditActionPlan, AuditSelfAssessment, AuditISOEquivalency}

// PassRule says what scores an audit of the listed types needs to pass.
// Code names the rule in a failing audit's reasons.
type PassRule struct {
	Types      []string `json:"types"`
	OverallMin float64  `json:"overall_min"`           // percent; the overall score must be at least this
	ElementMin float64  `json:"element_min,omitempty"` // percent; every element must be at least this (0: no element rule)
	// ElementMins raises the minimum of named elements (Ontario: 100% on
	// legislated requirements).
	ElementMins map[string]float64 `json:"element_mins,omitempty"`
	Code        string             `json:"code"`
}

// Deadline is a report deadline: the on-site part may last at most
// OnsiteDays (0: no limit) from its first day, and the report is submitted
// at most SubmitDays after the last on-site day (0: no limit).
type Deadline struct {
	OnsiteDays int    `json:"onsite_days,omitempty"`
	SubmitDays int    `json:"submit_days,omitempty"`
	Code       string `json:"code"`
}

// TermRule: a certificate's term follows the employer's months of
// documentation: Months with at least FullDocMonths, ShortMonths with
// MinDocMonths to FullDocMonths-1, no certificate below MinDocMonths.
type TermRule struct {
	Months        int `json:"months"`
	ShortMonths   int `json:"short_months"`
	FullDocMonths int `json:"full_doc_months"`
	MinDocMonths  int `json:"min_doc_months"`
}

// AuditorRules are the auditor certification requirements.
type AuditorRules struct {
	PeriodMonths       int `json:"period_months"`       // a credential lasts this long (36)
	AuditsToRecertify  int `json:"audits_to_recertify"` // audits in the period needed for the next one (2)
	QualificationDays  int `json:"qualification_days"`  // a candidate's qualification audit within this many days of the course (90)
	UnsatisfactoryOSAR int `json:"unsatisfactory_osar"` // this many unsatisfactory OSARs in a row suspend the auditor (0: none)
}

// IndependenceRule refuses an audit of the listed types (all when empty)
// by an auditor whose relation to the audited employer is Relation:
// "employee" (the auditor record names the employer as employer_bn) or
// "internal" (the auditor holds only internal or peer credentials).
type IndependenceRule struct {
	Types    []string `json:"types,omitempty"`
	Relation string   `json:"relation"`
	Code     string   `json:"code"`
}

// ReviewRules are Employer Review rules: a trigger within RepeatMonths of
// an earlier one requires a full external audit.
type ReviewRules struct {
	RepeatMonths int    `json:"repeat_months"`
	RepeatCode   string `json:"repeat_code"`
	// StopWorkOrders stop-work orders of one employer within
	// StopWorkMonths (orders on d1 <= d2 count together when d2 is before
	// d1's StopWorkMonths anniversary) open a review with the trigger
	// stop_work_orders, and a review with that trigger needs them.
	StopWorkOrders int    `json:"stop_work_orders"`
	StopWorkMonths int    `json:"stop_work_months"`
	StopWorkCode   string `json:"stop_work_code"`
}

// RemovalRule proposes the removal (revocation) of a persistent
// non-performer: Reviews or more Employer Reviews of one employer opened
// within WindowMonths, or a required action not completed by its due date
// (OverdueAction).
type RemovalRule struct {
	Reviews       int    `json:"reviews"`
	WindowMonths  int    `json:"window_months"`
	OverdueAction bool   `json:"overdue_action"`
	Code          string `json:"code"`
}

// Program is a program definition of one jurisdiction, as data: adding a
// program (a small-employer program, an enhanced COR) needs no code. Its
// node signs it; the node falls back to DefaultPrograms when it has not
// published a program of that id.
type Program struct {
	ID        string   `json:"id"` // e.g. COR, SECOR, SMALL, ECOR
	Name      string   `json:"name"`
	Certifies string   `json:"certifies"`            // the certificate program it leads to: COR or SECOR
	SizeBands []string `json:"size_bands,omitempty"` // employer size bands eligible (empty: any)
	// MaxEmployees bounds the employer's employee count (0: no bound).
	MaxEmployees int `json:"max_employees,omitempty"`
	// Instrument names the audit tool and its version, e.g. "AB COR audit 2023".
	Instrument           string              `json:"instrument,omitempty"`
	PassRules            []PassRule          `json:"pass_rules"`
	ReportDeadline       Deadline            `json:"report_deadline"`
	CPDeadlines          map[string]Deadline `json:"cp_deadlines,omitempty"` // a CP's own deadline (ESC: 21 days)
	Term                 TermRule            `json:"term"`
	MaintenanceDueMonths []int               `json:"maintenance_due_months"` // e.g. [12, 24]: years 2 and 3
	MaintenanceCode      string              `json:"maintenance_code"`
	// ISOMaintenanceTypes are the audit types that prove, in years 2 and 3,
	// that the ISO/CSA certification a certificate rests on (basis
	// iso_equivalency) is maintained (DOMAIN.md [2]): the CP records its
	// review of the surveillance proof as such an audit naming the
	// certificate. Empty: maintenance, iso_equivalency.
	ISOMaintenanceTypes []string `json:"iso_maintenance_types,omitempty"`
	// ISOMaintenanceCode names the rule of a cancellation for want of that
	// proof (empty: maintenance.iso_proof_missed).
	ISOMaintenanceCode string             `json:"iso_maintenance_code,omitempty"`
	ExpiryCode         string             `json:"expiry_code"`
	RequireAuditBasis  bool               `json:"require_audit_basis"` // a certificate must name a passing audit
	Auditors           AuditorRules       `json:"auditors"`
	Independence       []IndependenceRule `json:"independence,omitempty"`
	Review             ReviewRules        `json:"review"`
	Removal            RemovalRule        `json:"removal"`
	// CPQA is the consequence of a CP's QA reviews (qa.go); zero: they
	// are informational only.
	CPQA   CPQARule `json:"cp_qa,omitzero"`
	Source string   `json:"source,omitempty"` // where the rules come from
	// Assumptions name the values that no source gives for this
	// jurisdiction (taken from another one's), so a reader knows which
	// rules to confirm.
	Assumptions []string `json:"assumptions,omitempty"`
}

//go:embed programs.json
var defaultProgramsJSON []byte

// DefaultPrograms returns the built-in program definitions (programs.json):
// the values of DOMAIN.md's "Scoring and terms". A node uses them for a
// program id it has not published itself. They are decoded once (a
// certificate's checks look its program up, so an import of thousands of
// rows would otherwise decode them thousands of times): the slice is the
// caller's, but the programs' own slices and maps are shared, read-only.
func DefaultPrograms() []Program { return slices.Clone(defaultPrograms()) }

var defaultPrograms = sync.OnceValue(func() []Program {
	var ps []Program
	if err := strictjson.Decode(defaultProgramsJSON, &ps); err != nil {
		panic("registry: programs.json: " + err.Error())
	}
	return ps
})

// DefaultProgram returns the built-in program id, if any (shared as
// DefaultPrograms says).
func DefaultProgram(id string) (Program, bool) {
	for _, p := range defaultPrograms() {
		if p.ID == id {
			return p, true
		}
	}
	return Program{}, false
}

func checkCode(field, s string) error {
	if !ruleCodeRE(s) {
		return Invalid(field, "a rule code is 1 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	return nil
}

func ruleCodeRE(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkPercent(field string, v float64) error {
	if !(v >= 0 && v <= 100) {
		return Invalid(field, "a percentage between 0 and 100, got %v", v)
	}
	return nil
}

// certificateTerm is the only term a program may give (see Validate).
var certificateTerm = TermRule{Months: 36, ShortMonths: 12, FullDocMonths: 12, MinDocMonths: 3}

// Validate checks a program definition on its own. It reports every
// problem found at once (ValidationErrors).
func (p Program) Validate() error {
	var v collect
	if !codeRE.MatchString(p.ID) {
		v.add(Invalid("body.id", "a program id is 2 to 16 upper-case letters or digits, starting with a letter (e.g. COR)"))
	}
	v.add(checkText("body.name", p.Name, 1, MaxNameLen))
	if p.Certifies != ProgramCOR && p.Certifies != ProgramSECOR {
		v.add(Invalid("body.certifies", "one of COR, SECOR"))
	}
	v.add(checkList("body.size_bands", p.SizeBands, func(f, s string) error {
		if s != "small" && s != "standard" {
			return Invalid(f, "one of small, standard")
		}
		return nil
	}))
	if p.MaxEmployees < 0 {
		v.add(Invalid("body.max_employees", "not negative"))
	}
	v.add(checkText("body.instrument", p.Instrument, 0, MaxNameLen))
	if len(p.PassRules) == 0 {
		v.add(Invalid("body.pass_rules", "at least one pass rule"))
	}
	v.add(checkList("body.pass_rules", p.PassRules, func(f string, r PassRule) error {
		var c collect
		if len(r.Types) == 0 {
			c.add(Invalid(f+".types", "at least one audit type"))
		}
		for i, t := range r.Types {
			if !slices.Contains(AuditTypes, t) {
				c.add(Invalid(fmt.Sprintf("%s.types[%d]", f, i), "one of %s", strings.Join(AuditTypes, ", ")))
			}
		}
		c.add(checkPercent(f+".overall_min", r.OverallMin))
		c.add(checkPercent(f+".element_min", r.ElementMin))
		if len(r.ElementMins) > MaxListLen {
			c.add(Invalid(f+".element_mins", "at most %d elements", MaxListLen))
		} else {
			for _, el := range slices.Sorted(maps.Keys(r.ElementMins)) {
				c.add(checkText(f+".element_mins", el, 1, 64))
				c.add(checkPercent(f+".element_mins."+el, r.ElementMins[el]))
			}
		}
		c.add(checkCode(f+".code", r.Code))
		return c.err()
	}))
	v.add(p.ReportDeadline.validate("body.report_deadline"))
	if len(p.CPDeadlines) > MaxListLen {
		v.add(Invalid("body.cp_deadlines", "at most %d CPs", MaxListLen))
	} else {
		for _, cp := range slices.Sorted(maps.Keys(p.CPDeadlines)) {
			if !codeRE.MatchString(cp) {
				v.add(Invalid("body.cp_deadlines", "%q is not a CP id", cp))
			}
			v.add(p.CPDeadlines[cp].validate("body.cp_deadlines." + cp))
		}
	}
	// The term is what a certificate may carry (Certificate.validateTerm):
	// 36 months, or 12 with 3 to 11 months of documentation. A program
	// giving its audits another term would pass audits no certificate can
	// be issued on.
	if t := p.Term; t != certificateTerm {
		v.add(Invalid("body.term", "a COR is issued for 36 months, or 12 with 3 to 11 months of documentation: months 36, short_months 12, full_doc_months 12, min_doc_months 3 (got %d, %d, %d, %d)",
			t.Months, t.ShortMonths, t.FullDocMonths, t.MinDocMonths))
	}
	// Maintenance falls within the term a valid program has, whatever the
	// term given (a wrong one is reported above).
	last := 0
	for i, m := range p.MaintenanceDueMonths {
		if m <= last || m >= certificateTerm.Months {
			v.add(Invalid(fmt.Sprintf("body.maintenance_due_months[%d]", i), "increasing, and before the end of the term (%d months)", certificateTerm.Months))
			continue
		}
		last = m
	}
	for i, t := range p.ISOMaintenanceTypes {
		if t != AuditMaintenance && t != AuditISOEquivalency {
			v.add(Invalid(fmt.Sprintf("body.iso_maintenance_types[%d]", i), "one of maintenance, iso_equivalency"))
		}
	}
	if p.ISOMaintenanceCode != "" {
		v.add(checkCode("body.iso_maintenance_code", p.ISOMaintenanceCode))
	}
	v.add(checkCode("body.maintenance_code", p.MaintenanceCode))
	v.add(checkCode("body.expiry_code", p.ExpiryCode))
	a := p.Auditors
	if a.PeriodMonths < 1 || a.AuditsToRecertify < 0 || a.QualificationDays < 0 || a.UnsatisfactoryOSAR < 0 {
		v.add(Invalid("body.auditors", "period_months at least 1; counts not negative"))
	}
	v.add(checkList("body.independence", p.Independence, func(f string, r IndependenceRule) error {
		var c collect
		if r.Relation != "employee" && r.Relation != "internal" {
			c.add(Invalid(f+".relation", "one of employee, internal"))
		}
		for i, t := range r.Types {
			if !slices.Contains(AuditTypes, t) {
				c.add(Invalid(fmt.Sprintf("%s.types[%d]", f, i), "one of %s", strings.Join(AuditTypes, ", ")))
			}
		}
		c.add(checkCode(f+".code", r.Code))
		return c.err()
	}))
	if p.Review.RepeatMonths < 0 {
		v.add(Invalid("body.review.repeat_months", "not negative"))
	}
	v.add(checkCode("body.review.repeat_code", p.Review.RepeatCode))
	if p.Review.StopWorkOrders < 1 || p.Review.StopWorkMonths < 1 || p.Review.StopWorkMonths > 120 {
		v.add(Invalid("body.review", "stop_work_orders at least 1; stop_work_months 1 to 120"))
	}
	v.add(checkCode("body.review.stop_work_code", p.Review.StopWorkCode))
	if p.Removal.Reviews < 0 || p.Removal.WindowMonths < 0 {
		v.add(Invalid("body.removal", "counts not negative"))
	}
	v.add(checkCode("body.removal.code", p.Removal.Code))
	v.add(p.CPQA.validate("body.cp_qa"))
	if len(p.Assumptions) > MaxListLen {
		v.add(Invalid("body.assumptions", "at most %d", MaxListLen))
	} else {
		for i, a := range p.Assumptions {
			v.add(checkText(fmt.Sprintf("body.assumptions[%d]", i), a, 1, MaxTextLen))
		}
	}
	v.add(checkText("body.source", p.Source, 0, MaxTextLen))
	return v.err()
}

// ISOMaintenance returns the audit types that prove an equivalency-based
// certificate is maintained, and the rule code of missing that proof.
func (p Program) ISOMaintenance() (types []string, code string) {
	types, code = p.ISOMaintenanceTypes, p.ISOMaintenanceCode
	if len(types) == 0 {
		types = []string{AuditMaintenance, AuditISOEquivalency}
	}
	if code == "" {
		code = "maintenance.iso_proof_missed"
	}
	return types, code
}

// PassRuleFor returns the pass rule for audit type t, if the program has one.
func (p Program) PassRuleFor(t string) (PassRule, bool) {
	for _, r := range p.PassRules {
		if slices.Contains(r.Types, t) {
			return r, true
		}
	}
	return PassRule{}, false
}

// RequiredActionTypes are the audit types that meet required action
// (RequiredActionPlan or RequiredFullAudit) of a certificate under
// p: an action_plan audit; for a full audit the program's certifying
// audits, certification and recertification, or where it has no pass rule
// for them its self-assessment (SECOR). Only types p has a pass rule
// for: an audit of another type is refused for the certificate's program
// (node.RecordAudit), so none means the program cannot record the action.
func (p Program) RequiredActionTypes(action string) []string {
	want := []string{AuditActionPlan}
	if action == RequiredFullAudit {
		want = []string{AuditCertification, AuditRecertification}
	}
	var types []string
	for _, t := range want {
		if _, ok := p.PassRuleFor(t); ok {
			types = append(types, t)
		}
	}
	if len(types) == 0 && action == RequiredFullAudit {
		if _, ok := p.PassRuleFor(AuditSelfAssessment); ok {
			types = append(types, AuditSelfAssessment)
		}
	}
	return types
}

// TermFor returns the certificate term, in months, for docMonths months of
// documentation; 0 when it is below the program's minimum. docMonths 0
// means not stated: the full term.
func (p Program) TermFor(docMonths int) int {
	switch {
	case docMonths == 0 || docMonths >= p.Term.FullDocMonths:
		return p.Term.Months
	case docMonths >= p.Term.MinDocMonths:
		return p.Term.ShortMonths
	}
	return 0
}

// termForAudit is TermFor for an audit, whose documentation_months is
// always stated: 0 is no documentation (below any minimum), not "not
// stated".
func (p Program) termForAudit(docMonths int) int {
	switch {
	case docMonths >= p.Term.FullDocMonths:
		return p.Term.Months
	case docMonths >= p.Term.MinDocMonths:
		return p.Term.ShortMonths
	}
	return 0
}

func (d Deadline) validate(field string) error {
	var v collect
	if d.OnsiteDays < 0 || d.SubmitDays < 0 || d.OnsiteDays > 366 || d.SubmitDays > 366 {
		v.add(Invalid(field, "days between 0 and 366"))
	}
	v.add(checkCode(field+".code", d.Code))
	return v.err()
}

// DeadlineFor returns the report deadline for audits of CP cp.
func (p Program) DeadlineFor(cp string) Deadline {
	if d, ok := p.CPDeadlines[cp]; ok {
		return d
	}
	return p.ReportDeadline
}
