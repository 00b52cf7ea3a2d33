package registry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones must resolve wherever the tests run

	"github.com/corfed/corfed/registry"
)

const rulesDir = "../testdata/rules"

func ruleFiles(t testing.TB, sub string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(rulesDir, sub, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("rule files in %s: %v %v", sub, files, err)
	}
	return files
}

func TestZones(t *testing.T) {
	for _, j := range registry.Jurisdictions {
		z := j.Zone()
		if z == "" {
			t.Errorf("%s has no zone", j)
			continue
		}
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: zone %q: %v", j, z, err)
		}
	}
	if len(registry.Zones) != len(registry.Jurisdictions) {
		t.Errorf("%d zones for %d jurisdictions", len(registry.Zones), len(registry.Jurisdictions))
	}
	if z := registry.Jurisdiction("CA-XX").Zone(); z != "" {
		t.Errorf("CA-XX zone %q, want none", z)
	}
	// The civil date differs across zones at the same instant.
	inst := time.Date(2026, 1, 15, 6, 30, 0, 0, time.UTC)
	for j, want := range map[registry.Jurisdiction]string{"CA-BC": "2026-01-14", "CA-NL": "2026-01-15", "CA-SK": "2026-01-15", "CA-AB": "2026-01-14"} {
		loc, _ := time.LoadLocation(j.Zone())
		if got := registry.DateOf(inst.In(loc)).String(); got != want {
			t.Errorf("%s at %s: date %s, want %s", j, inst, got, want)
		}
	}
}

func TestParseRuleFiles(t *testing.T) {
	seen := map[registry.Jurisdiction]bool{}
	for _, p := range ruleFiles(t, "hosts") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := registry.ParseHostRulesFile(b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		j := rules[0].Jurisdiction
		if base := strings.TrimSuffix(filepath.Base(p), ".json"); base != string(j) {
			t.Errorf("%s holds rules of %s", p, j)
		}
		seen[j] = true
	}
	for _, j := range registry.Jurisdictions {
		if !seen[j] {
			t.Errorf("no host rules file for %s", j)
		}
	}
	for _, p := range ruleFiles(t, "agreements") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		terms, iss, err := registry.ParseAgreementFile(b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if !terms.HasParty(iss) {
			t.Errorf("%s: issuer %s not a party", p, iss)
		}
		// The signing payload is canonical: it decodes back to the same
		// terms and re-encodes to the same bytes.
		payload, err := terms.SigningPayload()
		if err != nil {
			t.Fatal(err)
		}
		var back registry.AgreementTerms
		if err := json.Unmarshal(payload, &back); err != nil {
			t.Fatal(err)
		}
		again, _ := back.SigningPayload()
		if !bytes.Equal(payload, again) {
			t.Errorf("%s: signing payload not stable:\n%s\n%s", p, payload, again)
		}
		if bytes.Contains(payload, []byte("\n")) || bytes.Contains(payload, []byte(`"effective_to":""`)) {
			t.Errorf("%s: payload not canonical: %s", p, payload)
		}
	}
}

// validTerms returns small valid agreement terms.
func validTerms() registry.AgreementTerms {
	return registry.AgreementTerms{
		ID: "a-1", Title: "A", Parties: []registry.Jurisdiction{"CA-AB", "CA-BC"}, Sector: "construction",
		IndustryCodes: []string{"23"}, Programs: []string{"COR"},
		Hosts: []registry.HostTerms{
			{Host: "CA-AB", CapDays: 180, ExcludedPrograms: []string{"SECOR"}},
			{Host: "CA-BC", CapMonths: 6, Uses: []string{"bid"}, Conditions: []string{registry.CondBidUseOnly, registry.CondNoActiveHostWCBAccount}},
		},
		EffectiveFrom: registry.MustDate("2021-01-01"), Sources: []string{"[22]"},
	}
}

func validHostRules() registry.HostRules {
	return registry.HostRules{
		ID: "CA-AB-1", Jurisdiction: "CA-AB", EffectiveFrom: registry.MustDate("2010-01-01"), Programs: []string{"COR", "SECOR"},
		Equivalency: []registry.EquivalencyRule{
			{Accepted: true, Standards: []string{registry.StdISO45001}, DesignatedBodyRequired: true, ScopeMustCoverOperations: true, TermMonths: 36},
			{Sector: "energy", IndustryCodes: []string{"211"}, Accepted: true, Standards: []string{registry.StdISO45001}, TermMonths: 12,
				Conditions: []string{registry.CondYearlyReapplication}},
		},
		Sources: []string{"[2]"},
	}
}

