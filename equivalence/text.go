package equivalence

import (
	"strconv"
	"strings"

	"github.com/corfed/corfed/registry"
)

// This file turns the decider's result into a Decision: the sentences of
// reasons and conditions are built here, and only for what is reported,
// in the question's language (d.fr: French, else English). Every sentence
// exists in both languages; a new reason or condition code adds its English
// and its French sentence side by side (see "Languages" in doc.go).

func (d *decider) decision() Decision {
	b := &d.best
	q := &d.q
	if b.rank == rankNone {
		rs := make([]Reason, 0, 1+len(d.fails))
		text := "Employer " + q.BN + " is not recognized " + JurisdictionIn(q.Host, English) +
			" for " + useText(q.Use) + " on " + date(q.On) + ": no certificate, agreement or equivalency gives a basis (see the reasons that follow)."
		if d.fr {
			text = "L'employeur " + q.BN + " n'est pas reconnu " + JurisdictionIn(q.Host, French) + " " + useTextFR(q.Use) + " le " + date(q.On) +
				" : aucun certificat, aucune entente ni aucune équivalence n'en donne le fondement (voir les motifs qui suivent)."
		}
		rs = append(rs, Reason{Code: ReasonNoBasis, Text: text})
		for _, x := range d.fails {
			rs = append(rs, d.render(x))
		}
		for _, x := range d.notes {
			rs = append(rs, d.render(x))
		}
		return Decision{Outcome: NotRecognized, Reasons: rs}
	}
	dec := Decision{Outcome: Recognized, Basis: b.basis, ValidFrom: q.On, ValidUntil: b.until}
	if b.rank == rankConditional {
		dec.Outcome = Conditional
	}
	ev := make([]registry.Ref, 0, 3)
	switch b.basis {
	case BasisHostCOR:
		ev = append(ev, d.f.Certificates[b.cert].Ref)
		if b.agr >= 0 {
			ev = append(ev, d.f.Agreements[b.agr].Ref) // the sector's codes
		}
	case BasisAgreement:
		ev = append(ev, d.f.Certificates[b.cert].Ref, d.f.Agreements[b.agr].Ref)
		for _, i := range b.emps {
			ev = append(ev, d.f.Employers[i].Ref)
		}
		if b.eqv >= 0 {
			ev = append(ev, d.f.Equivalencies[b.eqv].Ref) // the ISO certificate an ISO-based COR rests on
		}
		ev = d.programEvidence(ev)
	case BasisISO:
		ev = append(ev, d.f.Equivalencies[b.eqv].Ref, d.f.HostRules[b.rules].Ref)
	}
	ev = d.rulesEvidence(ev)
	dec.Evidence = ev
	dec.Conditions = d.conditions()

	n := 1
	if b.rank == rankConditional {
		n += 1 + len(d.fails)
	}
	rs := make([]Reason, 0, n)
	sum := d.summary()
	rs = append(rs, Reason{Code: d.summaryCode(), Text: sum, Refs: ev, Quoted: d.takeQuoted()})
	if b.rank == rankConditional {
		var open []string
		for _, c := range dec.Conditions {
			if !c.Met {
				open = append(open, c.Code)
			}
		}
		text := "The recognition holds only if " +
			plural(len(open), "this condition holds", "these conditions hold") + ", which no record corfed keeps can show: " +
			strings.Join(open, ", ") + "."
		if d.fr {
			text = "La reconnaissance ne vaut que si " +
				plural(len(open), "cette condition est remplie", "ces conditions sont remplies") + ", ce qu'aucun registre de corfed ne peut montrer : " +
				strings.Join(open, ", ") + "."
		}
		rs = append(rs, Reason{Code: ReasonConditionsUnverified, Text: text})
		for _, x := range d.fails {
			rs = append(rs, d.render(x))
		}
	}
	for _, x := range d.notes {
		rs = append(rs, d.render(x))
	}
	dec.Reasons = rs
	return dec
}

