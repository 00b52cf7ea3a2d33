package equivalence_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// checkInvariants checks what every decision must satisfy, whatever the
// facts: reasons never empty and known; a recognition has a basis,
// evidence, ValidFrom = On <= ValidUntil, and is never valid past the home
// certificate's expiry, the host's cap, the agreement's end or the
// equivalency's validity; a refusal carries no basis, dates or evidence.
func checkInvariants(t tb, q equivalence.Question, f equivalence.Facts, d equivalence.Decision) {
	t.Helper()
	if len(d.Reasons) == 0 {
		t.Fatalf("no reasons: %+v", d)
	}
	for _, r := range d.Reasons {
		if !slices.Contains(equivalence.ReasonCodes, r.Code) {
			t.Errorf("unknown reason code %q", r.Code)
		}
		if r.Text == "" {
			t.Errorf("reason %s has no text", r.Code)
		}
	}
	switch d.Outcome {
	case equivalence.NotRecognized:
		if d.Basis != "" || !d.ValidFrom.IsZero() || !d.ValidUntil.IsZero() || len(d.Evidence) > 0 || len(d.Conditions) > 0 {
			t.Errorf("not recognized but basis %q, %s..%s, evidence %v, conditions %v", d.Basis, d.ValidFrom, d.ValidUntil, d.Evidence, d.Conditions)
		}
		return
	case equivalence.Recognized, equivalence.Conditional:
	default:
		t.Fatalf("outcome %q", d.Outcome)
	}
	if d.Basis == "" || len(d.Evidence) == 0 {
		t.Fatalf("%s without basis or evidence: %+v", d.Outcome, d)
	}
	if d.ValidFrom != q.On {
		t.Errorf("valid_from %s, want the question's date %s", d.ValidFrom, q.On)
	}
	if d.ValidUntil.Before(d.ValidFrom) {
		t.Errorf("valid_until %s before valid_from %s", d.ValidUntil, d.ValidFrom)
	}
	unmet := 0
	for _, c := range d.Conditions {
		if !c.Met {
			unmet++
		}
		if c.Text == "" {
			t.Errorf("condition %s has no text", c.Code)
		}
	}
	if (d.Outcome == equivalence.Conditional) != (unmet > 0) {
		t.Errorf("outcome %s with %d unmet conditions", d.Outcome, unmet)
	}
	switch d.Basis {
	case equivalence.BasisHostCOR, equivalence.BasisAgreement:
		c := findCert(t, f, d.Evidence[0])
		if c.EmployerBN != q.BN {
			t.Errorf("evidence certificate of BN %s", c.EmployerBN)
		}
		if d.ValidUntil.After(c.ExpiresOn) {
			t.Errorf("valid_until %s past the certificate's expiry %s", d.ValidUntil, c.ExpiresOn)
		}
		for _, day := range []registry.Date{q.On, d.ValidUntil} {
			if st := equivalence.CertificateStatusOn(c, day); st != registry.StatusActive {
				t.Errorf("certificate %s on %s, within the validity", st, day)
			}
		}
		if d.Basis == equivalence.BasisHostCOR {
			if c.Jurisdiction != q.Host {
				t.Errorf("host_cor from %s for host %s", c.Jurisdiction, q.Host)
			}
			break
		}
		a := findAgreement(t, f, d.Evidence[1])
		terms := a.Agreement.Terms
		ht, ok := terms.Host(q.Host)
		if !ok {
			t.Fatalf("agreement %s has no terms for %s", terms.ID, q.Host)
		}
		if ht.CapMonths > 0 && d.ValidUntil.After(q.On.AddMonths(ht.CapMonths)) {
			t.Errorf("valid_until %s past the %d-month cap from %s", d.ValidUntil, ht.CapMonths, q.On)
		}
		if ht.CapDays > 0 && d.ValidUntil.After(q.On.AddDays(ht.CapDays)) {
			t.Errorf("valid_until %s past the %d-day cap from %s", d.ValidUntil, ht.CapDays, q.On)
		}
		// A revision that carries the host's terms on (cited after the
		// agreement, naming it in supersedes) moves the end to its own.
		end := terms.EffectiveTo
		prev := terms.ID
		for _, ref := range d.Evidence[2:] {
			if ref.Kind != registry.KindAgreement {
				continue
			}
			rev := findAgreement(t, f, ref).Agreement.Terms
			if rev.Supersedes != prev || rev.EffectiveFrom != end.AddDays(1) {
				t.Errorf("agreement %s cited as carrying %s on, but it does not follow it without a break", rev.ID, prev)
			}
			end, prev = rev.EffectiveTo, rev.ID
		}
		if !end.IsZero() && d.ValidUntil.After(end) {
			t.Errorf("valid_until %s past the agreement's end %s", d.ValidUntil, end)
		}
		for _, p := range terms.Parties {
			if !slices.Contains(a.SignedBy, p) {
				t.Errorf("agreement %s used without %s's signature", terms.ID, p)
			}
		}
		if !terms.InForce(q.On) {
			t.Errorf("agreement %s not in force on %s", terms.ID, q.On)
		}
		if c.Jurisdiction == q.Host || !terms.HasParty(c.Jurisdiction) || !terms.HasParty(q.Host) {
			t.Errorf("agreement %s used for %s in %s", terms.ID, c.Jurisdiction, q.Host)
		}
	case equivalence.BasisISO:
		e := findEqv(t, f, d.Evidence[0])
		if iss := d.Evidence[0].Iss; iss != q.Host && !slices.Contains(e.Provinces, iss) {
			t.Errorf("equivalency published by %s (provinces %v) used in %s", iss, e.Provinces, q.Host)
		}
		if d.ValidUntil.After(e.ValidTo) {
			t.Errorf("valid_until %s past the equivalency's valid_to %s", d.ValidUntil, e.ValidTo)
		}
		if e.Decision != registry.DecisionAccepted {
			t.Errorf("equivalency with decision %q used", e.Decision)
		}
		r := findRules(t, f, d.Evidence[1])
		if r.Jurisdiction != q.Host || !r.InForce(q.On) {
			t.Errorf("rules %s of %s (in force %s..%s) used for %s on %s", r.ID, r.Jurisdiction, r.EffectiveFrom, r.EffectiveTo, q.Host, q.On)
		}
		if !r.EffectiveTo.IsZero() && d.ValidUntil.After(r.EffectiveTo) {
			t.Errorf("valid_until %s past the rules' end %s", d.ValidUntil, r.EffectiveTo)
		}
		longest := 0
		for _, rule := range r.Equivalency {
			if rule.TermMonths == 0 {
				longest = -1
				break
			}
			longest = max(longest, rule.TermMonths)
		}
		if longest > 0 && d.ValidUntil.After(q.On.AddMonths(longest)) {
			t.Errorf("valid_until %s past the longest term (%d months) from %s", d.ValidUntil, longest, q.On)
		}
	default:
		t.Errorf("basis %q", d.Basis)
	}
}