func TestAgreementTermsValidate(t *testing.T) {
	if err := validTerms().Validate(); err != nil {
		t.Fatalf("valid terms: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*registry.AgreementTerms)
		field string
	}{
		{"id", func(a *registry.AgreementTerms) { a.ID = "bad id" }, "terms.id"},
		{"title", func(a *registry.AgreementTerms) { a.Title = " " }, "terms.title"},
		{"one party", func(a *registry.AgreementTerms) { a.Parties = a.Parties[:1]; a.Hosts = a.Hosts[:1] }, "terms.parties"},
		{"bad party", func(a *registry.AgreementTerms) { a.Parties[1] = "CA-XX" }, "terms.parties[1]"},
		{"party twice", func(a *registry.AgreementTerms) { a.Parties = append(a.Parties, "CA-AB") }, "terms.parties[2]"},
		{"sector", func(a *registry.AgreementTerms) { a.Sector = "Construction!" }, "terms.sector"},
		{"industry code", func(a *registry.AgreementTerms) { a.IndustryCodes = []string{"23", "x"} }, "terms.industry_codes[1]"},
		{"no programs", func(a *registry.AgreementTerms) { a.Programs = nil }, "terms.programs"},
		{"bad program", func(a *registry.AgreementTerms) { a.Programs = []string{"COR", "cor"} }, "terms.programs[1]"},
		{"host not party", func(a *registry.AgreementTerms) { a.Hosts[1].Host = "CA-SK" }, "terms.hosts[1].host"},
		{"host twice", func(a *registry.AgreementTerms) { a.Hosts[1].Host = "CA-AB" }, "terms.hosts[1].host"},
		{"party without terms", func(a *registry.AgreementTerms) { a.Hosts = a.Hosts[:1] }, "terms.parties[1]"},
		{"cap months", func(a *registry.AgreementTerms) { a.Hosts[0].CapMonths = -1 }, "terms.hosts[0].cap_months"},
		{"cap days", func(a *registry.AgreementTerms) { a.Hosts[0].CapDays = 99999 }, "terms.hosts[0].cap_days"},
		{"use", func(a *registry.AgreementTerms) { a.Hosts[0].Uses = []string{"build"} }, "terms.hosts[0].uses[0]"},
		{"use twice", func(a *registry.AgreementTerms) { a.Hosts[0].Uses = []string{"bid", "bid"} }, "terms.hosts[0].uses[1]"},
		{"condition", func(a *registry.AgreementTerms) { a.Hosts[1].Conditions = []string{"bid_use_only", "be_nice"} }, "terms.hosts[1].conditions[1]"},
		{"condition twice", func(a *registry.AgreementTerms) {
			a.Hosts[1].Conditions = []string{"bid_use_only", "bid_use_only"}
		}, "terms.hosts[1].conditions[1]"},
		{"bid only with work", func(a *registry.AgreementTerms) { a.Hosts[1].Uses = []string{"bid", "work"} }, "terms.hosts[1].uses"},
		{"excluded program", func(a *registry.AgreementTerms) { a.Hosts[0].ExcludedPrograms = []string{"S"} }, "terms.hosts[0].excluded_programs[0]"},
		{"host source", func(a *registry.AgreementTerms) { a.Hosts[0].Sources = []string{""} }, "terms.hosts[0].sources[0]"},
		{"no effective_from", func(a *registry.AgreementTerms) { a.EffectiveFrom = registry.Date{} }, "terms.effective_from"},
		{"ends before start", func(a *registry.AgreementTerms) { a.EffectiveTo = registry.MustDate("2020-12-31") }, "terms.effective_to"},
		{"no sources", func(a *registry.AgreementTerms) { a.Sources = nil }, "terms.sources"},
		{"blank assumption", func(a *registry.AgreementTerms) { a.Assumptions = []string{"ok", " "} }, "terms.assumptions[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := validTerms()
			tc.edit(&a)
			checkField(t, a.Validate(), tc.field)
		})
	}
}