func (d *decider) summaryCode() string {
	switch d.best.basis {
	case BasisHostCOR:
		return ReasonHostCORActive
	case BasisAgreement:
		return ReasonHomeCORRecognized
	}
	return ReasonEquivalencyAccepted
}

func (d *decider) summary() string {
	if d.fr {
		return d.summaryFR()
	}
	b := &d.best
	q := &d.q
	var s strings.Builder
	s.Grow(256)
	switch b.basis {
	case BasisHostCOR:
		c := &d.f.Certificates[b.cert].Certificate
		s.WriteString(certName(c))
		s.WriteString(" was issued ")
		s.WriteString(JurisdictionIn(q.Host, English))
		s.WriteString(" itself and is active on ")
		s.WriteString(date(q.On))
		if b.agr >= 0 {
			t := &d.f.Agreements[b.agr].Agreement.Terms
			if c.Sector != "" {
				s.WriteString(", in the sector ")
				s.WriteString(c.Sector)
				s.WriteString(", whose industry codes (")
				s.WriteString(strings.Join(t.IndustryCodes, ", "))
				s.WriteString(") cover ")
			} else {
				s.WriteString(", for the industry codes ")
				s.WriteString(strings.Join(c.IndustryScope, ", "))
				s.WriteString(", which are in the sector ")
			}
			s.WriteString(q.Sector)
			s.WriteString(" under ")
			s.WriteString(agreementName(t))
		}
	case BasisAgreement:
		c := &d.f.Certificates[b.cert].Certificate
		t := &d.f.Agreements[b.agr].Agreement.Terms
		s.WriteString(subject(q.Host, false))
		s.WriteString(verb(q.Host, " recognizes", " recognize"))
		if b.rank == rankConditional {
			s.WriteString(", on conditions, ")
		} else {
			s.WriteString(" ")
		}
		s.WriteString(possEN(c.Jurisdiction))
		s.WriteString(" ")
		s.WriteString(certName(c))
		s.WriteString(", active on ")
		s.WriteString(date(q.On))
		s.WriteString(", for ")
		s.WriteString(useText(q.Use))
		s.WriteString(" under ")
		s.WriteString(agreementName(t))
		s.WriteString(", signed by every party")
		s.WriteString(d.programSummary())
	case BasisISO:
		e := &d.f.Equivalencies[b.eqv].Equivalency
		r := &d.f.HostRules[b.rules].Rules
		s.WriteString(subject(q.Host, false))
		s.WriteString(verb(q.Host, " accepts ", " accept "))
		s.WriteString(e.Standard)
		s.WriteString(" certificate ")
		s.WriteString(e.ExternalNumber)
		s.WriteString(" from ")
		s.WriteString(e.CertificationBody)
		s.WriteString(" as equivalent to " + its(q.Host, false, false) + " COR under " + its(q.Host, false, true) + " rules ")
		s.WriteString(r.ID)
		s.WriteString(", in force on ")
		s.WriteString(date(q.On))
	}
	s.WriteString("; valid through ")
	s.WriteString(date(b.until))
	s.WriteString(", ")
	s.WriteString(d.limitText())
	s.WriteString(".")
	return s.String()
}

