package equivalence_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// ruleSet is testdata/rules loaded as facts: every version of every host's
// rules, and every agreement signed by all its parties.
type ruleSet struct {
	hosts      map[string][]equivalence.HostRulesFact // by file name (CA-XX)
	agreements map[string]equivalence.AgreementFact   // by file name without .json
	hostNames  []string
	agrNames   []string
}

var (
	rulesOnce sync.Once
	rulesVal  *ruleSet
	rulesErr  error
)

const rulesDir = "../testdata/rules"

// loadRules parses testdata/rules once per test binary.
func loadRules(t testing.TB) *ruleSet {
	t.Helper()
	rulesOnce.Do(func() { rulesVal, rulesErr = readRules(rulesDir) })
	if rulesErr != nil {
		t.Fatal(rulesErr)
	}
	return rulesVal
}

func readRules(dir string) (*ruleSet, error) {
	rs := &ruleSet{hosts: map[string][]equivalence.HostRulesFact{}, agreements: map[string]equivalence.AgreementFact{}}
	seq := uint64(0)
	hosts, err := filepath.Glob(filepath.Join(dir, "hosts", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, p := range hosts {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		rules, err := registry.ParseHostRulesFile(b)
		if err != nil {
			return nil, &fileError{p, err}
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		for _, r := range rules {
			seq++
			rs.hosts[name] = append(rs.hosts[name], equivalence.HostRulesFact{Rules: r,
				Ref: registry.Ref{Iss: r.Jurisdiction, Kind: registry.KindHostRules, ID: r.ID, Ver: 1, Seq: seq}})
		}
		rs.hostNames = append(rs.hostNames, name)
	}
	for _, sub := range []string{filepath.Join(dir, "agreements"), "../testdata/equivalence/agreements"} {
		files, err := filepath.Glob(filepath.Join(sub, "*.json"))
		if err != nil {
			return nil, err
		}
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			terms, iss, err := registry.ParseAgreementFile(b)
			if err != nil {
				return nil, &fileError{p, err}
			}
			seq++
			name := strings.TrimSuffix(filepath.Base(p), ".json")
			rs.agreements[name] = equivalence.AgreementFact{
				Agreement: registry.Agreement{Terms: terms},
				SignedBy:  slices.Clone(terms.Parties),
				Ref:       registry.Ref{Iss: iss, Kind: registry.KindAgreement, ID: terms.ID, Ver: 1, Seq: seq},
			}
			if sub != "../testdata/equivalence/agreements" {
				rs.agrNames = append(rs.agrNames, name)
			}
		}
	}
	return rs, nil
}

type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string { return e.path + ": " + e.err.Error() }

// allHostRules returns every host rules fact of the real rule set.
func (rs *ruleSet) allHostRules() []equivalence.HostRulesFact {
	var out []equivalence.HostRulesFact
	for _, n := range rs.hostNames {
		out = append(out, rs.hosts[n]...)
	}
	return out
}

// allAgreements returns every real agreement, signed by all parties.
func (rs *ruleSet) allAgreements() []equivalence.AgreementFact {
	var out []equivalence.AgreementFact
	for _, n := range rs.agrNames {
		out = append(out, rs.agreements[n])
	}
	return out
}

func TestRuleFilesCoverEveryJurisdiction(t *testing.T) {
	rs := loadRules(t)
	for _, j := range registry.Jurisdictions {
		facts, ok := rs.hosts[string(j)]
		if !ok {
			t.Errorf("no testdata/rules/hosts/%s.json", j)
			continue
		}
		for _, f := range facts {
			if f.Rules.Jurisdiction != j {
				t.Errorf("%s.json holds rules of %s", j, f.Rules.Jurisdiction)
			}
			if len(f.Rules.Assumptions) == 0 {
				t.Errorf("%s: rules %s state no assumptions", j, f.Rules.ID)
			}
		}
		// Every date from 2010 on is covered by exactly one version.
		for _, d := range []string{"2010-01-01", "2015-06-30", "2024-09-30", "2024-10-01", "2030-01-01"} {
			n := 0
			for _, f := range facts {
				if f.Rules.InForce(registry.MustDate(d)) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s on %s: %d versions in force, want 1", j, d, n)
			}
		}
	}
	if len(rs.agrNames) < 2 {
		t.Fatalf("agreements: %v", rs.agrNames)
	}
	for _, n := range rs.agrNames {
		a := rs.agreements[n]
		if len(a.Agreement.Terms.Assumptions) == 0 {
			t.Errorf("agreement %s states no assumptions", n)
		}
		if a.Agreement.Terms.Sector != "construction" {
			t.Errorf("agreement %s: sector %q", n, a.Agreement.Terms.Sector)
		}
	}
}