func TestHostRulesValidate(t *testing.T) {
	if err := validHostRules().Validate(); err != nil {
		t.Fatalf("valid rules: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*registry.HostRules)
		field string
	}{
		{"id", func(r *registry.HostRules) { r.ID = "" }, "id"},
		{"jurisdiction", func(r *registry.HostRules) { r.Jurisdiction = "AB" }, "jurisdiction"},
		{"effective_from", func(r *registry.HostRules) { r.EffectiveFrom = registry.Date{} }, "effective_from"},
		{"effective_to", func(r *registry.HostRules) { r.EffectiveTo = registry.MustDate("2009-12-31") }, "effective_to"},
		{"program", func(r *registry.HostRules) { r.Programs = []string{"COR", "COR"} }, "programs[1]"},
		{"sector", func(r *registry.HostRules) { r.Equivalency[1].Sector = "E" }, "equivalency[1].sector"},
		{"codes without sector", func(r *registry.HostRules) { r.Equivalency[0].IndustryCodes = []string{"23"} }, "equivalency[0].industry_codes"},
		{"bad code", func(r *registry.HostRules) { r.Equivalency[1].IndustryCodes = []string{"2a"} }, "equivalency[1].industry_codes[0]"},
		{"refusing with requirements", func(r *registry.HostRules) { r.Equivalency[0].Accepted = false }, "equivalency[0].accepted"},
		{"no standards", func(r *registry.HostRules) { r.Equivalency[0].Standards = nil }, "equivalency[0].standards"},
		{"unknown standard", func(r *registry.HostRules) { r.Equivalency[0].Standards = []string{"ISO 9001"} }, "equivalency[0].standards[0]"},
		{"bodies without requirement", func(r *registry.HostRules) { r.Equivalency[1].DesignatedBodies = []string{"X"} }, "equivalency[1].designated_bodies"},
		{"term", func(r *registry.HostRules) { r.Equivalency[0].TermMonths = 121 }, "equivalency[0].term_months"},
		{"condition", func(r *registry.HostRules) { r.Equivalency[0].Conditions = []string{"bid_use_only"} }, "equivalency[0].conditions[0]"},
		{"yearly needs short term", func(r *registry.HostRules) { r.Equivalency[1].TermMonths = 36 }, "equivalency[1].term_months"},
		{"two general rules", func(r *registry.HostRules) { r.Equivalency[1].Sector = ""; r.Equivalency[1].IndustryCodes = nil }, "equivalency[1].sector"},
		{"no sources", func(r *registry.HostRules) { r.Sources = nil }, "sources"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validHostRules()
			r.Equivalency = append([]registry.EquivalencyRule(nil), r.Equivalency...)
			tc.edit(&r)
			checkField(t, r.Validate(), tc.field)
		})
	}
}

func checkField(t *testing.T, err error, field string) {
	t.Helper()
	var ve *registry.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a ValidationError on %s", err, field)
	}
	if ve.Field != field {
		t.Errorf("field %q (%v), want %q", ve.Field, err, field)
	}
	if !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("%v does not wrap ErrInvalid", err)
	}
}

// Decide validates rules on every call: valid rules must cost no allocation.
func TestValidateDoesNotAllocate(t *testing.T) {
	a, r := validTerms(), validHostRules()
	if n := testing.AllocsPerRun(100, func() {
		if a.Validate() != nil || r.Validate() != nil {
			t.Fatal("invalid")
		}
	}); n != 0 {
		t.Errorf("%v allocations per Validate, want 0", n)
	}
}