func findCert(t tb, f equivalence.Facts, r registry.Ref) *registry.Certificate {
	t.Helper()
	for i := range f.Certificates {
		if f.Certificates[i].Ref == r {
			return &f.Certificates[i].Certificate
		}
	}
	t.Fatalf("evidence %+v is no certificate fact", r)
	return nil
}

func findAgreement(t tb, f equivalence.Facts, r registry.Ref) *equivalence.AgreementFact {
	t.Helper()
	for i := range f.Agreements {
		if f.Agreements[i].Ref == r {
			return &f.Agreements[i]
		}
	}
	t.Fatalf("evidence %+v is no agreement fact", r)
	return nil
}

func findRules(t tb, f equivalence.Facts, r registry.Ref) *registry.HostRules {
	t.Helper()
	for i := range f.HostRules {
		if f.HostRules[i].Ref == r {
			return &f.HostRules[i].Rules
		}
	}
	t.Fatalf("evidence %+v is no host rules fact", r)
	return nil
}

func findEqv(t tb, f equivalence.Facts, r registry.Ref) *registry.Equivalency {
	t.Helper()
	for i := range f.Equivalencies {
		if f.Equivalencies[i].Ref == r {
			return &f.Equivalencies[i].Equivalency
		}
	}
	t.Fatalf("evidence %+v is no equivalency fact", r)
	return nil
}

