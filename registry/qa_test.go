package registry_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestCPQARule: the CP QA rule is met by an unsatisfactory last CP QA
// review (at_risk) or by N unsatisfactory OSARs within M months, counted
// back from the latest (exactly M months apart is outside); never by what
// happens after the date.
func TestCPQARule(t *testing.T) {
	rule := registry.CPQARule{AtRisk: true, UnsatisfactoryOSARs: 2, WindowMonths: 12, Code: "cp_qa.suspend"}
	cpqa := func(id, on, outcome string) registry.QAReview {
		return registry.QAReview{ID: id, Kind: registry.QACP, CP: "ACSA", On: registry.MustDate(on), Outcome: outcome}
	}
	osar := func(id, on, outcome string) registry.QAReview {
		return registry.QAReview{ID: id, Kind: registry.QAOSAR, CP: "ACSA", Auditor: "A1", Audit: "X", On: registry.MustDate(on), Outcome: outcome}
	}
	for _, tc := range []struct {
		name string
		rule registry.CPQARule
		qs   []registry.QAReview
		on   string
		want string // the rule met and the ids of its evidence, or ""
	}{
		{"last CP QA unsatisfactory", rule, []registry.QAReview{cpqa("Q1", "2025-01-10", "satisfactory"), cpqa("Q2", "2026-02-01", "unsatisfactory")}, "2026-03-01", "cp_qa.suspend.at_risk Q2"},
		{"unsatisfactory, then satisfactory", rule, []registry.QAReview{cpqa("Q2", "2026-02-01", "unsatisfactory"), cpqa("Q3", "2026-05-01", "satisfactory")}, "2026-06-01", ""},
		{"needs improvement only", rule, []registry.QAReview{cpqa("Q1", "2026-02-01", "needs_improvement")}, "2026-06-01", ""},
		{"review after the date", rule, []registry.QAReview{cpqa("Q1", "2026-07-01", "unsatisfactory")}, "2026-06-01", ""},
		{"at_risk off", registry.CPQARule{UnsatisfactoryOSARs: 2, WindowMonths: 12, Code: "c"}, []registry.QAReview{cpqa("Q1", "2026-02-01", "unsatisfactory")}, "2026-06-01", ""},
		{"two OSARs in 12 months", rule, []registry.QAReview{osar("O2", "2026-03-01", "unsatisfactory"), osar("O1", "2025-04-02", "unsatisfactory")}, "2026-06-01", "cp_qa.suspend.osars O1 O2"},
		{"exactly 12 months apart", rule, []registry.QAReview{osar("O1", "2025-03-01", "unsatisfactory"), osar("O2", "2026-03-01", "unsatisfactory")}, "2026-06-01", ""},
		{"satisfactory OSARs do not count", rule, []registry.QAReview{osar("O1", "2026-01-01", "unsatisfactory"), osar("O2", "2026-02-01", "satisfactory")}, "2026-06-01", ""},
		{"one OSAR after the date", rule, []registry.QAReview{osar("O1", "2026-01-01", "unsatisfactory"), osar("O2", "2026-07-01", "unsatisfactory")}, "2026-06-01", ""},
		{"rule off", registry.CPQARule{}, []registry.QAReview{cpqa("Q1", "2026-02-01", "unsatisfactory")}, "2026-06-01", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := tc.rule.Check(tc.qs, registry.MustDate(tc.on))
			got := ""
			if ok {
				got = f.Rule
				for _, q := range f.Evidence {
					got += " " + q.ID
				}
				if f.Reason == "" || f.ReasonFR == "" || f.Reason == f.ReasonFR {
					t.Errorf("reasons: %q / %q", f.Reason, f.ReasonFR)
				}
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, bad := range []registry.CPQARule{
		{AtRisk: true},                      // no code
		{UnsatisfactoryOSARs: 2, Code: "c"}, // no window
		{WindowMonths: 12, Code: "c"},       // nothing can meet it
		{AtRisk: true, UnsatisfactoryOSARs: -1, WindowMonths: 1, Code: "c"},
	} {
		p, _ := registry.DefaultProgram(registry.ProgramCOR)
		p.CPQA = bad
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "cp_qa") {
			t.Errorf("%+v: got %v, want an error at body.cp_qa", bad, err)
		}
	}
}
