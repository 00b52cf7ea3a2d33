package registry_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// fieldsOf returns the field of every validation error err holds, in
// order, or fails when err is no validation error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	fs := registry.Fields(err)
	if fs == nil {
		t.Fatalf("got %v, want validation errors", err)
	}
	return fs
}

// TestValidateReportsEveryProblem: each validator reports every problem
// of an input at once, each at its own location (a location a validator
// maps several problems to, once), and leaves out only the checks that
// follow from a value already refused.
func TestValidateReportsEveryProblem(t *testing.T) {
	d := registry.MustDate
	review := func() registry.Review {
		return registry.Review{ID: "R-1", EmployerBN: "812345676", Certificate: "ACSA-1", Trigger: registry.TriggerFatality,
			OccurredOn: d("2025-01-10"), OpenedOn: d("2025-01-12"), Status: registry.ReviewOpen,
			History: []registry.ReviewStep{{Action: "open", Reason: "a fatality", On: d("2025-01-12"), By: "admin"}}}
	}
	stopWork := func() registry.StopWorkOrder {
		return registry.StopWorkOrder{ID: "SWO-1", EmployerBN: "812345676", Number: "SWO-1", IssuedOn: d("2025-03-01")}
	}
	audit := func() registry.Audit {
		return registry.Audit{EmployerBN: "812345676", CP: "ACSA", Type: registry.AuditCertification, Program: "COR", Auditors: []string{"A1"},
			OnsiteStart: d("2026-03-02"), OnsiteEnd: d("2026-03-06"), SubmittedOn: d("2026-04-01"), DocMonths: 14, Overall: 90,
			Elements: []registry.ElementScore{{Element: "a", Score: 90}}}
	}
	auditor := func() registry.Auditor {
		return registry.Auditor{ID: "A1", Name: "Ann Auditor", Home: "CA-AB",
			Credentials: []registry.Credential{{CP: "ACSA", Kind: registry.CredExternal, CertifiedOn: d("2024-01-01")}}}
	}
	discipline := func() registry.Discipline {
		return registry.Discipline{Auditor: "A1", Body: "CA-AB",
			Actions: []registry.DisciplineAction{{Action: registry.DisciplineSuspend, Reason: "a false report", On: d("2025-01-01"), By: "admin"}}}
	}
	qa := func() registry.QAReview {
		return registry.QAReview{ID: "Q1", Kind: registry.QAOSAR, Auditor: "A1", Audit: "AU1", CP: "ACSA", On: d("2025-05-01"), Outcome: registry.QASatisfactory}
	}
	hostRules := func() registry.HostRules {
		r := validHostRules()
		r.Equivalency = slices.Clone(r.Equivalency)
		return r
	}
	program := func() registry.Program {
		p := mustProgram(t, "COR")
		p.PassRules = slices.Clone(p.PassRules)
		return p
	}
	letter := func() registry.Letter {
		return registry.Letter{ID: registry.LetterID("CA-BC", "ACSA-1", d("2025-04-17")), EmployerBN: "812345676", Certificate: "ACSA-1",
			Home: "CA-AB", Host: "CA-BC", Kind: registry.LetterBid, IssuedOn: d("2025-04-17"), ExpiresOn: d("2025-10-17"), Agreement: "ab-bc-2021"}
	}
	request := func() registry.LetterRequest {
		return registry.LetterRequest{ID: registry.LetterRequestID("CA-BC", "ACSA-1", d("2025-04-01")), EmployerBN: "812345676", Certificate: "ACSA-1",
			Home: "CA-AB", Host: "CA-BC", Kind: registry.LetterBid, RequestedOn: d("2025-04-01"), RequestedBy: "cp:ACSA"}
	}
	aggregate := func() registry.AggregateMetrics {
		return registry.AggregateMetrics{Jurisdiction: "CA-AB", Year: 2024, MinPersonYears: 40, MinEmployers: 5,
			COR:    registry.AggregateGroup{Employers: 10, PersonYears: 100, LostTimeClaims: 2, DisablingInjuryClaims: 3},
			NonCOR: registry.AggregateGroup{Suppressed: true}}
	}

	tests := []struct {
		name     string
		validate func() error // the validator on an input with several problems
		valid    func() error // the same validator on the valid input edited
		want     []string
	}{
		{"review", func() error {
			r := review()
			r.ID, r.Trigger = "", "flood"
			r.History = append(r.History, registry.ReviewStep{Action: "close", Reason: " ", On: d("2025-01-11")},
				registry.ReviewStep{Action: "close", Reason: "", On: d("2025-01-01")})
			return r.Validate()
		}, review().Validate, []string{"body.id", "body.trigger", "body.reason", "body.on"}},
		{"review without history", func() error {
			r := review()
			r.EmployerBN, r.History = "123", nil
			return r.Validate()
		}, review().Validate, []string{"body.employer_bn", "body.history"}},
		{"stop-work order", func() error {
			o := stopWork()
			o.EmployerBN, o.Number, o.IssuedOn, o.Reason = "123", "", registry.Date{}, "bad\x01"
			return o.Validate()
		}, stopWork().Validate, []string{"body.employer_bn", "body.number", "body.issued_on", "body.reason"}},
		{"audit", func() error {
			a := audit()
			a.CP, a.Auditors, a.SubmittedOn = "x", []string{"A1", "A1"}, d("2026-03-05")
			a.Elements = append(a.Elements, registry.ElementScore{Element: "a", Score: 101})
			return a.Validate()
		}, audit().Validate, []string{"body.cp", "body.auditors[1]", "body.submitted_on", "body.elements[1].element", "body.elements[1].score"}},
		{"audit element names", func() error {
			a := audit()
			a.Elements = append(a.Elements, registry.ElementScore{Element: "hazard ", Score: 90}, registry.ElementScore{Element: " b", Score: 90})
			return a.Validate()
		}, audit().Validate, []string{"body.elements[1].element", "body.elements[2].element"}},
		{"audit dates", func() error {
			a := audit()
			a.OnsiteStart, a.Type = registry.Date{}, registry.AuditMaintenance
			return a.Validate()
		}, audit().Validate, []string{"body.certificate", "body.onsite_start"}},
		{"auditor", func() error {
			a := auditor()
			a.Name, a.Home = "", "AB"
			a.Credentials = []registry.Credential{{CP: "x", Kind: "boss"}}
			return a.Validate()
		}, auditor().Validate, []string{"body.name", "body.home", "body.credentials[0].cp", "body.credentials[0].kind", "body.credentials[0].certified_on"}},
		{"discipline", func() error {
			x := discipline()
			x.Body = "XX"
			x.Actions = []registry.DisciplineAction{{Action: "fire", Reason: "", On: d("2025-02-01")}, {Action: registry.DisciplineSuspend, Reason: "r", On: d("2025-01-01")}}
			return x.Validate()
		}, discipline().Validate, []string{"body.body", "body.actions[0].action", "body.actions[0].reason", "body.actions[1].on"}},
		{"QA review", func() error {
			q := qa()
			q.Auditor, q.Audit, q.Outcome = "", "", "great"
			return q.Validate()
		}, qa().Validate, []string{"body.auditor", "body.audit", "body.outcome"}},
		{"agreement terms", func() error {
			a := validTerms()
			a.Hosts = slices.Clone(a.Hosts)
			a.Title, a.Sector, a.IndustryCodes, a.Sources = " ", "Construction!", []string{"x", "y"}, nil
			a.Hosts[0].CapMonths = -1
			return a.Validate()
		}, validTerms().Validate, []string{"terms.title", "terms.sector", "terms.industry_codes[0]", "terms.industry_codes[1]",
			"terms.hosts[0].cap_months", "terms.sources"}},
		{"agreement refused party", func() error {
			a := validTerms()
			a.Parties = []registry.Jurisdiction{"CA-AB", "CA-XX"}
			a.Programs = []string{"COR", "COR"}
			return a.Validate()
		}, validTerms().Validate, []string{"terms.parties[1]", "terms.programs[1]", "terms.hosts[1].host"}},
		{"host rules", func() error {
			r := hostRules()
			r.ID, r.Sources = "", nil
			r.Equivalency[0].TermMonths = 121
			r.Equivalency[1].Standards = []string{"ISO 9001"}
			return r.Validate()
		}, hostRules().Validate, []string{"id", "equivalency[0].term_months", "equivalency[1].standards[0]", "sources"}},
		{"host rules term and yearly re-application", func() error {
			r := hostRules()
			r.Equivalency[1].TermMonths = 121
			r.Equivalency[1].Conditions = []string{registry.CondYearlyReapplication, "x"}
			return r.Validate()
		}, hostRules().Validate, []string{"equivalency[1].term_months", "equivalency[1].conditions[1]"}},
		{"host rules file", func() error {
			_, err := registry.ParseHostRulesFile([]byte(strings.NewReplacer(`"id":"r1"`, `"id":"!"`, `["s"]`, `[]`).Replace(hostRulesFile)))
			return err
		}, func() error {
			_, err := registry.ParseHostRulesFile([]byte(hostRulesFile))
			return err
		}, []string{"rules[0].id", "rules[0].sources"}},
		{"program", func() error {
			p := program()
			p.Name, p.MaintenanceDueMonths, p.MaintenanceCode = "", []int{24, 12}, "BAD CODE"
			p.PassRules = append(p.PassRules, registry.PassRule{Types: []string{"certification"}, OverallMin: 101, Code: "x"})
			p.Term.Months = 24
			return p.Validate()
		}, program().Validate, []string{"body.name", "body.pass_rules[" + strconv.Itoa(len(program().PassRules)) + "].overall_min",
			"body.term", "body.maintenance_due_months[1]", "body.maintenance_code"}},
		{"letter", func() error {
			l := letter()
			l.Kind, l.Agreement, l.InvalidatedBy = "x", "", []string{"rain"}
			return l.Validate()
		}, letter().Validate, []string{"body.kind", "body.agreement", "body.invalidated_by[0]"}},
		{"letter with a refused host", func() error {
			l := letter()
			l.Host, l.Kind, l.RequestedOn = "XX", "x", d("2025-05-01")
			return l.Validate()
		}, letter().Validate, []string{"body.host", "body.kind", "body.requested_on"}},
		{"letter request", func() error {
			r := request()
			r.EmployerBN, r.IssueOn, r.RequestedBy = "1", d("2025-03-01"), ""
			return r.Validate()
		}, request().Validate, []string{"body.employer_bn", "body.issued_on", "body.requested_by"}},
		{"aggregate", func() error {
			a := aggregate()
			a.Year = 1900
			a.COR.Fatalities = -1
			a.NonCOR.Employers = 3
			return a.Validate()
		}, aggregate().Validate, []string{"year", "cor", "non_cor"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.valid(); err != nil {
				t.Fatalf("the valid input: %v", err)
			}
			err := tc.validate()
			if !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("got %v, want an error wrapping ErrInvalid", err)
			}
			if got := fieldsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("got %s\nwant %s\n(%v)", strings.Join(got, " "), strings.Join(tc.want, " "), err)
			}
		})
	}
}

const hostRulesFile = `{"issuer":"CA-AB","rules":[{"id":"r1","jurisdiction":"CA-AB","effective_from":"2010-01-01","programs":["COR"],` +
	`"recognizes_foreign_secor":false,"equivalency":[],"sources":["s"]}]}`