// tb is the part of testing.TB that checkInvariants uses.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// collector is a tb that records failures; Fatalf stops the check through
// a panic that check recovers.
type collector struct{ errs []string }

type stop struct{}

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}
func (c *collector) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	panic(stop{})
}

// check runs fn with a collector and returns the failures it recorded.
func check(fn func(t tb)) (errs []string) {
	c := &collector{}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
		errs = c.errs
	}()
	fn(c)
	return c.errs
}

// gen builds random facts and questions from a seeded generator.
type gen struct {
	r     *rand.Rand
	rules *ruleSet
	bns   []string
	seq   uint64
}

func newGen(seed uint64, rs *ruleSet) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), rules: rs}
	for _, p := range []string{"12345678", "87654321", "11223344"} {
		c, _ := registry.BNCheckDigit(p)
		g.bns = append(g.bns, p+string(c))
	}
	return g
}

func (g *gen) pick(n int) int { return g.r.IntN(n) }

func (g *gen) date(fromYear, years int) registry.Date {
	return registry.NewDate(fromYear, time.January, 1).AddDays(g.r.IntN(years * 366))
}

func (g *gen) jur() registry.Jurisdiction {
	return registry.Jurisdictions[g.pick(len(registry.Jurisdictions))]
}

var (
	genSectors = []string{"", "construction", "construction", "energy", "236220", "23", "2111", "238"}
	genStatus  = []string{registry.StatusActive, registry.StatusActive, registry.StatusSuspended, registry.StatusCancelled,
		registry.StatusRevoked, registry.StatusExpired, registry.StatusSuperseded, registry.StatusPending}
	genPrograms = []string{registry.ProgramCOR, registry.ProgramCOR, registry.ProgramCOR, registry.ProgramSECOR}
)

func (g *gen) certificate(bn string) registry.Certificate {
	j := g.jur()
	issued := g.date(2008, 20)
	term := 36
	if g.pick(5) == 0 {
		term = 12
	}
	c := registry.Certificate{
		ID: "C-" + strconv.Itoa(g.pick(1_000_000)), Jurisdiction: j, Issuer: "CP", Number: strconv.Itoa(g.pick(1e6)),
		Program: genPrograms[g.pick(len(genPrograms))], EmployerBN: bn, Basis: registry.BasisAudit,
		IssuedOn: issued, TermMonths: term, ExpiresOn: issued.AddMonths(term), Status: registry.StatusActive,
	}
	switch g.pick(4) {
	case 0:
		c.Sector = "energy"
		c.IndustryScope = []string{"211"}
	case 1:
		c.IndustryScope = []string{"236", "238"}
	default:
		c.Sector = "construction"
		if g.pick(2) == 0 {
			c.IndustryScope = []string{"23"}
		}
	}
	if g.pick(3) > 0 {
		c.WCBAccounts = []string{"W" + strconv.Itoa(g.pick(1e6))}
	}
	if g.pick(8) > 0 {
		c.History = []registry.StatusChange{{Status: registry.StatusActive, On: issued}}
		for n := max(0, g.pick(5)-2); n > 0; n-- {
			c.History = append(c.History, registry.StatusChange{Status: genStatus[g.pick(len(genStatus))],
				On: issued.AddDays(g.pick(40 * 30))})
		}
		g.r.Shuffle(len(c.History), func(i, k int) { c.History[i], c.History[k] = c.History[k], c.History[i] })
	}
	return c
}