// limitText names what set valid_until.
func (d *decider) limitText() string {
	b := &d.best
	if t, ok := d.programLimitText(b.why); ok {
		return t
	}
	if d.fr {
		return d.limitTextFR()
	}
	switch b.why {
	case limitExpiry:
		return "the certificate's expiry"
	case limitStatus:
		if b.cert >= 0 {
			c := &d.f.Certificates[b.cert].Certificate
			return "the day before its recorded change to " + d.nextInactiveStatus(c.History)
		}
		e := &d.f.Equivalencies[b.eqv].Equivalency
		return "the day before its recorded change to " + d.nextInactiveStatus(e.History)
	case limitCapMonths:
		return possEN(d.q.Host) + " cap of " + strconv.Itoa(b.terms.CapMonths) + " months, counted from " + date(d.q.On) +
			" (the certificate expires " + date(d.f.Certificates[b.cert].Certificate.ExpiresOn) + ")"
	case limitCapDays:
		return possEN(d.q.Host) + " cap of " + strconv.Itoa(b.terms.CapDays) + " days, counted from " + date(d.q.On) +
			" (the certificate expires " + date(d.f.Certificates[b.cert].Certificate.ExpiresOn) + ")"
	case limitAgreement:
		return "the end of the agreement"
	case limitEqvValidTo:
		return "the certification's own expiry"
	case limitRulesEnd:
		return "the end of the rules in force on the date asked"
	case limitRulesNext:
		next := &d.f.HostRules[d.rulesNext].Rules
		return "the day before " + possEN(d.q.Host) + " next rules " + next.ID + " take effect on " + date(next.EffectiveFrom)
	case limitTerm:
		return "the rule's term of " + strconv.Itoa(b.rule.TermMonths) + " months, counted from " + date(d.q.On) +
			" (the certification expires " + date(d.f.Equivalencies[b.eqv].Equivalency.ValidTo) + ")"
	}
	return "its bounds"
}

// nextInactiveStatus names the next recorded non-active status after the
// date asked: "suspended on 2026-04-01 (reason)", in French when d.fr.
func (d *decider) nextInactiveStatus(h []registry.StatusChange) string {
	fr := d.fr
	next := nextInactive(h, d.q.On)
	for i := range h {
		if h[i].On == next && h[i].Status != registry.StatusActive {
			st := h[i].Status + " on " + date(next)
			if fr {
				st = StatusWord(h[i].Status, French) + " le " + date(next)
			}
			if r := d.reasonIn(h[i]); r != "" {
				st += " (" + r + ")"
			}
			return st
		}
	}
	return pick(fr, "another status", "un autre statut")
}

// conditions renders the chosen candidate's conditions.
func (d *decider) conditions() []Condition {
	b := &d.best
	switch {
	case b.terms != nil && len(b.terms.Conditions) > 0:
		c := &d.f.Certificates[b.cert].Certificate
		cs := make([]Condition, 0, len(b.terms.Conditions))
		for i, code := range b.terms.Conditions {
			met := b.met&(1<<i) != 0
			cs = append(cs, Condition{Code: code, Met: met, Text: d.conditionText(code, met, c)})
		}
		return cs
	case b.rule != nil && len(b.rule.Conditions) > 0:
		cs := make([]Condition, 0, len(b.rule.Conditions))
		for _, code := range b.rule.Conditions {
			cs = append(cs, Condition{Code: code, Met: true, Text: d.conditionText(code, true, nil)})
		}
		return cs
	}
	return nil
}

func (d *decider) conditionText(code string, met bool, c *registry.Certificate) string {
	if d.fr {
		return d.conditionTextFR(code, met, c)
	}
	in := JurisdictionIn(d.q.Host, English)
	switch code {
	case registry.CondNoActiveHostWCBAccount:
		if met {
			return "Only for employers with no active WCB account " + in + ": the employer's records list none."
		}
		return "Only for employers with no active WCB account " + in + ": no employer record is available to show it; confirm it before relying on this."
	case registry.CondBidUseOnly:
		return "For bidding only: not valid for doing the work " + in + "."
	case registry.CondVoidOnceWorkStarts:
		return "Void once work starts " + in + "; the work then needs " + possEN(d.q.Host) + " own COR equivalency, issued as a certificate of " +
			theName(d.q.Host, false) + "."
	case registry.CondNoPermanentOfficeInHost:
		if met {
			return "Only for employers with no permanent office " + in + ": the employer's records of its presence show none."
		}
		return "Only for employers with no permanent office " + in + "; no employer record lists where it has offices, so confirm it."
	case registry.CondPerWCBAccount:
		covered, closed, _ := d.coveredAccounts(c)
		switch {
		case met && len(closed) == 0:
			return "Each WCB account qualifies on its own: this covers the accounts the certificate names (" + strings.Join(c.WCBAccounts, ", ") + ")."
		case met:
			return "Each WCB account qualifies on its own: this covers the accounts the certificate names that are open on " + date(d.q.On) + " (" + strings.Join(covered, ", ") +
				"), not " + strings.Join(closed, ", ") + ", which the employer's records show not open then."
		case len(closed) > 0:
			return "Each WCB account qualifies on its own, and none of the accounts the certificate names (" + strings.Join(closed, ", ") + ") is open on " + date(d.q.On) +
				" by the employer's records, so no account qualifies."
		}
		return "Each WCB account qualifies on its own, and the certificate names no WCB account, so which accounts qualify cannot be shown."
	case registry.CondYearlyReapplication:
		return "The equivalency is applied for again every year; this recognition runs 12 months at most."
	case registry.CondCertificationMaintained:
		return "Maintained in years 2 and 3 by proof that the ISO/CSA certification is maintained."
	}
	return "Condition " + code + "."
}

