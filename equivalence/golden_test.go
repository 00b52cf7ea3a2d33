package equivalence_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

var (
	update = flag.Bool("update", false, "rewrite the want parts of testdata/equivalence/cases/*.json from the decisions")
	show   = flag.Bool("show", false, "log every golden decision in full (with -v)")
)

const casesDir = "../testdata/equivalence"

// caseFile is one file of golden cases (testdata/equivalence/README.md).
type caseFile struct {
	Comment  string      `json:"comment,omitempty"`
	Fixtures *fixtures   `json:"fixtures,omitempty"`
	Cases    []*goldCase `json:"cases"`
}

// fixtures are named records that cases refer to by name.
type fixtures struct {
	Certificates  map[string]json.RawMessage `json:"certificates,omitempty"`
	Equivalencies map[string]json.RawMessage `json:"equivalencies,omitempty"`
	Employers     map[string]json.RawMessage `json:"employers,omitempty"`
}

type goldCase struct {
	Name     string   `json:"name"`
	Note     string   `json:"note,omitempty"`
	Question question `json:"question"`
	// Each entry is a fixture name (a JSON string) or an inline record.
	Certificates  []json.RawMessage `json:"certificates,omitempty"`
	Equivalencies []json.RawMessage `json:"equivalencies,omitempty"`
	Employers     []json.RawMessage `json:"employers,omitempty"`
	// Agreements by file name; absent: every agreement in testdata/rules,
	// signed by all its parties.
	Agreements *[]agreementUse `json:"agreements,omitempty"`
	// HostRules by file name (CA-XX); absent: every host's rules.
	HostRules *[]string `json:"host_rules,omitempty"`
	// Issuers overrides the publishing node of a record, by record id
	// (certificates, equivalencies, agreements, host rules) or BN
	// (employers); by default a certificate is published by its
	// jurisdiction, an equivalency by the host, an employer by its first WCB
	// account's jurisdiction and rules as their files say.
	Issuers map[string]registry.Jurisdiction `json:"issuers,omitempty"`
	Want    want                             `json:"want"`
}

type agreementUse struct {
	Name     string                   `json:"name"`
	SignedBy *[]registry.Jurisdiction `json:"signed_by,omitempty"` // absent: every party
}

type question struct {
	BN     string                `json:"bn"`
	Host   registry.Jurisdiction `json:"host"`
	Sector string                `json:"sector,omitempty"`
	On     registry.Date         `json:"on"`
	Use    string                `json:"use"`
}

// want is the expected decision, in short: conditions not met end in "?",
// evidence is "kind:iss/id".
type want struct {
	Outcome    string        `json:"outcome"`
	Basis      string        `json:"basis,omitempty"`
	ValidFrom  registry.Date `json:"valid_from,omitzero"`
	ValidUntil registry.Date `json:"valid_until,omitzero"`
	Conditions []string      `json:"conditions,omitempty"`
	Reasons    []string      `json:"reasons"`
	Evidence   []string      `json:"evidence,omitempty"`
}

func summarize(d equivalence.Decision) want {
	w := want{Outcome: d.Outcome, Basis: d.Basis, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil}
	for _, c := range d.Conditions {
		s := c.Code
		if !c.Met {
			s += "?"
		}
		w.Conditions = append(w.Conditions, s)
	}
	for _, r := range d.Reasons {
		w.Reasons = append(w.Reasons, r.Code)
	}
	for _, e := range d.Evidence {
		w.Evidence = append(w.Evidence, refString(e))
	}
	return w
}

func refString(r registry.Ref) string { return string(r.Kind) + ":" + string(r.Iss) + "/" + r.ID }

