package equivalence

import (
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// Reason codes. Each is documented in the package documentation.
const (
	// Summaries: the first reason of every decision is one of these.
	ReasonHostCORActive       = "host_cor_active"
	ReasonHomeCORRecognized   = "home_cor_recognized"
	ReasonEquivalencyAccepted = "iso_equivalency_accepted"
	ReasonNoBasis             = "no_basis"
	ReasonInvalidQuestion     = "invalid_question"

	ReasonConditionsUnverified = "conditions_unverified"

	ReasonNoCertificate = "no_certificate"

	ReasonCertificateIssuerMismatch = "certificate_issuer_mismatch"
	ReasonCertificateInvalid        = "certificate_invalid"
	ReasonCertificateNotYetIssued   = "certificate_not_yet_issued"
	ReasonCertificatePending        = "certificate_pending"
	ReasonCertificateExpired        = "certificate_expired"
	ReasonCertificateSuspended      = "certificate_suspended"
	ReasonCertificateCancelled      = "certificate_cancelled"
	ReasonCertificateRevoked        = "certificate_revoked"
	ReasonCertificateSuperseded     = "certificate_superseded"
	ReasonCertificateNotActive      = "certificate_not_active"
	ReasonSectorMismatch            = "sector_mismatch"

	ReasonNoAgreement             = "no_agreement"
	ReasonAgreementNotInForce     = "agreement_not_in_force"
	ReasonAgreementInvalid        = "agreement_invalid"
	ReasonAgreementIssuerNotParty = "agreement_issuer_not_party"
	ReasonAgreementUnsigned       = "agreement_unsigned"
	ReasonProgramNotInAgreement   = "program_not_in_agreement"
	ReasonProgramExcludedByHost   = "program_excluded_by_host"
	// ReasonProgramDefinitionExcluded: the host excludes the program
	// definition the certificate was issued under (ECOR), not its program.
	ReasonProgramDefinitionExcluded = "program_definition_excluded_by_host"
	ReasonUseNotAllowed             = "use_not_allowed"
	ReasonWorkVoidsReciprocity      = "work_voids_reciprocity"
	ReasonHostWCBAccountActive      = "host_wcb_account_active"

	ReasonEquivalencyNotAccepted  = "equivalency_not_accepted"
	ReasonEquivalencyNotYetValid  = "equivalency_not_yet_valid"
	ReasonEquivalencyExpired      = "equivalency_expired"
	ReasonEquivalencyNotActive    = "equivalency_not_active"
	ReasonHostRulesUnknown        = "host_rules_unknown"
	ReasonHostRulesIssuerMismatch = "host_rules_issuer_mismatch"
	ReasonHostRulesInvalid        = "host_rules_invalid"
	ReasonISONotAccepted          = "iso_not_accepted"
	ReasonStandardNotAccepted     = "standard_not_accepted"
	ReasonBodyNotDesignated       = "certification_body_not_designated"
	ReasonIAFMarkMissing          = "iaf_mark_missing"
	ReasonScopeNotAligned         = "scope_not_aligned"
	ReasonScopeExcludesHost       = "scope_excludes_host"
	// ReasonEquivalencyIssuerNotCovered: the equivalency record was
	// published by a node that is neither the host's nor one of a
	// jurisdiction its provinces name (EquivalencyCounts); ignored.
	ReasonEquivalencyIssuerNotCovered = "equivalency_issuer_not_covered"
	// ReasonBasisEquivalencyUnknown: a home COR issued on an ISO/CSA
	// equivalency whose equivalency record (Certificate.BasisRef, published
	// by the home jurisdiction's node) is not among the facts, so the
	// host's ISO rule cannot judge it.
	ReasonBasisEquivalencyUnknown = "basis_equivalency_unknown"
)

// ReasonCodes lists every reason code Decide may return.
var ReasonCodes = []string{
	ReasonHostCORActive, ReasonHomeCORRecognized, ReasonEquivalencyAccepted, ReasonNoBasis, ReasonInvalidQuestion,
	ReasonConditionsUnverified, ReasonNoCertificate,
	ReasonCertificateIssuerMismatch, ReasonCertificateInvalid, ReasonCertificateNotYetIssued, ReasonCertificatePending,
	ReasonCertificateExpired, ReasonCertificateSuspended, ReasonCertificateCancelled, ReasonCertificateRevoked,
	ReasonCertificateSuperseded, ReasonCertificateNotActive, ReasonSectorMismatch,
	ReasonNoAgreement, ReasonAgreementNotInForce, ReasonAgreementInvalid, ReasonAgreementIssuerNotParty,
	ReasonAgreementUnsigned, ReasonProgramNotInAgreement, ReasonProgramExcludedByHost, ReasonProgramDefinitionExcluded,
	ReasonUseNotAllowed,
	ReasonWorkVoidsReciprocity, ReasonHostWCBAccountActive,
	ReasonEquivalencyNotAccepted, ReasonEquivalencyNotYetValid, ReasonEquivalencyExpired, ReasonEquivalencyNotActive,
	ReasonHostRulesUnknown, ReasonHostRulesIssuerMismatch, ReasonHostRulesInvalid, ReasonISONotAccepted,
	ReasonStandardNotAccepted, ReasonBodyNotDesignated, ReasonIAFMarkMissing, ReasonScopeNotAligned,
	ReasonScopeExcludesHost, ReasonEquivalencyIssuerNotCovered, ReasonBasisEquivalencyUnknown,
	ReasonAgreementWithdrawn, ReasonPermanentOfficeInHost, ReasonLetterExpired, ReasonLetterVoid, ReasonHistoryCorrected,
	ReasonOperatingInHost, ReasonProjection,
}

// StatusNotIssued is the pseudo-status of a certificate on a date before it was
// issued (or before its first recorded status).
const StatusNotIssued = "not_issued"

// outcome ranks, best last.
const (
	rankNone = iota
	rankConditional
	rankRecognized
)

// limit names the bound that set a candidate's valid_until.
type limit uint8

const (
	limitNone        limit = iota
	limitExpiry            // the home certificate's expiry
	limitStatus            // the day before the next recorded non-active status
	limitCapMonths         // the host's cap in months
	limitCapDays           // the host's cap in days
	limitAgreement         // the agreement's effective_to
	limitEqvValidTo        // the equivalency's valid_to
	limitRulesEnd          // the host rules' effective_to
	limitRulesNext         // the day before the host's next rules take effect
	limitTerm              // the equivalency rule's term
	limitLetter            // the expiry of the host's letter
	limitWorkStarted       // the day before work started (a letter void once work starts)
)

// candidate is one basis that holds (recognized or conditional).
type candidate struct {
	rank  int
	basis string
	until registry.Date
	why   limit
	cert  int // index in Facts.Certificates, or -1
	agr   int // index in Facts.Agreements, or -1
	eqv   int // index in Facts.Equivalencies, or -1
	rules int // index in Facts.HostRules of the rules the decision read, or -1
	// emps are the indices in Facts.Employers of the employer records the
	// host's employer conditions rest on, each once, in the order the
	// conditions cited them: a proof carries every one, so that it
	// re-derives each condition (see employerConditions).
	emps  []int
	terms *registry.HostTerms
	rule  *registry.EquivalencyRule
	met   uint32 // bit i: terms.Conditions[i] is met
	// letter is the index in Facts.Letters of the host's letter the
	// recognition rests on, or -1; succ the agreements that revise agr and
	// carry the recognition on without a break, in order.
	letter int
	succ   []int
}

// finding is a reason why a candidate basis failed. Its text is rendered
// only if the decision reports it.
type finding struct {
	code   string
	cert   int
	agr    int
	eqv    int
	rules  int
	emp    int
	status string
	detail uint8 // which variant of the code's sentence
	letter int
}

// sector_mismatch variants.
const (
	sectorCertVsQuestion uint8 = iota
	sectorAgreementVsCert
	sectorAgreementVsQuestion
	sectorEquivalencyVsQuestion
)

type decider struct {
	q     Question
	f     *Facts
	rules int // index of the host rules in force on q.On, or -1
	// rulesNext is the index of the host's next rules: the counted version
	// that takes effect first after q.On, or -1. A recognition that rests
	// on the host's rules ends the day before it (rulesBound).
	rulesNext int
	fr        bool // write the sentences in French (q.Lang)
	// rulesNote is a finding about host rules that did not count (issuer
	// mismatch, invalid), reported if the ISO basis needed them.
	rulesNote finding
	best      candidate
	fails     []finding
	// agr caches, per agreement, whether it counts: 0 not yet checked,
	// else one of the agr* values. agrX is used when there are more
	// agreements than agr holds.
	agr  [16]uint8
	agrX []uint8
	// notes are findings reported whatever the outcome (a corrected
	// status history).
	notes []finding
	// quoted collects, while a French sentence is written, the text it
	// quotes as a person typed it (see Reason.Quoted).
	quoted []Quote
}

// Whether an agreement counts.
const (
	agrUnchecked uint8 = iota
	agrOK
	agrInvalid
	agrIssuerNotParty
	agrUnsigned
)

// agreementState checks agreement j once per decision: valid terms,
// published by a party, signed by every party.
func (d *decider) agreementState(j int) uint8 {
	var p *uint8
	if j < len(d.agr) {
		p = &d.agr[j]
	} else {
		if d.agrX == nil {
			d.agrX = make([]uint8, len(d.f.Agreements))
		}
		p = &d.agrX[j]
	}
	if *p == agrUnchecked {
		af := &d.f.Agreements[j]
		t := &af.Agreement.Terms
		switch {
		case t.Validate() != nil:
			*p = agrInvalid
		case !t.HasParty(af.Ref.Iss):
			*p = agrIssuerNotParty
		case !signedByAll(af):
			*p = agrUnsigned
		default:
			*p = agrOK
		}
	}
	return *p
}

// Decide answers q from f. It is pure: no I/O, no clock; the same question
// and facts give the same decision. See the package documentation for the
// rules it applies.
func Decide(q Question, f Facts) Decision {
	if err := q.Validate(); err != nil {
		return Decision{
			Outcome: NotRecognized,
			Reasons: []Reason{{Code: ReasonInvalidQuestion, Text: invalidQuestionText(q, err)}},
		}
	}
	q.Sector, _ = NormalizeSector(q.Sector) // one form of the sector, compared everywhere
	d := decider{q: q, f: &f, rules: -1, rulesNext: -1, fr: q.Lang == French}
	d.best = candidate{cert: -1, agr: -1, eqv: -1, rules: -1, letter: -1}
	d.pickHostRules()
	nCert := d.certificates()
	nEqv := d.equivalencies()
	if nCert == 0 && nEqv == 0 {
		d.fail(noFinding(ReasonNoCertificate))
	}
	return d.decision()
}

func (d *decider) fail(x finding) {
	if x.code == "" {
		return
	}
	for _, y := range d.fails {
		if y == x {
			return
		}
	}
	d.fails = append(d.fails, x)
}

func noFinding(code string) finding {
	return finding{code: code, cert: -1, agr: -1, eqv: -1, rules: -1, emp: -1, letter: -1}
}

// consider keeps c if it is better than the best so far. Better: a higher
// outcome; then the host's own certificate; then the later valid_until;
// then the basis order agreement, ISO; then the smaller references (so that
// the choice does not depend on the order of the facts).
func (d *decider) consider(c candidate) {
	b := &d.best
	if c.rank != b.rank {
		if c.rank > b.rank {
			*b = c
		}
		return
	}
	if c.rank == rankNone {
		return
	}
	if ch, bh := c.basis == BasisHostCOR, b.basis == BasisHostCOR; ch != bh {
		if ch {
			*b = c
		}
		return
	}
	if k := c.until.Compare(b.until); k != 0 {
		if k > 0 {
			*b = c
		}
		return
	}
	if br, cr := basisOrder(b.basis), basisOrder(c.basis); br != cr {
		if cr < br {
			*b = c
		}
		return
	}
	if k := d.compareRefs(c, *b); k < 0 {
		*b = c
	}
}

func basisOrder(b string) int {
	switch b {
	case BasisHostCOR:
		return 0
	case BasisAgreement:
		return 1
	}
	return 2
}

func (d *decider) compareRefs(a, b candidate) int {
	if k := cmpIdxRef(a.cert, b.cert, func(i int) registry.Ref { return d.f.Certificates[i].Ref }); k != 0 {
		return k
	}
	if k := cmpIdxRef(a.agr, b.agr, func(i int) registry.Ref { return d.f.Agreements[i].Ref }); k != 0 {
		return k
	}
	if k := cmpIdxRef(a.eqv, b.eqv, func(i int) registry.Ref { return d.f.Equivalencies[i].Ref }); k != 0 {
		return k
	}
	for i := 0; i < len(a.emps) || i < len(b.emps); i++ {
		x, y := -1, -1
		if i < len(a.emps) {
			x = a.emps[i]
		}
		if i < len(b.emps) {
			y = b.emps[i]
		}
		if k := cmpIdxRef(x, y, func(i int) registry.Ref { return d.f.Employers[i].Ref }); k != 0 {
			return k
		}
	}
	return a.rank - b.rank
}

func cmpIdxRef(i, j int, ref func(int) registry.Ref) int {
	switch {
	case i < 0 && j < 0:
		return 0
	case i < 0:
		return -1
	case j < 0:
		return 1
	}
	return compareRef(ref(i), ref(j))
}

func compareRef(a, b registry.Ref) int {
	if k := strings.Compare(string(a.Iss), string(b.Iss)); k != 0 {
		return k
	}
	if k := strings.Compare(string(a.Kind), string(b.Kind)); k != 0 {
		return k
	}
	if k := strings.Compare(a.ID, b.ID); k != 0 {
		return k
	}
	switch {
	case a.Ver != b.Ver:
		if a.Ver > b.Ver { // newer version first
			return -1
		}
		return 1
	case a.Seq != b.Seq:
		if a.Seq > b.Seq {
			return -1
		}
		return 1
	}
	return 0
}

// pickHostRules selects the host's rules in force on q.On: the version with
// the latest effective_from, then the newest entry (newerEntry). Versions
// published by another node or invalid are set aside with a note. It also
// finds the host's next rules: of the counted versions that take effect
// after q.On, the first (and of those with that effective_from, the
// newest entry).
func (d *decider) pickHostRules() {
	on := d.q.On
	for i := range d.f.HostRules {
		hf := &d.f.HostRules[i]
		r := &hf.Rules
		if r.Jurisdiction != d.q.Host {
			continue
		}
		inForce, later := r.InForce(on), r.EffectiveFrom.After(on)
		if !inForce && !later {
			continue
		}
		if hf.Ref.Iss != r.Jurisdiction {
			if inForce {
				n := noFinding(ReasonHostRulesIssuerMismatch)
				n.rules = i
				d.rulesNote = n
			}
			continue
		}
		if r.Validate() != nil {
			if inForce {
				n := noFinding(ReasonHostRulesInvalid)
				n.rules = i
				d.rulesNote = n
			}
			continue
		}
		if later {
			if d.rulesNext >= 0 {
				cur := &d.f.HostRules[d.rulesNext]
				k := r.EffectiveFrom.Compare(cur.Rules.EffectiveFrom)
				if k > 0 || k == 0 && !newerEntry(hf, cur) {
					continue
				}
			}
			d.rulesNext = i
			continue
		}
		if d.rules >= 0 {
			cur := &d.f.HostRules[d.rules]
			k := r.EffectiveFrom.Compare(cur.Rules.EffectiveFrom)
			if k < 0 || k == 0 && !newerEntry(hf, cur) {
				continue
			}
		}
		d.rules = i
	}
}

// newerEntry reports whether host rules a are a newer entry than b, both
// published by the host's node: the larger seq in its log, then the
// larger version; the references decide only between copies of one entry.
func newerEntry(a, b *HostRulesFact) bool {
	switch {
	case a.Ref.Seq != b.Ref.Seq:
		return a.Ref.Seq > b.Ref.Seq
	case a.Ref.Ver != b.Ref.Ver:
		return a.Ref.Ver > b.Ref.Ver
	}
	return compareRef(a.Ref, b.Ref) < 0
}

// rulesBound tightens (until, why), a recognition that rests on the host's
// rules in force (d.rules), by their end: their effective_to, and the day
// before the host's next rules take effect.
func (d *decider) rulesBound(until registry.Date, why limit) (registry.Date, limit) {
	if r := &d.f.HostRules[d.rules].Rules; !r.EffectiveTo.IsZero() {
		until, why = tighten(until, why, r.EffectiveTo, limitRulesEnd)
	}
	if d.rulesNext >= 0 {
		until, why = tighten(until, why, d.f.HostRules[d.rulesNext].Rules.EffectiveFrom.AddDays(-1), limitRulesNext)
	}
	return until, why
}

// rulesEvidence adds to ev the host's rules a recognition rests on: the
// version in force, unless ev holds it, when it decided that the
// certificate counts (home_cor_agreement for a foreign SECOR or an
// ISO-based COR) or when the validity ends with it (limitRulesEnd,
// limitRulesNext); and the next version when that bounds it. A proof then
// carries what decides it and what bounds it, so that re-deciding its
// evidence alone reaches the same answer.
func (d *decider) rulesEvidence(ev []registry.Ref) []registry.Ref {
	b := &d.best
	if b.rules < 0 || b.basis != BasisAgreement && b.why != limitRulesEnd && b.why != limitRulesNext {
		return ev
	}
	if r := d.f.HostRules[b.rules].Ref; !slices.Contains(ev, r) {
		ev = append(ev, r)
	}
	if b.why == limitRulesNext {
		ev = append(ev, d.f.HostRules[d.rulesNext].Ref)
	}
	return ev
}

// certificates evaluates the host_cor and home_cor_agreement bases for
// every certificate of the employer, and returns how many there were.
func (d *decider) certificates() int {
	n := 0
	on := d.q.On
	for i := range d.f.Certificates {
		cf := &d.f.Certificates[i]
		c := &cf.Certificate
		if c.EmployerBN != d.q.BN {
			continue
		}
		n++
		x := noFinding("")
		x.cert = i
		if cf.Ref.Iss != c.Jurisdiction {
			x.code = ReasonCertificateIssuerMismatch
			d.fail(x)
			continue
		}
		if !c.Jurisdiction.Valid() || c.IssuedOn.IsZero() || c.ExpiresOn.IsZero() || c.ExpiresOn.Before(c.IssuedOn) {
			x.code = ReasonCertificateInvalid
			d.fail(x)
			continue
		}
		st := CertificateStatusOn(c, on)
		d.noteCorrection(c.History, on, i, -1)
		if st != registry.StatusActive {
			x.code, x.status = statusReason(st), st
			d.fail(x)
			continue
		}
		until, why := c.ExpiresOn, limitExpiry
		if next := nextInactive(c.History, on); !next.IsZero() {
			until, why = tighten(until, why, next.AddDays(-1), limitStatus)
		}
		if c.Jurisdiction == d.q.Host {
			covers, bridge := d.hostCertCovers(c)
			if !covers {
				x.code, x.detail = ReasonSectorMismatch, sectorCertVsQuestion
				d.fail(x)
				continue
			}
			d.consider(candidate{rank: rankRecognized, basis: BasisHostCOR, until: until, why: why,
				cert: i, agr: bridge, eqv: -1, rules: -1, letter: -1})
			continue
		}
		d.agreements(i, until, why)
	}
	return n
}

// hostCertCovers reports whether the host's own certificate c covers the
// question's sector, and the agreement that bridges them (-1: none was
// needed). A question by industry code of a certificate named by sector,
// or by a sector's name of a certificate named by codes: the sector's
// codes are those an agreement that counts gives it, as for a certificate
// from another province (certCovers). Of several such agreements, the one
// with the smallest reference, so that the choice does not depend on the
// order of the facts. The bridge is evidence: the recognition rests on it.
// With no such agreement, a NAICS sector's own codes bridge them
// (certCoversByNAICS; the standard, not a record, so nothing is cited).
func (d *decider) hostCertCovers(c *registry.Certificate) (bool, int) {
	if certCovers(d.q.Sector, c, nil) {
		return true, -1
	}
	bridge := -1
	for k := range d.f.Agreements {
		af := &d.f.Agreements[k]
		t := &af.Agreement.Terms
		if d.agreementState(k) != agrOK || !certCovers(d.q.Sector, c, t) {
			continue
		}
		if bridge < 0 || compareRef(af.Ref, d.f.Agreements[bridge].Ref) < 0 {
			bridge = k
		}
	}
	if bridge < 0 && certCoversByNAICS(d.q.Sector, c) {
		return true, -1
	}
	return bridge >= 0, bridge
}

// tighten returns the earlier of (u, w) and (v, x); on a tie the existing
// bound is kept.
func tighten(u registry.Date, w limit, v registry.Date, x limit) (registry.Date, limit) {
	if v.Before(u) {
		return v, x
	}
	return u, w
}

// agreements evaluates the home_cor_agreement basis for certificate ci,
// active on q.On and valid through until as far as the certificate goes.
func (d *decider) agreements(ci int, until registry.Date, why limit) {
	c := &d.f.Certificates[ci].Certificate
	host, on := d.q.Host, d.q.On
	relevant, inForce, firstOut := 0, 0, -1
	for j := range d.f.Agreements {
		af := &d.f.Agreements[j]
		t := &af.Agreement.Terms
		if !t.HasParty(c.Jurisdiction) || !t.HasParty(host) {
			continue
		}
		relevant++
		if !t.InForce(on) {
			if firstOut < 0 {
				firstOut = j
			}
			continue
		}
		inForce++
		x := noFinding("")
		x.cert, x.agr = ci, j
		switch d.agreementState(j) {
		case agrInvalid:
			x.code = ReasonAgreementInvalid
		case agrIssuerNotParty:
			x.code = ReasonAgreementIssuerNotParty
		case agrUnsigned:
			x.code = ReasonAgreementUnsigned
		}
		if w, _ := af.WithdrawnFor(c.Jurisdiction, host); x.code == "" && !w.IsZero() && !on.Before(w) {
			x.code = ReasonAgreementWithdrawn
		}
		if x.code != "" {
			d.fail(x)
			continue
		}
		if !agreementCoversCert(t, c) {
			x.code, x.detail = ReasonSectorMismatch, sectorAgreementVsCert
			d.fail(x)
			continue
		}
		if !agreementCoversQuestion(t, d.q.Sector) {
			x.code, x.detail = ReasonSectorMismatch, sectorAgreementVsQuestion
			d.fail(x)
			continue
		}
		if !certCovers(d.q.Sector, c, t) {
			x.code, x.detail = ReasonSectorMismatch, sectorCertVsQuestion
			d.fail(x)
			continue
		}
		if !namesProgram(t.Programs, c) {
			x.code = ReasonProgramNotInAgreement
			d.fail(x)
			continue
		}
		ht, _ := t.Host(host) // Validate: every party has host terms
		if has(ht.ExcludedPrograms, c.Program) {
			x.code = ReasonProgramExcludedByHost
			d.fail(x)
			continue
		}
		if c.ProgramDefinition != "" && has(ht.ExcludedPrograms, c.ProgramDefinition) {
			x.code = ReasonProgramDefinitionExcluded
			d.fail(x)
			continue
		}
		// readRules: the host's rules decide whether this certificate
		// counts (a foreign SECOR, an ISO-based COR), so the recognition
		// ends with them; with no version in force on the date asked,
		// whether it counts is unknown, as for an equivalency asked about
		// directly (equivalencies).
		readRules := c.Program == registry.ProgramSECOR || c.Basis == registry.BasisEquivalency
		if readRules && d.rules < 0 {
			if d.rulesNote.code != "" {
				d.fail(d.rulesNote)
			}
			x.code = ReasonHostRulesUnknown
			d.fail(x)
			continue
		}
		if c.Program == registry.ProgramSECOR && !d.f.HostRules[d.rules].Rules.RecognizesForeignSECOR {
			x.code, x.rules = ReasonProgramExcludedByHost, d.rules
			d.fail(x)
			continue
		}
		// A COR issued on an ISO/CSA equivalency gives the host no more
		// than the ISO certificate it rests on would get if presented
		// directly: the host's ISO rule judges that certificate
		// (standard, designated body, IAF mark, scope), as
		// EquivalencyUnderHostRules does; the refusal is the rule's.
		basis := -1
		if c.Basis == registry.BasisEquivalency {
			if r := pickRule(d.f.HostRules[d.rules].Rules.Equivalency, d.q.Sector); r == nil || !r.Accepted {
				x.code, x.rules = ReasonISONotAccepted, d.rules
				d.fail(x)
				continue
			}
			if basis = d.basisEquivalency(c); basis < 0 {
				x.code, x.rules = ReasonBasisEquivalencyUnknown, d.rules
				d.fail(x)
				continue
			}
			y := x
			y.eqv, y.rules = basis, d.rules
			if d.equivalencyRule(&d.f.Equivalencies[basis].Equivalency, &y); y.code != "" {
				d.fail(y)
				continue
			}
		}
		if len(ht.Uses) > 0 && !has(ht.Uses, d.q.Use) {
			x.code = ReasonUseNotAllowed
			if d.q.Use == UseWork && has(ht.Conditions, registry.CondVoidOnceWorkStarts) {
				x.code = ReasonWorkVoidsReciprocity
			}
			d.fail(x)
			continue
		}
		cand := candidate{rank: rankRecognized, basis: BasisAgreement, until: until, why: why,
			cert: ci, agr: j, eqv: basis, rules: -1, terms: ht, letter: -1}
		failed := false
		anyEmp := -1 // a record showing no active WCB account in the host, if none other is cited
		for k, code := range ht.Conditions {
			met := true
			switch code {
			case registry.CondNoActiveHostWCBAccount:
				emp, active := d.hostWCBAccount()
				op, operating := d.operatingInHost()
				switch {
				case active:
					x.code, x.emp = ReasonHostWCBAccountActive, emp
					d.fail(x)
					failed = true
				case operating:
					x.code, x.emp = ReasonOperatingInHost, op
					d.fail(x)
					failed = true
				case emp < 0:
					met = false
				default:
					// Any employer record shows it, so any record another
					// condition cites does too; this one is cited only when
					// none is (after the loop).
					anyEmp = emp
				}
			case registry.CondNoPermanentOfficeInHost:
				emp, office, known := d.hostOffice()
				switch {
				case office:
					x.code, x.emp = ReasonPermanentOfficeInHost, emp
					d.fail(x)
					failed = true
				case !known:
					met = false // no employer record says where it has offices
				default:
					// Only a record listing the employer's presence shows it.
					cand.emps = addIndex(cand.emps, emp)
				}
			case registry.CondPerWCBAccount:
				// Each account counts on the days it is open: one an
				// employer record shows opened after On or closed before
				// it is not covered (as a closed account no longer
				// matches its former holder). For each account not
				// covered, met or not, a record showing it not open is
				// cited (one already cited when it shows it), so that a
				// proof re-derives which accounts the recognition covers
				// (the condition's text names them): these may be other
				// records than the office condition's.
				covered, _, by := d.coveredAccounts(c)
				met = len(covered) > 0
				for _, rs := range by {
					cand.emps = d.citeOneOf(cand.emps, rs)
				}
			case registry.CondBidUseOnly, registry.CondVoidOnceWorkStarts:
				// limits: the use check above let only bids through
			}
			if failed {
				break
			}
			if met {
				cand.met |= 1 << k
			} else {
				cand.rank = rankConditional
			}
		}
		if !failed && len(cand.emps) == 0 && anyEmp >= 0 {
			cand.emps = []int{anyEmp}
		}
		if !failed && has(ht.Conditions, registry.CondPerWCBAccount) {
			cand.emps = d.citeOpenAccounts(c, cand.emps)
		}
		if failed {
			continue
		}
		if readRules {
			cand.rules = d.rules
			cand.until, cand.why = d.rulesBound(cand.until, cand.why)
		}
		if end := d.agreementEnd(j, c.Jurisdiction); !end.IsZero() {
			if end.Before(cand.until) {
				end, cand.succ = d.succession(j, c, end)
			}
			if !end.IsZero() {
				cand.until, cand.why = tighten(cand.until, cand.why, end, limitAgreement)
			}
		}
		if !d.applyLetter(&cand, x, ht) {
			continue
		}
		d.consider(cand)
	}
	x := noFinding("")
	x.cert = ci
	switch {
	case relevant == 0:
		x.code = ReasonNoAgreement
		d.fail(x)
	case inForce == 0:
		x.code, x.agr = ReasonAgreementNotInForce, firstOut
		d.fail(x)
	}
}

// coveredAccounts splits the WCB accounts certificate c names into those
// covered on the date asked (no employer record of the employer shows the
// account, in c's jurisdiction, other than open then: registry.WCBAccount
// ActiveOn) and those not (every record listing it shows it opened after
// the date or closed before it). by[i] holds the employer records listing
// closed[i] (each shows it not open), in the order of Facts.Employers. An
// account no record lists keeps the certificate's word: its dates are not
// known.
func (d *decider) coveredAccounts(c *registry.Certificate) (covered, closed []string, by [][]int) {
	for _, n := range c.WCBAccounts {
		open, notOpen := d.accountRecords(c.Jurisdiction, n)
		if len(notOpen) > 0 && len(open) == 0 {
			closed = append(closed, n)
			by = append(by, notOpen)
			continue
		}
		covered = append(covered, n)
	}
	return covered, closed, by
}

// accountRecords returns the employer records of the employer asked about
// that list WCB account n in jurisdiction j: those showing it open on the
// date asked and those showing it not open, each once, in the order of
// Facts.Employers.
func (d *decider) accountRecords(j registry.Jurisdiction, n string) (open, notOpen []int) {
	key := registry.FoldWCB(n)
	for i := range d.f.Employers {
		e := &d.f.Employers[i].Employer
		if e.BN != d.q.BN {
			continue
		}
		for _, a := range e.WCBAccounts {
			if a.Jurisdiction != j || registry.FoldWCB(a.Number) != key {
				continue
			}
			if a.ActiveOn(d.q.On) {
				open = addIndex(open, i)
			} else {
				notOpen = addIndex(notOpen, i)
			}
		}
	}
	return open, notOpen
}

// citeOneOf returns cited with one of the employer records rs added: none
// when cited already holds one of them, else the one with the smallest
// reference. A proof carrying the records cited re-derives the same
// choice: the records it lacks were neither cited nor smallest.
func (d *decider) citeOneOf(cited, rs []int) []int {
	best := -1
	for _, i := range rs {
		if slices.Contains(cited, i) {
			return cited
		}
		if best < 0 || compareRef(d.f.Employers[i].Ref, d.f.Employers[best].Ref) < 0 {
			best = i
		}
	}
	if best < 0 {
		return cited
	}
	return append(cited, best)
}

// citeOpenAccounts returns cited with, for each account certificate c
// names that is covered on On although a cited employer record shows it
// not open (the records disagree), a record showing it open (one already
// cited when one does, else the smallest reference), until no cited record
// leaves one out. Without it a proof, carrying only the records cited,
// would re-derive the account as not covered.
func (d *decider) citeOpenAccounts(c *registry.Certificate, cited []int) []int {
	for {
		n := len(cited)
		for _, num := range c.WCBAccounts {
			open, notOpen := d.accountRecords(c.Jurisdiction, num)
			if len(open) > 0 && slices.ContainsFunc(notOpen, func(i int) bool { return slices.Contains(cited, i) }) {
				cited = d.citeOneOf(cited, open)
			}
		}
		if len(cited) == n {
			return cited
		}
	}
}

// addIndex returns is with i added, unless it holds it already.
func addIndex(is []int, i int) []int {
	if slices.Contains(is, i) {
		return is
	}
	return append(is, i)
}

// hostWCBAccount looks for a WCB account in the host among the employer's
// records. It returns the index of an employer record that lists one (and
// true); else the index of the employer record with the smallest reference
// (-1 when there is none) and false.
func (d *decider) hostWCBAccount() (int, bool) {
	first := -1
	for i := range d.f.Employers {
		e := &d.f.Employers[i].Employer
		if e.BN != d.q.BN {
			continue
		}
		for _, a := range e.WCBAccounts {
			if a.Jurisdiction == d.q.Host && a.ActiveOn(d.q.On) {
				return i, true
			}
		}
		if first < 0 || compareRef(d.f.Employers[i].Ref, d.f.Employers[first].Ref) < 0 {
			first = i
		}
	}
	return first, false
}

// basisEquivalency returns the index in Facts.Equivalencies of the
// equivalency record certificate c was issued on (c.BasisRef, of c's
// employer, published by c's jurisdiction's node; of several versions the
// newest), or -1 when the facts hold none.
func (d *decider) basisEquivalency(c *registry.Certificate) int {
	found := -1
	for i := range d.f.Equivalencies {
		ef := &d.f.Equivalencies[i]
		if ef.Equivalency.ID != c.BasisRef || ef.Equivalency.EmployerBN != c.EmployerBN || ef.Ref.Iss != c.Jurisdiction {
			continue
		}
		if found < 0 || compareRef(ef.Ref, d.f.Equivalencies[found].Ref) < 0 {
			found = i
		}
	}
	return found
}

func signedByAll(af *AgreementFact) bool {
	for _, p := range af.Agreement.Terms.Parties {
		if !hasJ(af.SignedBy, p) {
			return false
		}
	}
	return true
}

// missingSignatures lists the parties not in af.SignedBy.
func missingSignatures(af *AgreementFact) []registry.Jurisdiction {
	var m []registry.Jurisdiction
	for _, p := range af.Agreement.Terms.Parties {
		if !hasJ(af.SignedBy, p) {
			m = append(m, p)
		}
	}
	return m
}

// equivalencies evaluates the iso_equivalency basis for every equivalency
// record of the employer, and returns how many there were.
func (d *decider) equivalencies() int {
	n := 0
	on := d.q.On
	for i := range d.f.Equivalencies {
		e := &d.f.Equivalencies[i].Equivalency
		if e.EmployerBN != d.q.BN {
			continue
		}
		n++
		x := noFinding("")
		x.eqv = i
		if !EquivalencyCounts(&d.f.Equivalencies[i], d.q.Host) {
			x.code = ReasonEquivalencyIssuerNotCovered
			d.fail(x)
			continue
		}
		if e.Decision != registry.DecisionAccepted {
			x.code, x.status = ReasonEquivalencyNotAccepted, e.Decision
			d.fail(x)
			continue
		}
		if e.ValidFrom.IsZero() || on.Before(e.ValidFrom) {
			x.code = ReasonEquivalencyNotYetValid
			d.fail(x)
			continue
		}
		if e.ValidTo.IsZero() || on.After(e.ValidTo) {
			x.code = ReasonEquivalencyExpired
			d.fail(x)
			continue
		}
		d.noteCorrection(e.History, on, -1, i)
		if st := EquivalencyStatusOn(e, on); st != registry.StatusActive {
			x.code, x.status = ReasonEquivalencyNotActive, st
			d.fail(x)
			continue
		}
		if d.rules < 0 {
			if d.rulesNote.code != "" {
				d.fail(d.rulesNote)
			}
			x.code = ReasonHostRulesUnknown
			d.fail(x)
			continue
		}
		x.rules = d.rules
		rule := d.equivalencyRule(e, &x)
		if x.code != "" {
			d.fail(x)
			continue
		}
		until, why := e.ValidTo, limitEqvValidTo
		if next := nextInactive(e.History, on); !next.IsZero() {
			until, why = tighten(until, why, next.AddDays(-1), limitStatus)
		}
		until, why = d.rulesBound(until, why)
		if rule.TermMonths > 0 {
			until, why = tighten(until, why, on.AddMonths(rule.TermMonths), limitTerm)
		}
		d.consider(candidate{rank: rankRecognized, basis: BasisISO, until: until, why: why,
			cert: -1, agr: -1, eqv: i, rules: d.rules, rule: rule, letter: -1})
	}
	return n
}

// equivalencyRule judges equivalency e under the host's rules in force
// (d.rules, which must be >= 0): it returns the rule for the question's
// sector, or sets x's code (and detail) to why the rules do not accept e:
// no rule accepting equivalency for the sector, a standard the rule does
// not list, a body it does not designate, no IAF mark, a scope not
// covering the operations, the sector or host outside the certification.
func (d *decider) equivalencyRule(e *registry.Equivalency, x *finding) *registry.EquivalencyRule {
	r := &d.f.HostRules[d.rules].Rules
	if d.q.Sector == "" && len(e.IndustryCodes) > 0 {
		// No sector asked: the certification's own industry codes choose
		// the rule; where they span several, every rule they fall under
		// judges it and the shortest term bounds it, so that it never
		// gets a longer term than its own sector would.
		var rule *registry.EquivalencyRule
		for _, cand := range rulesForCodes(r.Equivalency, e.IndustryCodes) {
			if d.judgeEquivalency(e, cand, x); x.code != "" {
				return nil
			}
			if rule == nil || shorterTerm(cand, rule) {
				rule = cand
			}
		}
		if rule == nil {
			x.code = ReasonISONotAccepted
		}
		return rule
	}
	rule := pickRule(r.Equivalency, d.q.Sector)
	d.judgeEquivalency(e, rule, x)
	return rule
}

// judgeEquivalency sets x's code (and detail) to why rule (may be nil)
// does not accept e; it leaves x alone when it does.
func (d *decider) judgeEquivalency(e *registry.Equivalency, rule *registry.EquivalencyRule, x *finding) {
	if rule == nil || !rule.Accepted {
		x.code = ReasonISONotAccepted
		return
	}
	switch {
	case d.q.Sector != "" && len(e.IndustryCodes) > 0 && !d.equivalencyCovers(e, rule):
		x.code, x.detail = ReasonSectorMismatch, sectorEquivalencyVsQuestion
	case !has(rule.Standards, e.Standard):
		x.code = ReasonStandardNotAccepted
	case rule.DesignatedBodyRequired && (strings.TrimSpace(e.AccreditationBody) == "" ||
		len(rule.DesignatedBodies) > 0 && !has(rule.DesignatedBodies, e.CertificationBody)):
		x.code = ReasonBodyNotDesignated
	case rule.IAFMarkRequired && !e.IAFAccredited:
		x.code = ReasonIAFMarkMissing
	case rule.ScopeMustCoverOperations && !e.ScopeAligned:
		x.code = ReasonScopeNotAligned
	case len(e.Provinces) > 0 && !hasJ(e.Provinces, d.q.Host):
		x.code = ReasonScopeExcludesHost
	}
}

// rulesForCodes returns the equivalency rules a certification with
// industry codes codes falls under: each sector rule one of its codes is
// under or above (an energy code under AB's energy rule), and the rule
// for every sector when one of its codes is under no sector rule (or no
// sector rule has codes). A sector rule without industry codes is never
// chosen by codes. The general rule may be nil (the host has none).
func rulesForCodes(rules []registry.EquivalencyRule, codes []string) []*registry.EquivalencyRule {
	var out []*registry.EquivalencyRule
	var general *registry.EquivalencyRule
	for i := range rules {
		r := &rules[i]
		switch {
		case r.Sector == "":
			general = r
		case len(r.IndustryCodes) > 0 && overlaps(codes, r.IndustryCodes):
			out = append(out, r)
		}
	}
	rest := false
	for _, c := range codes {
		under := false
		for _, r := range out {
			if hasPrefix(c, r.IndustryCodes) {
				under = true
			}
		}
		rest = rest || !under
	}
	if rest || len(out) == 0 {
		out = append(out, general) // may be nil: no rule for every sector
	}
	return out
}

// shorterTerm reports whether rule a bounds a recognition more tightly
// than b: a term where b has none (0, only the certification's validity),
// or a shorter one.
func shorterTerm(a, b *registry.EquivalencyRule) bool {
	switch {
	case a.TermMonths == 0:
		return false
	case b.TermMonths == 0:
		return true
	}
	return a.TermMonths < b.TermMonths
}

// EquivalencyCounts reports whether equivalency record ef counts for a
// question about host: when the host's node published it, or the node of a
// jurisdiction its provinces name (where the certified operations are,
// which has standing to attest them). A record another member published
// about operations elsewhere creates no recognition in the host. Decide
// applies it, so the answering node and whoever re-derives a proof
// (federation's VerifyProof) read the same records the same way.
func EquivalencyCounts(ef *EquivalencyFact, host registry.Jurisdiction) bool {
	return ef.Ref.Iss == host || hasJ(ef.Equivalency.Provinces, ef.Ref.Iss)
}

// equivalencyCovers reports whether equivalency e, which lists industry
// codes, covers the question's sector under the host's rule: an industry
// code must be under one of them; a sector name is bridged to codes as
// certCovers bridges them, by the rule for that sector (AB's energy: 211,
// 2131, 486), else by a counted agreement for it (construction: 23), and
// one of e's codes must overlap one of those (be under it, or above it).
// A name no rule or agreement gives codes to is bridged by its NAICS codes
// (sectorWords), and a name with none (energy without its rule) is not
// checked.
func (d *decider) equivalencyCovers(e *registry.Equivalency, rule *registry.EquivalencyRule) bool {
	s := d.q.Sector
	if registry.IsIndustryCode(s) {
		return hasPrefix(s, e.IndustryCodes)
	}
	known := false
	if len(rule.IndustryCodes) > 0 && sameSector(rule.Sector, s) {
		if overlaps(e.IndustryCodes, rule.IndustryCodes) {
			return true
		}
		known = true
	}
	for k := range d.f.Agreements {
		t := &d.f.Agreements[k].Agreement.Terms
		if len(t.IndustryCodes) == 0 || !sameSector(t.Sector, s) || d.agreementState(k) != agrOK {
			continue
		}
		if overlaps(e.IndustryCodes, t.IndustryCodes) {
			return true
		}
		known = true
	}
	if !known {
		// A NAICS sector no rule or agreement names is bridged by its
		// own codes (manufacturing: 31, 32, 33).
		if codes := sectorCodes(s); len(codes) > 0 {
			return overlaps(e.IndustryCodes, codes)
		}
	}
	return !known
}

// overlaps reports whether one of codes is under one of prefixes or above
// it (the one a prefix of the other).
func overlaps(codes, prefixes []string) bool {
	for _, c := range codes {
		for _, p := range prefixes {
			if strings.HasPrefix(c, p) || strings.HasPrefix(p, c) {
				return true
			}
		}
	}
	return false
}

// pickRule returns the equivalency rule for sector: the rule named for it
// (by name, or by industry code prefix), else the rule for every sector.
func pickRule(rules []registry.EquivalencyRule, sector string) *registry.EquivalencyRule {
	var general *registry.EquivalencyRule
	code := registry.IsIndustryCode(sector)
	for i := range rules {
		r := &rules[i]
		switch {
		case r.Sector == "":
			general = r
		case sector == "":
		case code && hasPrefix(sector, r.IndustryCodes):
			return r
		case !code && sameSector(r.Sector, sector):
			return r
		}
	}
	return general
}

// CertificateStatusOn returns c's status on date d. Before its issue date,
// and before its first recorded status change, it is the pseudo-status
// StatusNotIssued (a certificate first recorded as pending was never active
// before). Otherwise it is the status of the last change in History on or
// before d (the later one in History order when two share a date; History
// need not be sorted). After ExpiresOn it is expired, unless it had already
// ended otherwise (cancelled, revoked, superseded), as registry's
// Certificate.StatusOn also says. A certificate with no History is taken to
// be in its current Status from its issue date, active when Status is empty.
func CertificateStatusOn(c *registry.Certificate, d registry.Date) string {
	if st := c.StatusOn(d); st != "" {
		return st
	}
	return StatusNotIssued
}

// EquivalencyStatusOn returns e's status on date d in IAF's vocabulary
// (active, suspended, withdrawn, expired): "expired" after ValidTo, the pseudo-status "not_issued"
// before ValidFrom or before its first recorded status change, else the
// status of the last change on or before d; with no History, its current
// Status ("active" when empty).
func EquivalencyStatusOn(e *registry.Equivalency, d registry.Date) string {
	if d.Before(e.ValidFrom) {
		return StatusNotIssued
	}
	if !e.ValidTo.IsZero() && d.After(e.ValidTo) {
		return registry.StatusExpired
	}
	if len(e.History) == 0 {
		if e.Status == "" {
			return registry.StatusActive
		}
		return e.Status
	}
	if st, ok := statusAt(e.History, d); ok {
		return st
	}
	return StatusNotIssued
}

// statusAt returns the status of the last change on or before d.
func statusAt(h []registry.StatusChange, d registry.Date) (string, bool) {
	return registry.StatusAt(h, d)
}

// nextInactive returns the date of the first recorded (not annulled) change
// after d to a status other than active, or the zero date.
func nextInactive(h []registry.StatusChange, d registry.Date) registry.Date {
	var next registry.Date
	for i := range h {
		c := &h[i]
		if !c.On.After(d) || c.Status == registry.StatusActive || c.Annulled != nil {
			continue
		}
		if next.IsZero() || c.On.Before(next) {
			next = c.On
		}
	}
	return next
}

func statusReason(st string) string {
	switch st {
	case StatusNotIssued:
		return ReasonCertificateNotYetIssued
	case registry.StatusPending:
		return ReasonCertificatePending
	case registry.StatusExpired:
		return ReasonCertificateExpired
	case registry.StatusSuspended:
		return ReasonCertificateSuspended
	case registry.StatusCancelled:
		return ReasonCertificateCancelled
	case registry.StatusRevoked:
		return ReasonCertificateRevoked
	case registry.StatusSuperseded:
		return ReasonCertificateSuperseded
	}
	return ReasonCertificateNotActive
}

// certCovers reports whether certificate c covers the work a question's
// sector names. A certificate with neither sector nor industry scope covers
// every sector. Agreement t (may be nil) bridges names and codes: a
// certificate in t's sector covers codes under t's industry codes, and a
// certificate whose codes are under them covers t's sector name.
func certCovers(sector string, c *registry.Certificate, t *registry.AgreementTerms) bool {
	if sector == "" || c.Sector == "" && len(c.IndustryScope) == 0 {
		return true
	}
	if registry.IsIndustryCode(sector) {
		if len(c.IndustryScope) > 0 {
			return hasPrefix(sector, c.IndustryScope)
		}
		return t != nil && sameSector(c.Sector, t.Sector) && hasPrefix(sector, t.IndustryCodes)
	}
	if c.Sector != "" {
		return sameSector(c.Sector, sector)
	}
	return t != nil && sameSector(sector, t.Sector) && anyUnder(c.IndustryScope, t.IndustryCodes)
}

// certCoversByNAICS reports whether certificate c covers the question's
// sector through a NAICS sector's own 2-digit codes (sectorWords), for a
// sector no agreement bridges: a question by a NAICS sector's name of a
// certificate named by codes under them (manufacturing: 31, 32, 33), or
// by a code under them of a certificate named by that sector.
func certCoversByNAICS(sector string, c *registry.Certificate) bool {
	if registry.IsIndustryCode(sector) {
		return len(c.IndustryScope) == 0 && hasPrefix(sector, sectorCodes(c.Sector))
	}
	codes := sectorCodes(sector)
	return c.Sector == "" && len(codes) > 0 && anyUnder(c.IndustryScope, codes)
}

// agreementCoversCert: the certificate is in the agreement's sector, by
// name or by all of its industry codes.
func agreementCoversCert(t *registry.AgreementTerms, c *registry.Certificate) bool {
	if c.Sector != "" {
		return sameSector(c.Sector, t.Sector)
	}
	return anyUnder(c.IndustryScope, t.IndustryCodes)
}

func agreementCoversQuestion(t *registry.AgreementTerms, sector string) bool {
	switch {
	case sector == "":
		return true
	case registry.IsIndustryCode(sector):
		return hasPrefix(sector, t.IndustryCodes)
	}
	return sameSector(sector, t.Sector)
}

// hasPrefix reports whether code starts with one of prefixes.
func hasPrefix(code string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

// anyUnder reports whether codes is not empty and every one is under one of
// prefixes.
func anyUnder(codes, prefixes []string) bool {
	if len(codes) == 0 {
		return false
	}
	for _, c := range codes {
		if !hasPrefix(c, prefixes) {
			return false
		}
	}
	return true
}

// namesProgram reports whether a rule's program list names certificate c's
// program (COR) or the program definition it was issued under (ECOR): an
// enhanced COR is a COR, a plain COR is not an enhanced one.
func namesProgram(list []string, c *registry.Certificate) bool {
	return has(list, c.Program) || c.ProgramDefinition != "" && has(list, c.ProgramDefinition)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasJ(list []registry.Jurisdiction, j registry.Jurisdiction) bool {
	for _, x := range list {
		if x == j {
			return true
		}
	}
	return false
}