// render builds the Reason for a finding.
func (d *decider) render(x finding) Reason {
	r := Reason{Code: x.code}
	var c *registry.Certificate
	if x.cert >= 0 {
		c = &d.f.Certificates[x.cert].Certificate
		r.Refs = append(r.Refs, d.f.Certificates[x.cert].Ref)
	}
	var t *registry.AgreementTerms
	var af *AgreementFact
	if x.agr >= 0 {
		af = &d.f.Agreements[x.agr]
		t = &af.Agreement.Terms
		r.Refs = append(r.Refs, af.Ref)
	}
	var e *registry.Equivalency
	if x.eqv >= 0 {
		e = &d.f.Equivalencies[x.eqv].Equivalency
		r.Refs = append(r.Refs, d.f.Equivalencies[x.eqv].Ref)
	}
	var hr *registry.HostRules
	if x.rules >= 0 {
		hr = &d.f.HostRules[x.rules].Rules
		r.Refs = append(r.Refs, d.f.HostRules[x.rules].Ref)
	}
	if x.emp >= 0 {
		r.Refs = append(r.Refs, d.f.Employers[x.emp].Ref)
	}
	switch {
	case d.renderProgram(x, &r):
	case d.fr:
		r.Text = d.textFR(x, c, t, af, e, hr)
	default:
		r.Text = d.textEN(x, c, t, af, e, hr)
	}
	r.Quoted = d.takeQuoted()
	return r
}