func TestParseStrict(t *testing.T) {
	host := `{"issuer":"CA-AB","rules":[{"id":"r1","jurisdiction":"CA-AB","effective_from":"2010-01-01","effective_to":"2019-12-31","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[],"sources":["s"]},` +
		`{"id":"r2","jurisdiction":"CA-AB","effective_from":"2020-01-01","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[],"sources":["s"]}]}`
	if rules, err := registry.ParseHostRulesFile([]byte(host)); err != nil || len(rules) != 2 {
		t.Fatalf("valid file: %v %v", rules, err)
	}
	bad := map[string]string{
		"unknown field":    strings.Replace(host, `"programs"`, `"programmes":[],"programs"`, 1),
		"trailing data":    host + `{}`,
		"not json":         `{"issuer":`,
		"bad date":         strings.Replace(host, "2020-01-01", "2020-02-30", 1),
		"issuer":           strings.Replace(host, `"issuer":"CA-AB"`, `"issuer":"CA-XX"`, 1),
		"other's rules":    strings.Replace(host, `"issuer":"CA-AB"`, `"issuer":"CA-BC"`, 1),
		"overlap":          strings.Replace(host, "2019-12-31", "2020-01-01", 1),
		"open then later":  strings.Replace(host, `"effective_to":"2019-12-31",`, ``, 1),
		"same id":          strings.Replace(host, `"id":"r2"`, `"id":"r1"`, 1),
		"no rules":         `{"issuer":"CA-AB","rules":[]}`,
		"invalid version":  strings.Replace(host, `"sources":["s"]}]`, `"sources":[]}]`, 1),
		"rules not object": `{"issuer":"CA-AB","rules":[1]}`,
	}
	for name, in := range bad {
		if _, err := registry.ParseHostRulesFile([]byte(in)); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	_, err := registry.ParseHostRulesFile([]byte(strings.Replace(host, `"sources":["s"]}]`, `"sources":[]}]`, 1)))
	checkField(t, err, "rules[1].sources")

	b, _ := json.Marshal(registry.AgreementFile{Issuer: "CA-AB", Terms: validTerms()})
	if _, iss, err := registry.ParseAgreementFile(b); err != nil || iss != "CA-AB" {
		t.Fatalf("valid agreement: %v %v", iss, err)
	}
	for name, in := range map[string]string{
		"unknown field": strings.Replace(string(b), `"title"`, `"name":"x","title"`, 1),
		"trailing":      string(b) + " []",
		"not a party":   strings.Replace(string(b), `"issuer":"CA-AB"`, `"issuer":"CA-ON"`, 1),
		"bad issuer":    strings.Replace(string(b), `"issuer":"CA-AB"`, `"issuer":"AB"`, 1),
		"invalid terms": strings.Replace(string(b), `"sector":"construction"`, `"sector":""`, 1),
	} {
		if _, _, err := registry.ParseAgreementFile([]byte(in)); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

// FuzzParseRules feeds both rule file parsers arbitrary bytes: they never
// panic, and what they accept validates and survives a round trip
// unchanged (the same rules written again; the same terms to sign).
func FuzzParseRules(f *testing.F) {
	for _, sub := range []string{"hosts", "agreements"} {
		for _, p := range ruleFiles(f, sub) {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"issuer":"CA-AB","rules":[]}`))
	f.Add([]byte(`{"issuer":"CA-AB","terms":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rules, err := registry.ParseHostRulesFile(b); err == nil {
			for i, r := range rules {
				if err := r.Validate(); err != nil {
					t.Fatalf("accepted rules[%d] fail Validate: %v", i, err)
				}
			}
			again, _ := json.Marshal(registry.HostRulesFile{Issuer: rules[0].Jurisdiction, Rules: rules})
			rules2, err := registry.ParseHostRulesFile(again)
			if err != nil {
				t.Fatalf("round trip: %v\n%s", err, again)
			}
			if third, _ := json.Marshal(registry.HostRulesFile{Issuer: rules2[0].Jurisdiction, Rules: rules2}); !bytes.Equal(third, again) {
				t.Fatalf("round trip changed the rules:\n%s\n%s", again, third)
			}
		} else if !errors.Is(err, registry.ErrInvalid) {
			t.Fatalf("host rules error %v does not wrap ErrInvalid", err)
		}
		if terms, iss, err := registry.ParseAgreementFile(b); err == nil {
			if err := terms.Validate(); err != nil {
				t.Fatalf("accepted terms fail Validate: %v", err)
			}
			payload, err := terms.SigningPayload()
			if err != nil {
				t.Fatal(err)
			}
			again, _ := json.Marshal(registry.AgreementFile{Issuer: iss, Terms: terms})
			terms2, iss2, err := registry.ParseAgreementFile(again)
			if err != nil {
				t.Fatalf("round trip: %v\n%s", err, again)
			}
			// The parties sign the same terms, whichever copy they read.
			if p2, err := terms2.SigningPayload(); err != nil || iss2 != iss || !bytes.Equal(p2, payload) {
				t.Fatalf("round trip changed the terms: %v\n%s\n%s", err, payload, p2)
			}
		} else if !errors.Is(err, registry.ErrInvalid) {
			t.Fatalf("agreement error %v does not wrap ErrInvalid", err)
		}
	})
}