func TestGolden(t *testing.T) {
	rs := loadRules(t)
	var shared fixtures
	readJSON(t, filepath.Join(casesDir, "fixtures.json"), &shared)
	files, err := filepath.Glob(filepath.Join(casesDir, "cases", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range files {
		var cf caseFile
		readJSON(t, p, &cf)
		fx := merge(shared, cf.Fixtures)
		names := map[string]bool{}
		for _, c := range cf.Cases {
			total++
			if names[c.Name] {
				t.Errorf("%s: case %q twice", p, c.Name)
			}
			names[c.Name] = true
			t.Run(strings.TrimSuffix(filepath.Base(p), ".json")+"/"+c.Name, func(t *testing.T) {
				q, facts := c.build(t, rs, fx)
				d := equivalence.Decide(q, facts)
				checkInvariants(t, q, facts, d)
				checkFrench(t, q, facts, d)
				if *show {
					b, _ := json.MarshalIndent(d, "", "  ")
					t.Logf("%s", b)
				}
				got := summarize(d)
				if *update {
					c.Want = got
					return
				}
				if g, w := mustJSON(t, got), mustJSON(t, c.Want); g != w {
					t.Errorf("decision:\n got %s\nwant %s\n%s", g, w, explain(d))
				}
			})
		}
		if *update {
			b, err := json.MarshalIndent(cf, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if total < 60 {
		t.Errorf("%d golden cases, want at least 60", total)
	}
}

func explain(d equivalence.Decision) string {
	var b strings.Builder
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, "  %s: %s\n", r.Code, r.Text)
	}
	for _, c := range d.Conditions {
		fmt.Fprintf(&b, "  condition %s met=%v: %s\n", c.Code, c.Met, c.Text)
	}
	return b.String()
}

func merge(a fixtures, b *fixtures) fixtures {
	out := fixtures{Certificates: map[string]json.RawMessage{}, Equivalencies: map[string]json.RawMessage{}, Employers: map[string]json.RawMessage{}}
	for _, f := range []*fixtures{&a, b} {
		if f == nil {
			continue
		}
		for k, v := range f.Certificates {
			out.Certificates[k] = v
		}
		for k, v := range f.Equivalencies {
			out.Equivalencies[k] = v
		}
		for k, v := range f.Employers {
			out.Employers[k] = v
		}
	}
	return out
}

func (c *goldCase) build(t *testing.T, rs *ruleSet, fx fixtures) (equivalence.Question, equivalence.Facts) {
	t.Helper()
	q := equivalence.Question{BN: c.Question.BN, Host: c.Question.Host, Sector: c.Question.Sector, On: c.Question.On, Use: c.Question.Use}
	var f equivalence.Facts
	seq := uint64(1000)
	for _, raw := range c.Certificates {
		var cert registry.Certificate
		resolve(t, raw, fx.Certificates, &cert)
		seq++
		iss := cert.Jurisdiction
		if j, ok := c.Issuers[cert.ID]; ok {
			iss = j
		}
		f.Certificates = append(f.Certificates, equivalence.CertificateFact{Certificate: cert,
			Ref: registry.Ref{Iss: iss, Kind: registry.KindCertificate, ID: cert.ID, Ver: 1, Seq: seq}})
	}
	for _, raw := range c.Equivalencies {
		var e registry.Equivalency
		resolve(t, raw, fx.Equivalencies, &e)
		seq++
		iss := q.Host
		if j, ok := c.Issuers[e.ID]; ok {
			iss = j
		}
		f.Equivalencies = append(f.Equivalencies, equivalence.EquivalencyFact{Equivalency: e,
			Ref: registry.Ref{Iss: iss, Kind: registry.KindEquivalency, ID: e.ID, Ver: 1, Seq: seq}})
	}
	for _, raw := range c.Employers {
		var e registry.Employer
		resolve(t, raw, fx.Employers, &e)
		seq++
		var iss registry.Jurisdiction
		if len(e.WCBAccounts) > 0 {
			iss = e.WCBAccounts[0].Jurisdiction
		}
		if j, ok := c.Issuers[e.BN]; ok {
			iss = j
		}
		f.Employers = append(f.Employers, equivalence.EmployerFact{Employer: e,
			Ref: registry.Ref{Iss: iss, Kind: registry.KindEmployer, ID: e.BN, Ver: 1, Seq: seq}})
	}
	if c.Agreements == nil {
		f.Agreements = rs.allAgreements()
	} else {
		for _, u := range *c.Agreements {
			a, ok := rs.agreements[u.Name]
			if !ok {
				t.Fatalf("no agreement file %q", u.Name)
			}
			if u.SignedBy != nil {
				a.SignedBy = slices.Clone(*u.SignedBy)
			}
			f.Agreements = append(f.Agreements, a)
		}
	}
	if c.HostRules == nil {
		f.HostRules = rs.allHostRules()
	} else {
		for _, n := range *c.HostRules {
			h, ok := rs.hosts[n]
			if !ok {
				t.Fatalf("no host rules file %q", n)
			}
			f.HostRules = append(f.HostRules, h...)
		}
	}
	for i := range f.Agreements {
		if j, ok := c.Issuers[f.Agreements[i].Agreement.Terms.ID]; ok {
			f.Agreements[i].Ref.Iss = j
		}
	}
	for i := range f.HostRules {
		if j, ok := c.Issuers[f.HostRules[i].Rules.ID]; ok {
			f.HostRules[i].Ref.Iss = j
		}
	}
	return q, f
}

// resolve decodes raw, a fixture name or an inline record, into v.
func resolve(t *testing.T, raw json.RawMessage, named map[string]json.RawMessage, v any) {
	t.Helper()
	var name string
	if json.Unmarshal(raw, &name) == nil {
		r, ok := named[name]
		if !ok {
			t.Fatalf("no fixture %q", name)
		}
		raw = r
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("fixture %s: %v", raw, err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
