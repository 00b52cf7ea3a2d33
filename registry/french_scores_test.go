package registry_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestFrenchScoresUseADecimalComma: a failed audit's French reason
// is read by people in Quebec, New Brunswick and elsewhere; French writes
// 49,5 %, not 49.5 % (Office québécois de la langue française; the
// Translation Bureau's guide). The English reason keeps 49.5%.
func TestFrenchScoresUseADecimalComma(t *testing.T) {
	p, _ := registry.DefaultProgram("COR")
	a := registry.Audit{EmployerBN: "812345676", CP: "ACSA", Type: registry.AuditCertification, Program: "COR", Auditors: []string{"AUD-0001"},
		OnsiteStart: registry.MustDate("2026-03-02"), OnsiteEnd: registry.MustDate("2026-03-06"), SubmittedOn: registry.MustDate("2026-03-20"),
		DocMonths: 14, Overall: 79.5, Elements: []registry.ElementScore{{Element: "inspections", Score: 49.5}}}
	_, reasons, _, err := p.Evaluate(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reasons {
		if strings.Contains(r.DetailFR, ".5 %") {
			t.Errorf("French reason %q writes a decimal point", r.DetailFR)
		}
	}
}
