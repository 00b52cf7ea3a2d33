package openapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestEquivalencyBacksOneCertificateWhileInForce: a certificate on basis
// iso_equivalency rests on an equivalency in force on its issue date
// (status active, valid_from..valid_to), and one equivalency issues one
// certificate (as one audit does), unless the one on it is superseded.
func TestEquivalencyBacksOneCertificateWhileInForce(t *testing.T) {
	f := newFixture(t)
	eqv := func(num, from, to, status string) string {
		return fmt.Sprintf(`{"employer_bn":"812345676","standard":"ISO 45001:2018","external_number":"%s","certification_body":"BSI","accreditation_body":"UKAS","iaf_accredited":true,"valid_from":"%s","valid_to":"%s","scope_aligned":true,"decision":"accepted","status":"%s"}`, num, from, to, status)
	}
	cert := func(cp, num, on, sector, ref string) string {
		return fmt.Sprintf(`{"issuer":"%s","number":"%s","program":"COR","employer_bn":"812345676","issued_on":"%s","sector":"%s","basis":"iso_equivalency","basis_ref":"%s"}`, cp, num, on, sector, ref)
	}
	for _, q := range []string{eqv("ISO-77", "2023-01-01", "2024-01-01", "withdrawn"), eqv("ISO-78", "2023-01-01", "2024-01-01", "active"),
		eqv("ISO-79", "2026-01-01", "2029-01-01", "active")} {
		if code, _, b := f.do(t, "POST", "/v1/equivalencies", "admin", q); code != 201 {
			t.Fatalf("equivalency: %d %.300s", code, b)
		}
	}
	steps := []struct {
		name, who, method, path, body string
		want                          int
		loc                           string
	}{
		{"withdrawn", "acsa", "POST", "/v1/certificates", cert("ACSA", "EQ1", "2026-11-20", "construction", "EQ-812345676-ISO-77"), 422, "body.basis_ref"},
		{"expired (valid_to passed)", "acsa", "POST", "/v1/certificates", cert("ACSA", "EQ2", "2026-11-20", "construction", "EQ-812345676-ISO-78"), 422, "body.basis_ref"},
		{"in force", "acsa", "POST", "/v1/certificates", cert("ACSA", "EQ3", "2026-11-20", "construction", "EQ-812345676-ISO-79"), 201, ""},
		{"a second on the same equivalency", "esc", "POST", "/v1/certificates", cert("ESC", "EQ4", "2026-11-21", "energy", "EQ-812345676-ISO-79"), 422, "body.basis_ref"},
		{"its own second one", "acsa", "POST", "/v1/certificates", cert("ACSA", "EQ5", "2026-11-21", "construction", "EQ-812345676-ISO-79"), 422, "body.basis_ref"},
		{"suspended", "admin", "PATCH", "/v1/equivalencies/EQ-812345676-ISO-79", `{"action":"suspend","reason":"certification body suspended it","on":"2026-11-22"}`, 200, ""},
		{"superseded frees it, but it is suspended", "acsa", "PATCH", "/v1/certificates/ACSA-EQ3", `{"action":"supersede","reason":"reissued","superseded_by":"ACSA-20250417"}`, 200, ""},
		{"suspended on the issue date", "acsa", "POST", "/v1/certificates", cert("ACSA", "EQ6", "2026-11-23", "construction", "EQ-812345676-ISO-79"), 422, "body.basis_ref"},
		{"superseded frees it (issued while it was in force)", "acsa", "POST", "/v1/certificates", cert("ACSA", "EQ7", "2026-11-21", "construction", "EQ-812345676-ISO-79"), 201, ""},
	}
	for _, s := range steps {
		code, m := call(t, s.method, f.srv.URL+s.path, f.tok[s.who], s.body)
		if code != s.want || s.loc != "" && problemLocation(m) != s.loc {
			t.Errorf("%s: got %d at %q, want %d at %q: %v", s.name, code, problemLocation(m), s.want, s.loc, m)
		}
	}
}

// TestEquivalencyCORRefusedByTheProvincesRulesInFrench: a COR on an
// equivalency Alberta's own rules refuse (no accreditation body: not a
// designated body) is refused at body.basis_ref with the recognition
// engine's reason, in English and, asked in French, in French.
func TestEquivalencyCORRefusedByTheProvincesRulesInFrench(t *testing.T) {
	f := newFixture(t)
	q := `{"employer_bn":"812345676","standard":"ISO 45001:2018","external_number":"ISO-80","certification_body":"BSI","iaf_accredited":true,"valid_from":"2026-01-01","valid_to":"2029-01-01","scope_aligned":true,"decision":"accepted","status":"active"}`
	if code, _, b := f.do(t, "POST", "/v1/equivalencies", "admin", q); code != 201 {
		t.Fatalf("equivalency: %d %.300s", code, b)
	}
	cert := `{"issuer":"ACSA","number":"EQ80","program":"COR","employer_bn":"812345676","issued_on":"2026-11-20","sector":"construction","basis":"iso_equivalency","basis_ref":"EQ-812345676-ISO-80"}`
	en, fr := f.sameProblemInFrench(t, "POST", "/v1/certificates", "acsa", "application/json", cert)
	if en.Status != 422 || len(en.Errors) != 1 || en.Errors[0].Location != "body.basis_ref" ||
		!strings.Contains(en.Errors[0].Message, "(certification_body_not_designated): Alberta requires a designated, accredited certification body") {
		t.Fatalf("English: %+v", en)
	}
	if m := fr.Errors[0].Message; !strings.Contains(m, "ne peut fonder un COR") || !strings.Contains(m, "exige un organisme de certification désigné et accrédité") {
		t.Errorf("French: %q", m)
	}
}
