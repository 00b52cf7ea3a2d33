package registry_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
)

func mustProgram(t *testing.T, id string) registry.Program {
	t.Helper()
	p, ok := registry.DefaultProgram(id)
	if !ok {
		t.Fatalf("no default program %s", id)
	}
	return p
}

// ontario reads the Ontario variant from testdata/program/CA-ON.json.
func ontario(t *testing.T) registry.Program {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "program", "CA-ON.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Programs []registry.Program }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Programs[0]
}

func baseAudit(typ string, overall float64, elements ...float64) registry.Audit {
	a := registry.Audit{EmployerBN: "812345676", CP: "ACSA", Type: typ, Program: "COR", Auditors: []string{"A1"},
		OnsiteStart: registry.MustDate("2026-03-02"), OnsiteEnd: registry.MustDate("2026-03-06"), SubmittedOn: registry.MustDate("2026-04-01"),
		DocMonths: 14, Overall: overall}
	for i, s := range elements {
		a.Elements = append(a.Elements, registry.ElementScore{Element: string(rune('a' + i)), Score: s})
	}
	return a
}

func docMonths(a registry.Audit, n int) registry.Audit {
	a.DocMonths = n
	return a
}

func rules(fs []registry.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"/"+f.Element)
	}
	return out
}

// TestEvaluatePassRules pins the pass rules at their edges: 80% overall
// and every element at least 50% for a certification audit, 60% for a
// maintenance audit, Ontario's 80/65 with 100% on legislation, and the
// report deadlines (AB 45 days on site + 45 to submit; ESC 21 days).
func TestEvaluatePassRules(t *testing.T) {
	cor, on := mustProgram(t, "COR"), ontario(t)
	late := func(a registry.Audit, cp, onsiteEnd, submitted string) registry.Audit {
		a.CP = cp
		if onsiteEnd != "" {
			a.OnsiteEnd = registry.MustDate(onsiteEnd)
		}
		a.SubmittedOn = registry.MustDate(submitted)
		return a
	}
	withLegislation := func(a registry.Audit, s float64) registry.Audit {
		a.Elements = append(a.Elements, registry.ElementScore{Element: "legislation", Score: s})
		return a
	}
	short := baseAudit("certification", 90, 90)
	short.DocMonths = 6
	tooShort := baseAudit("certification", 90, 90)
	tooShort.DocMonths = 2
	for _, tc := range []struct {
		name   string
		p      registry.Program
		a      registry.Audit
		passed bool
		rules  []string
		term   int
	}{
		{"80 overall and 50 elements pass", cor, baseAudit("certification", 80, 50, 50, 100), true, nil, 36},
		{"79.99 overall fails", cor, baseAudit("certification", 79.99, 90), false, []string{"pass.certification/"}, 36},
		{"an element at 49.99 fails", cor, baseAudit("certification", 85, 90, 49.99), false, []string{"pass.certification/b"}, 36},
		{"both fail, each named", cor, baseAudit("certification", 70, 40, 30), false, []string{"pass.certification/", "pass.certification/a", "pass.certification/b"}, 36},
		{"maintenance at 60 passes", cor, baseAudit("maintenance", 60, 10), true, nil, 0},
		{"maintenance at 59.99 fails", cor, baseAudit("maintenance", 59.99), false, []string{"pass.maintenance/"}, 0},
		{"recertification uses 80/50", cor, baseAudit("recertification", 80, 50), true, nil, 36},
		{"6 months of documentation: 1-year term", cor, short, true, nil, 12},
		{"2 months of documentation: no term", cor, tooShort, false, []string{"term.documentation/"}, 0},
		{"AB report submitted on day 45 passes", cor, late(baseAudit("certification", 90, 90), "ACSA", "", "2026-04-20"), true, nil, 36},
		{"AB report submitted on day 46 is late", cor, late(baseAudit("certification", 90, 90), "ACSA", "", "2026-04-21"), false, []string{"deadline.report/"}, 36},
		{"AB on-site part of 45 days passes", cor, late(baseAudit("certification", 90, 90), "ACSA", "2026-04-15", "2026-04-15"), true, nil, 36},
		{"AB on-site part of 46 days is late", cor, late(baseAudit("certification", 90, 90), "ACSA", "2026-04-16", "2026-04-16"), false, []string{"deadline.report/"}, 36},
		{"ESC report on day 21 passes", cor, late(baseAudit("certification", 90, 90), "ESC", "", "2026-03-27"), true, nil, 36},
		{"ESC report on day 22 is late", cor, late(baseAudit("certification", 90, 90), "ESC", "", "2026-03-28"), false, []string{"deadline.report.esc/"}, 36},
		{"Ontario: 65 everywhere and 100 on legislation pass", on, withLegislation(baseAudit("certification", 80, 65), 100), true, nil, 36},
		{"Ontario: an element at 64.99 fails", on, withLegislation(baseAudit("certification", 80, 64.99), 100), false, []string{"pass.certification.on/a"}, 36},
		{"Ontario: legislation at 99 fails", on, withLegislation(baseAudit("certification", 90, 90), 99), false, []string{"pass.certification.on/legislation"}, 36},
		{"Ontario: legislation not scored fails", on, baseAudit("certification", 90, 90), false, []string{"pass.certification.on/legislation"}, 36},
		{"no element scored fails the element rule", cor, baseAudit("certification", 90), false, []string{"pass.certification/"}, 36},
		{"maintenance with no element rule needs no elements", cor, baseAudit("maintenance", 70), true, nil, 0},
		{"Ontario maintenance with no element scored fails", on, baseAudit("maintenance", 90), false, []string{"pass.maintenance.on/"}, 0},
		{"0 months of documentation: no term", cor, docMonths(baseAudit("certification", 90, 90), 0), false, []string{"term.documentation/"}, 0},
		{"3 months of documentation: 1-year term", cor, docMonths(baseAudit("certification", 90, 90), 3), true, nil, 12},
		{"12 months of documentation: full term", cor, docMonths(baseAudit("certification", 90, 90), 12), true, nil, 36},
	} {
		t.Run(tc.name, func(t *testing.T) {
			passed, reasons, term, err := tc.p.Evaluate(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			if passed != tc.passed || !slices.Equal(rules(reasons), tc.rules) || term != tc.term {
				t.Errorf("got passed=%v reasons=%v term=%d, want passed=%v reasons=%v term=%d (%+v)", passed, rules(reasons), term, tc.passed, tc.rules, tc.term, reasons)
			}
			for _, r := range reasons {
				if r.Detail == "" || r.DetailFR == "" || r.Detail == r.DetailFR {
					t.Errorf("reason %s: detail %q, French %q; want both", r.Rule, r.Detail, r.DetailFR)
				}
			}
		})
	}
	if _, _, _, err := mustProgram(t, "SECOR").Evaluate(baseAudit("certification", 90)); err == nil {
		t.Error("SECOR evaluated a certification audit; want an error naming body.type")
	}
}

// TestProgramsValidate: every built-in program and the Ontario variant are
// valid data, and a broken definition is refused naming its field.
func TestProgramsValidate(t *testing.T) {
	for _, p := range append(registry.DefaultPrograms(), ontario(t)) {
		if err := p.Validate(); err != nil {
			t.Errorf("program %s: %v", p.ID, err)
		}
	}
	bad := mustProgram(t, "COR")
	bad.MaintenanceDueMonths = []int{24, 12}
	if err := bad.Validate(); err == nil {
		t.Error("decreasing maintenance months accepted")
	}
	bad = mustProgram(t, "COR")
	bad.PassRules = append(slices.Clone(bad.PassRules), registry.PassRule{Types: []string{"certification"}, OverallMin: 101, Code: "x"})
	if err := bad.Validate(); err == nil {
		t.Error("a 101% threshold accepted")
	}
}

// TestAuditorStanding: a credential lapses after its period, a candidate
// without a qualification audit within 90 days lapses, a suspension by one
// body is lifted only by that body, and revocation beats suspension.
func TestAuditorStanding(t *testing.T) {
	r := mustProgram(t, "COR").Auditors
	d := registry.MustDate
	a := registry.Auditor{ID: "A1", Name: "x", Home: "CA-AB", Credentials: []registry.Credential{{CP: "ACSA", Kind: "external", CertifiedOn: d("2023-01-10")}}}
	cand := registry.Auditor{ID: "A2", Name: "y", Home: "CA-AB", Credentials: []registry.Credential{{CP: "ACSA", Kind: "candidate", CertifiedOn: d("2026-01-05")}}}
	susp := []registry.Discipline{{Auditor: "A1", Body: "CA-AB", Actions: []registry.DisciplineAction{{Action: "suspend", Reason: "r", On: d("2024-05-01")}}}}
	reinstatedElsewhere := append(slices.Clone(susp), registry.Discipline{Auditor: "A1", Body: "CA-BC", Actions: []registry.DisciplineAction{{Action: "reinstate", Reason: "r", On: d("2024-06-01")}}})
	reinstated := []registry.Discipline{{Auditor: "A1", Body: "CA-AB", Actions: []registry.DisciplineAction{{Action: "suspend", Reason: "r", On: d("2024-05-01")}, {Action: "reinstate", Reason: "r", On: d("2024-06-01")}}}}
	revoked := append(slices.Clone(susp), registry.Discipline{Auditor: "A1", Body: "CA-BC", Actions: []registry.DisciplineAction{{Action: "revoke", Reason: "r", On: d("2024-05-02")}}})
	// expires_on ends a credential (PutAuditor refuses one past the
	// period: TestProgramBadInput); a peer's record is read as its home
	// node, under its own rules, stored it.
	short := registry.Auditor{ID: "A4", Name: "w", Home: "CA-AB", Credentials: []registry.Credential{{CP: "ACSA", Kind: "external", CertifiedOn: d("2023-01-10"), ExpiresOn: d("2024-01-09")}}}
	for _, tc := range []struct {
		name   string
		a      registry.Auditor
		ds     []registry.Discipline
		audits []registry.Date
		on     string
		want   string
	}{
		{"before the credential", a, nil, nil, "2023-01-09", "uncertified"},
		{"first day", a, nil, nil, "2023-01-10", "certified"},
		{"last day of the 3-year period", a, nil, nil, "2026-01-09", "certified"},
		{"day after the period", a, nil, nil, "2026-01-10", "lapsed"},
		{"candidate within 90 days", cand, nil, nil, "2026-04-05", "candidate"},
		{"candidate after 90 days without qualification audit", cand, nil, nil, "2026-04-06", "lapsed"},
		{"candidate after 90 days with one", cand, nil, []registry.Date{d("2026-03-01")}, "2026-04-06", "candidate"},
		{"suspended", a, susp, nil, "2024-05-01", "suspended"},
		{"the day before the suspension", a, susp, nil, "2024-04-30", "certified"},
		{"another body cannot lift it", a, reinstatedElsewhere, nil, "2024-07-01", "suspended"},
		{"the same body lifts it", a, reinstated, nil, "2024-07-01", "certified"},
		{"revocation beats suspension", a, revoked, nil, "2024-07-01", "revoked"},
		{"a short expires_on ends it early", short, nil, nil, "2024-01-10", "lapsed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.StandingOn(tc.a, tc.ds, tc.audits, registry.OSARHold{}, d(tc.on))
			if got.Status != tc.want {
				t.Errorf("got %s (%s), want %s", got.Status, got.Reason, tc.want)
			}
			if (got.Reason == "") != (got.ReasonFR == "") {
				t.Errorf("reason %q has French %q: every reason exists in both languages", got.Reason, got.ReasonFR)
			}
		})
	}
}