func (g *gen) equivalency(bn string) registry.Equivalency {
	from := g.date(2018, 10)
	e := registry.Equivalency{
		ID: "E-" + strconv.Itoa(g.pick(1e6)), EmployerBN: bn, Standard: registry.Standards[g.pick(len(registry.Standards))],
		ExternalNumber: "X" + strconv.Itoa(g.pick(1e6)), CertificationBody: "Body", IAFAccredited: g.pick(4) > 0,
		ValidFrom: from, ValidTo: from.AddMonths(36).AddDays(-1), ScopeAligned: g.pick(4) > 0,
		Decision: []string{registry.DecisionAccepted, registry.DecisionAccepted, registry.DecisionRejected, registry.DecisionPending}[g.pick(4)],
		Status:   registry.StatusActive,
	}
	if g.pick(4) > 0 {
		e.AccreditationBody = "SCC"
	}
	if g.pick(2) == 0 {
		e.Provinces = []registry.Jurisdiction{g.jur(), g.jur()}
	}
	if g.pick(2) == 0 {
		e.IndustryCodes = []string{[]string{"236", "211", "23"}[g.pick(3)]}
	}
	if g.pick(3) == 0 {
		e.History = []registry.StatusChange{{Status: registry.StatusActive, On: from},
			{Status: []string{"suspended", "withdrawn", "active"}[g.pick(3)], On: from.AddDays(g.pick(1000))}}
	}
	return e
}

func (g *gen) ref(iss registry.Jurisdiction, kind registry.Kind, id string) registry.Ref {
	g.seq++
	return registry.Ref{Iss: iss, Kind: kind, ID: id, Ver: 1, Seq: g.seq}
}

func (g *gen) facts(bn string) equivalence.Facts {
	var f equivalence.Facts
	for n := g.pick(4); n > 0; n-- {
		owner := bn
		if g.pick(6) == 0 {
			owner = g.bns[g.pick(len(g.bns))]
		}
		c := g.certificate(owner)
		iss := c.Jurisdiction
		if g.pick(15) == 0 {
			iss = g.jur()
		}
		f.Certificates = append(f.Certificates, equivalence.CertificateFact{Certificate: c, Ref: g.ref(iss, registry.KindCertificate, c.ID)})
	}
	for n := g.pick(3); n > 0; n-- {
		e := g.equivalency(bn)
		// Mostly a host with an ISO route, or a jurisdiction the record's
		// provinces name; else any member (whose record may not count).
		iss := []registry.Jurisdiction{"CA-AB", "CA-ON", g.jur()}[g.pick(3)]
		if len(e.Provinces) > 0 && g.pick(2) == 0 {
			iss = e.Provinces[0]
		}
		f.Equivalencies = append(f.Equivalencies, equivalence.EquivalencyFact{Equivalency: e, Ref: g.ref(iss, registry.KindEquivalency, e.ID)})
	}
	for n := g.pick(3); n > 0; n-- {
		e := registry.Employer{BN: bn, LegalName: "E"}
		for k := g.pick(3); k > 0; k-- {
			e.WCBAccounts = append(e.WCBAccounts, registry.WCBAccount{Jurisdiction: g.jur(), Number: "W" + strconv.Itoa(k)})
		}
		f.Employers = append(f.Employers, equivalence.EmployerFact{Employer: e, Ref: g.ref(g.jur(), registry.KindEmployer, bn)})
	}
	for _, a := range g.rules.allAgreements() {
		if g.pick(6) == 0 {
			continue
		}
		if g.pick(5) == 0 {
			a.SignedBy = slices.Clone(a.SignedBy)
			i := g.pick(len(a.SignedBy))
			a.SignedBy = slices.Delete(a.SignedBy, i, i+1)
		}
		f.Agreements = append(f.Agreements, a)
	}
	if g.pick(4) == 0 {
		f.Agreements = append(f.Agreements, g.rules.agreements["test-secor-pilot"])
	}
	for _, h := range g.rules.allHostRules() {
		if g.pick(10) == 0 {
			continue
		}
		if g.pick(30) == 0 {
			h.Ref.Iss = g.jur()
		}
		f.HostRules = append(f.HostRules, h)
	}
	return f
}

func (g *gen) question(bn string) equivalence.Question {
	use := equivalence.UseBid
	if g.pick(2) == 0 {
		use = equivalence.UseWork
	}
	return equivalence.Question{BN: bn, Host: g.jur(), Sector: genSectors[g.pick(len(genSectors))], On: g.date(2009, 22), Use: use}
}