// textEN is the English sentence of finding x.
func (d *decider) textEN(x finding, c *registry.Certificate, t *registry.AgreementTerms, af *AgreementFact, e *registry.Equivalency, hr *registry.HostRules) string {
	q := &d.q
	hj := q.Host
	h, in := theName(hj, false), JurisdictionIn(hj, English)
	var text string
	on := date(q.On)
	switch x.code {
	case ReasonNoCertificate:
		text = "No certificate or equivalency record of employer " + q.BN + " is among the facts."
	case ReasonCertificateIssuerMismatch:
		text = certName(c) + " of " + theName(c.Jurisdiction, false) + " was published by " + possEN(d.f.Certificates[x.cert].Ref.Iss) +
			" node; a node may publish only its own jurisdiction's certificates, so it is ignored."
	case ReasonCertificateInvalid:
		text = certName(c) + " lacks a valid jurisdiction, issue date or expiry date, so it is ignored."
	case ReasonCertificateNotYetIssued:
		if q.On.Before(c.IssuedOn) {
			text = certName(c) + " was issued on " + date(c.IssuedOn) + ", after " + on + "."
		} else {
			text = certName(c) + " has no status recorded on or before " + on + "."
		}
	case ReasonCertificateExpired:
		if q.On.After(c.ExpiresOn) {
			text = certName(c) + " expired: it was valid through " + date(c.ExpiresOn) + ", before " + on + "."
		} else {
			text = certName(c) + " is recorded as expired on " + on + "."
		}
	case ReasonCertificatePending, ReasonCertificateSuspended, ReasonCertificateCancelled, ReasonCertificateRevoked,
		ReasonCertificateSuperseded, ReasonCertificateNotActive:
		text = certName(c) + " is " + x.status + " on " + on + d.statusSince(c) + ", not active."
	case ReasonSectorMismatch:
		switch x.detail {
		case sectorCertVsQuestion:
			text = certName(c) + " (sector " + orNone(c.Sector) + ", industry scope " + orNone(strings.Join(c.IndustryScope, " ")) +
				") does not cover " + q.Sector + "."
		case sectorAgreementVsCert:
			text = certName(c) + " (sector " + orNone(c.Sector) + ", industry scope " + orNone(strings.Join(c.IndustryScope, " ")) +
				") is not in the " + t.Sector + " sector that " + agreementName(t) + " covers."
		case sectorAgreementVsQuestion:
			text = capAgreementName(t) + " covers the " + t.Sector + " sector, not " + q.Sector + "."
		case sectorEquivalencyVsQuestion:
			text = equivalencyName(e) + " covers industry codes " + strings.Join(e.IndustryCodes, " ") + ", not " + q.Sector + "."
		}
	case ReasonNoAgreement:
		text = "No agreement among the facts has both " + theName(c.Jurisdiction, false) + " and " + h + " as parties, so " +
			certName(c) + " of " + theName(c.Jurisdiction, false) + " is not recognized " + in + " by reciprocity."
	case ReasonAgreementNotInForce:
		text = capAgreementName(t) + " between " + theName(c.Jurisdiction, false) + " and " + h + " is in force " + period(t.EffectiveFrom, t.EffectiveTo) +
			", not on " + on + "."
	case ReasonAgreementInvalid:
		err := t.Validate()
		text = capAgreementName(t) + " is not a valid agreement (" + errText(err) + "), so it is ignored."
	case ReasonAgreementIssuerNotParty:
		text = capAgreementName(t) + " was published by " + possEN(af.Ref.Iss) + " node, which is not a party, so it is ignored."
	case ReasonAgreementUnsigned:
		miss := missingSignatures(af)
		text = capAgreementName(t) + " lacks a verified signature of " + namesOf(miss, false) +
			"; an agreement counts only when every party has signed it, so it is ignored."
	case ReasonProgramNotInAgreement:
		text = capAgreementName(t) + " recognizes " + strings.Join(t.Programs, ", ") + " only, not " + c.Program + "."
		if c.ProgramDefinition != "" {
			text = capAgreementName(t) + " recognizes " + strings.Join(t.Programs, ", ") + " only, not " + c.Program +
				" issued under program " + c.ProgramDefinition + "."
		}
	case ReasonProgramDefinitionExcluded:
		text = subject(hj, false) + verb(hj, " excludes", " exclude") + " program " + c.ProgramDefinition + ", under which " + certName(c) +
			" was issued, from the recognition " + verb(hj, "it grants", "they grant") + " under " + agreementName(t) + "."
	case ReasonProgramExcludedByHost:
		if hr != nil {
			text = subject(hj, false) + verb(hj, " recognizes", " recognize") + " no other jurisdiction's " + c.Program + " under " +
				its(hj, false, true) + " rules " + hr.ID + "."
		} else {
			text = subject(hj, false) + verb(hj, " excludes ", " exclude ") + c.Program + " from the recognition " +
				verb(hj, "it grants", "they grant") + " under " + agreementName(t) + "."
		}
	case ReasonUseNotAllowed:
		var allowed []string
		for _, u := range hostUses(t, q.Host) {
			allowed = append(allowed, useText(u))
		}
		text = "Under " + agreementName(t) + ", " + h + verb(hj, " recognizes", " recognize") + " another jurisdiction's certificate for " + strings.Join(allowed, " and ") +
			" only, not for " + useText(q.Use) + "."
	case ReasonWorkVoidsReciprocity:
		text = "Under " + agreementName(t) + ", " + possEN(hj) + " recognition is void once work starts " + in +
			"; working there needs " + possEN(hj) + " own COR equivalency (with its supplement), issued as a certificate of " + h + "."
	case ReasonHostWCBAccountActive:
		text = "The employer has an active WCB account " + in + ", and " + h + verb(hj, " grants", " grant") + " reciprocity only to employers with none."
	case ReasonEquivalencyNotAccepted:
		text = equivalencyName(e) + " has decision " + orNone(x.status) + ", not accepted."
	case ReasonEquivalencyNotYetValid:
		text = equivalencyName(e) + " is valid from " + orNone(date(e.ValidFrom)) + ", after " + on + "."
	case ReasonEquivalencyExpired:
		text = equivalencyName(e) + " was valid through " + orNone(date(e.ValidTo)) + ", before " + on + "."
	case ReasonEquivalencyNotActive:
		text = equivalencyName(e) + " is " + x.status + " on " + on + ", not active."
	case ReasonHostRulesUnknown:
		if e == nil && c != nil {
			// A foreign SECOR or a COR issued on an ISO/CSA equivalency:
			// the host's rules say whether it counts (agreements).
			text = "No rules of " + h + " in force on " + on + " that count are among the facts, so whether " + h + verb(hj, " recognizes ", " recognize ") +
				certName(c) + " of " + theName(c.Jurisdiction, false) + ", " + certKindEN(c) + ", is unknown."
			break
		}
		text = "No rules of " + h + " in force on " + on + " that count are among the facts, so whether " + h + verb(hj, " accepts ", " accept ") +
			e.Standard + " is unknown."
	case ReasonBasisEquivalencyUnknown:
		text = certName(c) + " of " + theName(c.Jurisdiction, false) + " was issued on equivalency record " + c.BasisRef +
			", which is not among the facts, so whether " + h + verb(hj, " accepts", " accept") + " the ISO/CSA certification it rests on is unknown."
	case ReasonHostRulesIssuerMismatch:
		text = capFirst(possEN(hj)) + " rules " + hr.ID + " were published by " + possEN(d.f.HostRules[x.rules].Ref.Iss) +
			" node; only " + h + " may publish " + its(hj, false, true) + " rules, so they are ignored."
	case ReasonHostRulesInvalid:
		text = capFirst(possEN(hj)) + " rules " + hr.ID + " are not valid (" + errText(hr.Validate()) + "), so they are ignored."
	case ReasonISONotAccepted:
		text = subject(hj, false) + verb(hj, " does", " do") + " not accept ISO/CSA certification as equivalent to COR"
		if q.Sector != "" {
			text += " for " + q.Sector
		}
		text += " under " + its(hj, false, true) + " rules " + hr.ID + "."
	case ReasonStandardNotAccepted:
		rule := pickRule(hr.Equivalency, q.Sector)
		text = subject(hj, false) + verb(hj, " accepts ", " accept ") + strings.Join(rule.Standards, ", ") + ", not " + orNone(e.Standard) + "."
	case ReasonBodyNotDesignated:
		text = subject(hj, false) + verb(hj, " requires", " require") + " a designated, accredited certification body; " + equivalencyName(e) + " names body " +
			orNone(e.CertificationBody) + " and accreditation body " + orNone(e.AccreditationBody) + "."
	case ReasonIAFMarkMissing:
		text = subject(hj, false) + verb(hj, " requires", " require") + " an IAF-recognized accreditation body's mark, which " + equivalencyName(e) + " does not carry."
	case ReasonScopeNotAligned:
		text = subject(hj, false) + verb(hj, " requires", " require") + " the certification's scope to cover all the employer's operations; " + equivalencyName(e) + "'s does not."
	case ReasonScopeExcludesHost:
		text = equivalencyName(e) + " covers operations " + inEach(e.Provinces, false) + ", not " + in + "."
	case ReasonEquivalencyIssuerNotCovered:
		text = equivalencyName(e) + " was published by " + possEN(d.f.Equivalencies[x.eqv].Ref.Iss) + " node, which is neither " + possEN(hj) +
			" nor that of a jurisdiction where the certified operations are (provinces: " + orNone(namesOf(e.Provinces, false)) +
			"), so it does not count " + in + "."
	default:
		text = "Code " + x.code + "."
	}
	return text
}