// FuzzProgramEvaluate decodes a program and an audit from arbitrary JSON;
// when both validate, Evaluate never panics, and an audit passes exactly
// when it breaks no rule.
func FuzzProgramEvaluate(f *testing.F) {
	cor, _ := json.Marshal(mustProgramF("COR"))
	a, _ := json.Marshal(baseAudit("certification", 80, 50))
	f.Add(cor, a)
	f.Add(cor, []byte(`{"type":"maintenance","overall":59.99}`))
	f.Add([]byte(`{"id":"X","pass_rules":[{"types":["maintenance"],"overall_min":60,"element_mins":{"a":101}}]}`), a)
	f.Fuzz(func(t *testing.T, pb, ab []byte) {
		var p registry.Program
		var au registry.Audit
		if json.Unmarshal(pb, &p) != nil || json.Unmarshal(ab, &au) != nil || p.Validate() != nil || au.Validate() != nil {
			return
		}
		passed, reasons, _, err := p.Evaluate(au)
		if err != nil {
			return
		}
		if passed != (len(reasons) == 0) {
			t.Fatalf("passed=%v with reasons %v", passed, reasons)
		}
		for _, r := range reasons {
			if r.DetailFR == "" {
				t.Fatalf("reason %+v has no French", r)
			}
		}
	})
}

func mustProgramF(id string) registry.Program {
	p, _ := registry.DefaultProgram(id)
	return p
}

// TestProgramTermIsACertificatesTerm: a program may not give its audits a
// term no certificate can carry (36 months, or 12 with 3 to 11 months of
// documentation): a 24-month term is refused naming body.term.
func TestProgramTermIsACertificatesTerm(t *testing.T) {
	p := mustProgram(t, "COR")
	if err := p.Validate(); err != nil {
		t.Fatalf("default COR: %v", err)
	}
	for _, term := range []registry.TermRule{{Months: 24, ShortMonths: 12, FullDocMonths: 12, MinDocMonths: 3}, {Months: 36, ShortMonths: 6, FullDocMonths: 12, MinDocMonths: 3},
		{Months: 36, ShortMonths: 12, FullDocMonths: 12, MinDocMonths: 0}} {
		q := p
		q.Term = term
		var ve *registry.ValidationError
		if err := q.Validate(); !errors.As(err, &ve) || ve.Field != "body.term" {
			t.Errorf("term %+v: got %v, want a problem naming body.term", term, err)
		}
	}
}