// TestDecideProperties runs thousands of random questions over random
// facts and the real rule set, and checks the invariants of every decision,
// that the decision does not depend on the order of the facts, and that a
// recognition still holds on its last day.
func TestDecideProperties(t *testing.T) {
	rs := loadRules(t)
	n := 20000
	if testing.Short() {
		n = 2000
	}
	g := newGen(20260115, rs)
	counts, reasons := map[string]int{}, map[string]int{}
	for i := range n {
		bn := g.bns[g.pick(len(g.bns))]
		f := g.facts(bn)
		q := g.question(bn)
		switch g.pick(4) {
		case 1, 2: // a date when some certificate is live
			if len(f.Certificates) > 0 {
				c := f.Certificates[g.pick(len(f.Certificates))].Certificate
				q.On = c.IssuedOn.AddDays(g.pick(36 * 31))
				switch g.pick(3) {
				case 0:
					q.Host = c.Jurisdiction
				case 1:
					q.Host = []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB", "CA-SK", "CA-ON"}[g.pick(5)]
				}
			}
		case 3: // a date when some equivalency is valid, in a host with rules for it
			if len(f.Equivalencies) > 0 {
				ef := f.Equivalencies[g.pick(len(f.Equivalencies))]
				q.On = ef.Equivalency.ValidFrom.AddDays(g.pick(36 * 30))
				q.Host = []registry.Jurisdiction{"CA-AB", "CA-ON", "CA-ON", "CA-BC", ef.Ref.Iss}[g.pick(5)]
			}
		}
		d := equivalence.Decide(q, f)
		counts[d.Outcome+"/"+d.Basis]++
		for _, r := range d.Reasons {
			reasons[r.Code]++
		}
		errs := check(func(t tb) {
			checkInvariants(t, q, f, d)

			// Shuffled facts give the same outcome, basis, validity and evidence.
			s := shuffled(g, f)
			d2 := equivalence.Decide(q, s)
			if d2.Outcome != d.Outcome || d2.Basis != d.Basis || d2.ValidUntil != d.ValidUntil || !slices.Equal(d2.Evidence, d.Evidence) {
				t.Errorf("order matters:\n%+v\n%+v", d, d2)
			}
			// A recognition still holds on its last day.
			if d.Outcome != equivalence.NotRecognized {
				q2 := q
				q2.On = d.ValidUntil
				if d3 := equivalence.Decide(q2, f); d3.Outcome == equivalence.NotRecognized {
					t.Errorf("recognized from %s through %s, but not on %s: %v", q.On, d.ValidUntil, q2.On, d3.Reasons)
				}
			}
		})
		if len(errs) > 0 {
			t.Fatalf("case %d: q=%+v\nfacts=%+v\ndecision=%+v\n%s", i, q, f, d, strings.Join(errs, "\n"))
		}
	}
	for _, k := range []string{"recognized/host_cor", "recognized/home_cor_agreement", "conditional/home_cor_agreement", "recognized/iso_equivalency", "not_recognized/"} {
		if counts[k] < n/200 {
			t.Errorf("generator too narrow: %d decisions %s of %d (%v)", counts[k], k, n, counts)
		}
	}
	t.Logf("outcomes: %v", counts)
	t.Logf("reasons: %v", reasons)
}

func shuffled(g *gen, f equivalence.Facts) equivalence.Facts {
	s := equivalence.Facts{
		Employers: slices.Clone(f.Employers), Certificates: slices.Clone(f.Certificates),
		Equivalencies: slices.Clone(f.Equivalencies), Agreements: slices.Clone(f.Agreements), HostRules: slices.Clone(f.HostRules),
	}
	g.r.Shuffle(len(s.Employers), func(i, j int) { s.Employers[i], s.Employers[j] = s.Employers[j], s.Employers[i] })
	g.r.Shuffle(len(s.Certificates), func(i, j int) { s.Certificates[i], s.Certificates[j] = s.Certificates[j], s.Certificates[i] })
	g.r.Shuffle(len(s.Equivalencies), func(i, j int) { s.Equivalencies[i], s.Equivalencies[j] = s.Equivalencies[j], s.Equivalencies[i] })
	g.r.Shuffle(len(s.Agreements), func(i, j int) { s.Agreements[i], s.Agreements[j] = s.Agreements[j], s.Agreements[i] })
	g.r.Shuffle(len(s.HostRules), func(i, j int) { s.HostRules[i], s.HostRules[j] = s.HostRules[j], s.HostRules[i] })
	return s
}