// statusSince is " (since DATE: reason)" for the status c has on the date
// asked, in French when d.fr.
func (d *decider) statusSince(c *registry.Certificate) string {
	on, fr := d.q.On, d.fr
	var best *registry.StatusChange
	for i := range c.History {
		h := &c.History[i]
		if h.On.After(on) {
			continue
		}
		if best == nil || !h.On.Before(best.On) {
			best = h
		}
	}
	if best == nil {
		return ""
	}
	s := " (since " + date(best.On)
	sep := ": "
	if fr {
		s, sep = " (depuis le "+date(best.On), " : "
	}
	if r := d.reasonIn(*best); r != "" {
		s += sep + r
	}
	return s + ")"
}

// reasonIn is a status change's reason in French when d.fr and corfed
// wrote one (reason_fr), else as recorded; quoted in a French sentence, a
// reason as recorded is what a person typed (in English, as the site
// takes it), which d.quote notes for Reason.Quoted.
func (d *decider) reasonIn(c registry.StatusChange) string {
	if d.fr && c.ReasonFR != "" {
		return c.ReasonFR
	}
	return d.quote(c.Reason)
}

// quote notes s, typed by a person, as quoted in the sentence being
// written when that sentence is French, and returns it.
func (d *decider) quote(s string) string {
	if d.fr && strings.TrimSpace(s) != "" {
		d.quoted = append(d.quoted, Quote{Text: s, Lang: English})
	}
	return s
}

