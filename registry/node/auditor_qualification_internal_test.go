package node

import (
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestQualificationAuditBeforeCertification: a certified credential that
// follows a candidate's course of the same CP needs an audit within the
// qualification window of the course, on or before the new credential's
// date; one of another CP, or a renewal of an earlier certified
// credential of the CP (any kind), is not judged by the course.
func TestQualificationAuditBeforeCertification(t *testing.T) {
	d := registry.MustDate
	rules := registry.AuditorRules{PeriodMonths: 36, AuditsToRecertify: 2, QualificationDays: 90}
	course := registry.Credential{CP: "ACSA", Kind: registry.CredCandidate, CertifiedOn: d("2026-01-15")}
	ext := func(cp, on string) registry.Credential {
		return registry.Credential{CP: cp, Kind: registry.CredExternal, CertifiedOn: d(on)}
	}
	for _, tc := range []struct {
		name  string
		old   []registry.Credential
		audit []registry.Date
		add   registry.Credential
		field string // "" when accepted
		rule  string
	}{
		{"audit on the 90th day", []registry.Credential{course}, []registry.Date{d("2026-04-15")}, ext("ACSA", "2026-06-01"), "", ""},
		{"audit on the 91st day", []registry.Credential{course}, []registry.Date{d("2026-04-16")}, ext("ACSA", "2026-06-01"), "body.credentials[1]", "auditor.qualification"},
		{"no audit", []registry.Credential{course}, nil, ext("ACSA", "2026-06-01"), "body.credentials[1]", "auditor.qualification"},
		{"audit after the certification", []registry.Credential{course}, []registry.Date{d("2026-03-01")}, ext("ACSA", "2026-02-20"), "body.credentials[1]", "auditor.qualification"},
		{"another CP's credential", []registry.Credential{course}, nil, ext("BCCSA", "2026-06-01"), "", ""},
		{"a renewal, of another kind", []registry.Credential{course, {CP: "ACSA", Kind: registry.CredInternal, CertifiedOn: d("2026-02-01")}}, nil,
			ext("ACSA", "2026-06-01"), "body.credentials[2]", "auditor.recertification"},
	} {
		v := &AuditorView{Auditor: registry.Auditor{Credentials: tc.old}, dates: tc.audit}
		a := registry.Auditor{Credentials: append(tc.old[:len(tc.old):len(tc.old)], tc.add)}
		err := checkRecertification(rules, v, a)
		var ve *registry.ValidationError
		got := ""
		if err != nil {
			if !errors.As(err, &ve) {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got = ve.Field
		}
		if got != tc.field || err != nil && !strings.Contains(err.Error(), tc.rule) {
			t.Errorf("%s: refused at %q (%v), want %q (%s)", tc.name, got, err, tc.field, tc.rule)
		}
	}
}
