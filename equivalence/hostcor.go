package equivalence

import "github.com/corfed/corfed/registry"

// EquivalencyUnderHostRules judges equivalency e as host's own rules judge
// it for sector on date on, as Decide does when it weighs e as an
// iso_equivalency basis: the version of host's rules in force on on
// (picked from rules as Decide picks it), the rule for sector, and what
// that rule requires (accepted at all, the standard listed, a designated
// accredited body, the IAF mark, a scope covering the operations, the
// sector and host within the certification). e's own decision, validity
// and status are not judged here. A node issuing its own COR on e asks
// this, so that it issues none on an equivalency its own recognition
// refuses.
//
// ok is true when the rules accept e; else en and fr are the reason Decide
// gives (host_rules_unknown when no version is in force on on), in English
// and in French.
func EquivalencyUnderHostRules(host registry.Jurisdiction, e EquivalencyFact, rules []HostRulesFact, sector string, on registry.Date) (en, fr Reason, ok bool) {
	sector = sectorKey(sector)
	f := Facts{Equivalencies: []EquivalencyFact{e}, HostRules: rules}
	d := decider{q: Question{Host: host, BN: e.Equivalency.EmployerBN, Sector: sector, On: on}, f: &f, rules: -1, rulesNext: -1}
	d.best = candidate{cert: -1, agr: -1, eqv: -1, rules: -1, letter: -1}
	d.pickHostRules()
	x := noFinding("")
	x.eqv = 0
	if d.rules < 0 {
		x.code = ReasonHostRulesUnknown
	} else {
		x.rules = d.rules
		d.equivalencyRule(&f.Equivalencies[0].Equivalency, &x)
	}
	if x.code == "" {
		return Reason{}, Reason{}, true
	}
	en = d.render(x)
	d.fr = true
	fr = d.render(x)
	return en, fr, false
}

// HostRuleFor returns host's equivalency rule for sector on date on, as
// Decide picks it: the version of host's rules in force on on among rules,
// and its rule for sector (else its rule for every sector). It returns the
// version's id too; nil and "" when no version is in force, nil when the
// version has no rule for sector.
func HostRuleFor(host registry.Jurisdiction, rules []HostRulesFact, sector string, on registry.Date) (*registry.EquivalencyRule, string) {
	sector = sectorKey(sector)
	f := Facts{HostRules: rules}
	d := decider{q: Question{Host: host, On: on}, f: &f, rules: -1, rulesNext: -1}
	d.pickHostRules()
	if d.rules < 0 {
		return nil, ""
	}
	r := &f.HostRules[d.rules].Rules
	return pickRule(r.Equivalency, sector), r.ID
}