// takeQuoted returns the quotes noted for the sentence just written and
// starts afresh.
func (d *decider) takeQuoted() []Quote {
	q := d.quoted
	d.quoted = nil
	return q
}

func certName(c *registry.Certificate) string {
	return c.Program + " " + c.Number + " (" + c.Issuer + ")"
}

// certKindEN says why the host's rules decide whether certificate c of
// another jurisdiction counts: it is a SECOR, or a COR issued on an
// ISO/CSA equivalency.
func certKindEN(c *registry.Certificate) string {
	if c.Program == registry.ProgramSECOR {
		return "another jurisdiction's SECOR"
	}
	return "a " + c.Program + " issued on an ISO/CSA equivalency"
}

func agreementName(t *registry.AgreementTerms) string { return "agreement " + t.ID }

func capAgreementName(t *registry.AgreementTerms) string { return "Agreement " + t.ID }

func equivalencyName(e *registry.Equivalency) string {
	return e.Standard + " certificate " + e.ExternalNumber + " (" + e.CertificationBody + ")"
}

// hostUses are the uses host's terms in t allow (registry.HostTerms.Uses).
func hostUses(t *registry.AgreementTerms, host registry.Jurisdiction) []string {
	for _, ht := range t.Hosts {
		if ht.Host == host {
			return ht.Uses
		}
	}
	return nil
}

func useText(u string) string {
	if u == UseWork {
		return "work"
	}
	return "bidding"
}

func period(from, to registry.Date) string {
	if to.IsZero() {
		return "from " + date(from)
	}
	return "from " + date(from) + " through " + date(to)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// date formats d as YYYY-MM-DD without fmt ("" for the zero date).
func date(d registry.Date) string {
	if d.IsZero() {
		return ""
	}
	y, m, dd := d.Year(), int(d.Month()), d.Day()
	if y < 0 || y > 9999 {
		return d.String()
	}
	b := [10]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-',
		byte('0' + dd/10), byte('0' + dd%10),
	}
	return string(b[:])
}
