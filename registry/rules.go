package registry

import (
	"errors"
	"fmt"
	"github.com/corfed/corfed/registry/strictjson"
	"strconv"
	"strings"
)

// This file holds the rule records: the reciprocity agreements and each
// jurisdiction's own recognition rules. Rules are data, not code: they are
// signed records of the node that issues them (KindAgreement, KindHostRules),
// and the equivalence package decides over them. The rule files shipped in
// testdata/rules are documented field by field in testdata/rules/README.md.

// Uses of a recognition: bidding on work in the host, or doing it there.
const (
	UseBid  = "bid"
	UseWork = "work"
)

// Condition codes a host attaches to the reciprocity it grants (HostTerms
// Conditions) or to the equivalency it accepts (EquivalencyRule Conditions).
// They are stable machine codes; the equivalence package documents how each
// is evaluated.
const (
	// CondNoActiveHostWCBAccount: only for firms with no active WCB account
	// in the host (BC: no active WorkSafeBC account).
	CondNoActiveHostWCBAccount = "no_active_host_wcb_account"
	// CondBidUseOnly: the recognition is for bidding only, not for work.
	CondBidUseOnly = "bid_use_only"
	// CondVoidOnceWorkStarts: the recognition is void once work starts in
	// the host (MB), when the host's own equivalency is needed.
	CondVoidOnceWorkStarts = "void_once_work_starts"
	// CondNoPermanentOfficeInHost: only for firms with no permanent office in
	// the host (SK). No record corfed keeps can show it.
	CondNoPermanentOfficeInHost = "no_permanent_office_in_host"
	// CondPerWCBAccount: each WCB account qualifies on its own (SK, ON): the
	// recognition covers the accounts the home certificate names.
	CondPerWCBAccount = "per_wcb_account"
	// CondYearlyReapplication: an accepted equivalency is re-applied for
	// every year (Energy Safety Canada).
	CondYearlyReapplication = "yearly_reapplication"
	// CondCertificationMaintained: the equivalency is maintained in years 2
	// and 3 by proof that the external certification is maintained (AB).
	CondCertificationMaintained = "certification_maintained"
)

// AgreementConditions lists the condition codes HostTerms may carry.
var AgreementConditions = []string{
	CondNoActiveHostWCBAccount, CondBidUseOnly, CondVoidOnceWorkStarts,
	CondNoPermanentOfficeInHost, CondPerWCBAccount,
}

// EquivalencyConditions lists the condition codes EquivalencyRule may carry.
var EquivalencyConditions = []string{CondYearlyReapplication, CondCertificationMaintained}

// PartySignature is one party's compact JWS over an agreement's canonical
// terms (AgreementTerms.SigningPayload). Whoever reads an agreement verifies
// each signature against that party's pinned key; this package does no
// cryptography.
type PartySignature struct {
	Party string `json:"party"`
	JWS   string `json:"jws"`
}

// Agreement is a reciprocity agreement: terms that every party signs.
type Agreement struct {
	Terms      AgreementTerms   `json:"terms"`
	Signatures []PartySignature `json:"signatures"`
	// Withdrawn, on the publishing party's copy, says that party withdrew
	// from the agreement: it no longer counts from that date.
	Withdrawn *Withdrawal `json:"withdrawn,omitempty"`
}

// AgreementTerms are the signed terms of a reciprocity agreement between
// jurisdictions: which home certificates each party recognizes as host, in
// which sector, for how long and on which conditions.
type AgreementTerms struct {
	ID      string         `json:"id"`
	Title   string         `json:"title"`
	Parties []Jurisdiction `json:"parties"`
	// Sector is the sector name the agreement covers ("construction").
	Sector string `json:"sector"`
	// IndustryCodes are the industry code prefixes (NAICS) of Sector: a
	// certificate or question that gives codes rather than a sector name is
	// in the sector when one of its codes starts with one of these.
	IndustryCodes []string `json:"industry_codes,omitempty"`
	// Programs the agreement recognizes ("COR"). A program not listed (SECOR)
	// is not recognized.
	Programs []string `json:"programs"`
	// Hosts holds one entry per party: what that party grants as host.
	Hosts         []HostTerms `json:"hosts"`
	EffectiveFrom Date        `json:"effective_from"`
	EffectiveTo   Date        `json:"effective_to,omitzero"` // zero: open-ended
	Sources       []string    `json:"sources"`
	Assumptions   []string    `json:"assumptions,omitempty"`
	// Supersedes names the agreement this one revises. When the host's
	// terms carry on unchanged, a recognition under the old agreement runs
	// on under this one without a break (see equivalence).
	Supersedes string `json:"supersedes,omitempty"`
}

// HostTerms are what one party grants, as host, to the other parties'
// certificates under an agreement.
type HostTerms struct {
	Host Jurisdiction `json:"host"`
	// CapMonths and CapDays bound a recognition that starts on date D to
	// D.AddMonths(CapMonths) and D.AddDays(CapDays); zero means no such cap.
	// Both may be set; the earlier bound applies.
	CapMonths int `json:"cap_months,omitempty"`
	CapDays   int `json:"cap_days,omitempty"`
	// Uses are the allowed uses (UseBid, UseWork); empty means both.
	Uses []string `json:"uses,omitempty"`
	// Conditions are condition codes (AgreementConditions), in the order the
	// host states them.
	Conditions []string `json:"conditions,omitempty"`
	// ExcludedPrograms are programs this host does not recognize even when
	// the agreement lists them.
	ExcludedPrograms []string `json:"excluded_programs,omitempty"`
	Sources          []string `json:"sources,omitempty"`
}

// HostRules are one jurisdiction's own recognition rules for one period.
// Rules that changed are several records with consecutive effective periods.
type HostRules struct {
	ID            string       `json:"id"`
	Jurisdiction  Jurisdiction `json:"jurisdiction"`
	EffectiveFrom Date         `json:"effective_from"`
	EffectiveTo   Date         `json:"effective_to,omitzero"` // zero: open-ended
	// Programs are the jurisdiction's own programs ("COR", "SECOR"); empty
	// when it runs none. Informational: a host always recognizes the
	// certificates it issued itself.
	Programs []string `json:"programs"`
	// RecognizesForeignSECOR: whether the host recognizes another
	// jurisdiction's SECOR under any agreement (MB: only its own).
	RecognizesForeignSECOR bool `json:"recognizes_foreign_secor"`
	// Equivalency lists the host's ISO/CSA equivalency rules; the most
	// specific rule whose sector matches a question applies. Empty: the host
	// has no equivalency route.
	Equivalency []EquivalencyRule `json:"equivalency"`
	Sources     []string          `json:"sources"`
	Assumptions []string          `json:"assumptions,omitempty"`
}

// EquivalencyRule is a host's rule for accepting an ISO/CSA management-system
// certification as equivalent to its COR.
type EquivalencyRule struct {
	// Sector limits the rule to one sector (and IndustryCodes, its code
	// prefixes); "" applies to every sector.
	Sector        string   `json:"sector,omitempty"`
	IndustryCodes []string `json:"industry_codes,omitempty"`
	// Accepted false says explicitly that the host does not accept
	// equivalency (BC); the other fields are then empty.
	Accepted bool `json:"accepted"`
	// Standards accepted (StdISO45001, StdCSAZ45001, StdCSAZ1000).
	Standards []string `json:"standards,omitempty"`
	// DesignatedBodyRequired: the certification body must be accredited
	// (the equivalency record names an accreditation body) and, when
	// DesignatedBodies is not empty, be one of them.
	DesignatedBodyRequired bool     `json:"designated_body_required,omitempty"`
	DesignatedBodies       []string `json:"designated_bodies,omitempty"`
	// IAFMarkRequired: the certificate must carry an IAF-recognized
	// accreditation body's mark (Equivalency.IAFAccredited).
	IAFMarkRequired bool `json:"iaf_mark_required,omitempty"`
	// ScopeMustCoverOperations: the audit scope must cover all the
	// employer's operations (Equivalency.ScopeAligned).
	ScopeMustCoverOperations bool `json:"scope_must_cover_operations,omitempty"`
	// TermMonths bounds a recognition that starts on date D to
	// D.AddMonths(TermMonths); zero: bounded only by the certification's own
	// validity. AB: 36 (a normal 3-year COR); yearly re-application: 12.
	TermMonths int `json:"term_months,omitempty"`
	// Conditions are condition codes (EquivalencyConditions).
	Conditions []string `json:"conditions,omitempty"`
}

// Zones gives each jurisdiction's IANA time zone: the zone of its civil
// date, which is the default date of a question asked about that host.
var Zones = map[Jurisdiction]string{
	"CA-AB": "America/Edmonton",
	"CA-BC": "America/Vancouver",
	"CA-SK": "America/Regina",
	"CA-MB": "America/Winnipeg",
	"CA-ON": "America/Toronto",
	"CA-QC": "America/Toronto",
	"CA-NB": "America/Moncton",
	"CA-NS": "America/Halifax",
	"CA-PE": "America/Halifax",
	"CA-NL": "America/St_Johns",
	"CA-YT": "America/Whitehorse",
	"CA-NT": "America/Yellowknife",
	"CA-NU": "America/Iqaluit",
}

// Zone returns j's IANA time zone name, or "" when j is not a jurisdiction.
func (j Jurisdiction) Zone() string { return Zones[j] }

// SigningPayload returns the bytes each party signs: the canonical JSON of t.
func (t AgreementTerms) SigningPayload() ([]byte, error) { return Canonical(t) }

// Host returns the terms t grants as host h, if any.
func (t AgreementTerms) Host(h Jurisdiction) (*HostTerms, bool) {
	for i := range t.Hosts {
		if t.Hosts[i].Host == h {
			return &t.Hosts[i], true
		}
	}
	return nil, false
}

// HasParty reports whether j is a party to t.
func (t AgreementTerms) HasParty(j Jurisdiction) bool {
	for _, p := range t.Parties {
		if p == j {
			return true
		}
	}
	return false
}

// InForce reports whether t is in force on d (effective dates inclusive).
func (t AgreementTerms) InForce(d Date) bool { return inForce(t.EffectiveFrom, t.EffectiveTo, d) }

// InForce reports whether r is in force on d (effective dates inclusive).
func (r HostRules) InForce(d Date) bool { return inForce(r.EffectiveFrom, r.EffectiveTo, d) }

func inForce(from, to, d Date) bool {
	return !d.Before(from) && (to.IsZero() || !d.After(to))
}

// Validate checks t. Errors are *ValidationError with a JSON path under
// "terms" ("terms.parties[1]"), every problem at once (ValidationErrors).
// It does not allocate when t is valid.
func (t AgreementTerms) Validate() error {
	var v collect
	if !validID(t.ID) {
		v.add(Invalid("terms.id", "want a record id matching %s", IDPattern))
	}
	if strings.TrimSpace(t.Title) == "" {
		v.add(Invalid("terms.title", "want a title"))
	}
	if len(t.Parties) < 2 {
		v.add(Invalid("terms.parties", "an agreement has at least two parties"))
	}
	for i, p := range t.Parties {
		switch {
		case !p.Valid():
			v.add(Invalid(idx("terms.parties", i), "%q is not a jurisdiction code", p))
		case contains(t.Parties[:i], p):
			v.add(Invalid(idx("terms.parties", i), "%s is listed twice", p))
		}
	}
	if !validSectorName(t.Sector) {
		v.add(Invalid("terms.sector", "want a sector name such as \"construction\""))
	}
	checkCodes(&v, "terms.industry_codes", t.IndustryCodes)
	if len(t.Programs) == 0 {
		v.add(Invalid("terms.programs", "an agreement recognizes at least one program"))
	}
	checkPrograms(&v, "terms.programs", t.Programs)
	for i := range t.Hosts {
		h := &t.Hosts[i]
		switch {
		case !t.HasParty(h.Host):
			v.add(Invalid(idx("terms.hosts", i)+".host", "%q is not a party", h.Host))
		case hostTwice(t.Hosts[:i], h.Host):
			v.add(Invalid(idx("terms.hosts", i)+".host", "%s has terms twice", h.Host))
		}
		h.validate(&v, i)
	}
	if len(t.Hosts) != len(t.Parties) { // every host is a distinct party
		for i, p := range t.Parties {
			if _, ok := t.Host(p); !ok && p.Valid() && !contains(t.Parties[:i], p) { // a refused party is reported above
				v.add(Invalid(idx("terms.parties", i), "party %s has no host terms", p))
			}
		}
	}
	v.add(validPeriod("terms.effective_from", "terms.effective_to", t.EffectiveFrom, t.EffectiveTo))
	validTexts(&v, "terms.sources", t.Sources, true)
	if t.Supersedes != "" && (!validID(t.Supersedes) || t.Supersedes == t.ID) {
		v.add(Invalid("terms.supersedes", "want the id of another agreement (%s)", IDPattern))
	}
	validTexts(&v, "terms.assumptions", t.Assumptions, false)
	return v.err()
}

// hostTwice reports whether hs has terms for host h.
func hostTwice(hs []HostTerms, h Jurisdiction) bool {
	for j := range hs {
		if hs[j].Host == h {
			return true
		}
	}
	return false
}

// validate adds every problem of the terms of host i to v.
func (h *HostTerms) validate(v *collect, i int) {
	f := func(sub string) string { return idx("terms.hosts", i) + "." + sub }
	if h.CapMonths < 0 || h.CapMonths > 120 {
		v.add(Invalid(f("cap_months"), "want 0 (no cap) to 120 months"))
	}
	if h.CapDays < 0 || h.CapDays > 3660 {
		v.add(Invalid(f("cap_days"), "want 0 (no cap) to 3660 days"))
	}
	for k, u := range h.Uses {
		switch {
		case u != UseBid && u != UseWork:
			v.add(Invalid(idx(f("uses"), k), "want %q or %q", UseBid, UseWork))
		case contains(h.Uses[:k], u):
			v.add(Invalid(idx(f("uses"), k), "%q is listed twice", u))
		}
	}
	bidOnly := false
	for k, c := range h.Conditions {
		switch {
		case !contains(AgreementConditions, c):
			v.add(Invalid(idx(f("conditions"), k), "unknown condition code %q", c))
		case contains(h.Conditions[:k], c):
			v.add(Invalid(idx(f("conditions"), k), "%q is listed twice", c))
		case c == CondBidUseOnly || c == CondVoidOnceWorkStarts:
			bidOnly = true
		}
	}
	if bidOnly && !(len(h.Uses) == 1 && h.Uses[0] == UseBid) {
		v.add(Invalid(f("uses"), "conditions %s and %s allow only use %q", CondBidUseOnly, CondVoidOnceWorkStarts, UseBid))
	}
	checkPrograms(v, f("excluded_programs"), h.ExcludedPrograms)
	for k, s := range h.Sources {
		if strings.TrimSpace(s) == "" {
			v.add(Invalid(idx(f("sources"), k), "empty entry"))
		}
	}
}

// Validate checks r. Errors are *ValidationError with a JSON path relative
// to r ("equivalency[0].standards[1]"), every problem at once
// (ValidationErrors). It does not allocate when r is valid.
func (r HostRules) Validate() error {
	var v collect
	if !validID(r.ID) {
		v.add(Invalid("id", "want a record id matching %s", IDPattern))
	}
	if !r.Jurisdiction.Valid() {
		v.add(Invalid("jurisdiction", "%q is not a jurisdiction code", r.Jurisdiction))
	}
	v.add(validPeriod("effective_from", "effective_to", r.EffectiveFrom, r.EffectiveTo))
	checkPrograms(&v, "programs", r.Programs)
	for i := range r.Equivalency {
		e := &r.Equivalency[i]
		e.validate(&v, i)
		for j := range r.Equivalency[:i] {
			if strings.EqualFold(r.Equivalency[j].Sector, e.Sector) {
				v.add(Invalid(idx("equivalency", i)+".sector", "two rules for sector %q", e.Sector))
				break
			}
		}
	}
	validTexts(&v, "sources", r.Sources, true)
	validTexts(&v, "assumptions", r.Assumptions, false)
	return v.err()
}

// validate adds every problem of equivalency rule i to v.
func (e *EquivalencyRule) validate(v *collect, i int) {
	f := func(sub string) string { return idx("equivalency", i) + "." + sub }
	if e.Sector != "" && !validSectorName(e.Sector) {
		v.add(Invalid(f("sector"), "want a sector name such as \"energy\", or empty for every sector"))
	}
	if e.Sector == "" && len(e.IndustryCodes) > 0 {
		v.add(Invalid(f("industry_codes"), "industry codes narrow a named sector; set sector"))
	}
	checkCodes(v, f("industry_codes"), e.IndustryCodes)
	if !e.Accepted {
		// The requirements below are an accepting rule's.
		if len(e.Standards) > 0 || e.DesignatedBodyRequired || len(e.DesignatedBodies) > 0 ||
			e.IAFMarkRequired || e.ScopeMustCoverOperations || e.TermMonths != 0 || len(e.Conditions) > 0 {
			v.add(Invalid(f("accepted"), "a rule that does not accept equivalency has no requirements"))
		}
		return
	}
	if len(e.Standards) == 0 {
		v.add(Invalid(f("standards"), "an accepting rule names at least one standard"))
	}
	for k, s := range e.Standards {
		switch {
		case !contains(Standards, s):
			v.add(Invalid(idx(f("standards"), k), "unknown standard %q (want one of %s)", s, strings.Join(Standards, ", ")))
		case contains(e.Standards[:k], s):
			v.add(Invalid(idx(f("standards"), k), "%q is listed twice", s))
		}
	}
	if len(e.DesignatedBodies) > 0 && !e.DesignatedBodyRequired {
		v.add(Invalid(f("designated_bodies"), "a list of designated bodies needs designated_body_required"))
	}
	for k, b := range e.DesignatedBodies {
		if strings.TrimSpace(b) == "" {
			v.add(Invalid(idx(f("designated_bodies"), k), "empty entry"))
		}
	}
	termOK := e.TermMonths >= 0 && e.TermMonths <= 120
	if !termOK {
		v.add(Invalid(f("term_months"), "want 0 (no term) to 120 months"))
	}
	for k, c := range e.Conditions {
		switch {
		case !contains(EquivalencyConditions, c):
			v.add(Invalid(idx(f("conditions"), k), "unknown condition code %q", c))
		case contains(e.Conditions[:k], c):
			v.add(Invalid(idx(f("conditions"), k), "%q is listed twice", c))
		case c == CondYearlyReapplication && termOK && (e.TermMonths == 0 || e.TermMonths > 12):
			v.add(Invalid(f("term_months"), "yearly re-application needs a term of at most 12 months"))
		}
	}
}

// idx returns f[i]. It allocates only when called, which Validate does only
// on the way to an error.
func idx(f string, i int) string { return f + "[" + strconv.Itoa(i) + "]" }

func contains[T comparable](list []T, s T) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func validPeriod(fromField, toField string, from, to Date) error {
	if from.IsZero() {
		return Invalid(fromField, "want the date the record takes effect")
	}
	if !to.IsZero() && to.Before(from) {
		return Invalid(toField, "ends (%s) before it takes effect (%s)", to, from)
	}
	return nil
}

// validSectorName: lower-case words ("construction", "oil and gas").
func validSectorName(s string) bool {
	if len(s) < 2 || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == ' ' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// IsIndustryCode reports whether s is an industry code (2 to 10 digits:
// NAICS prefixes and the boards' own classification numbers) rather than a
// sector name.
func IsIndustryCode(s string) bool {
	if len(s) < 2 || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkCodes adds to v a problem for each entry of codes (list f) that is
// not an industry code.
func checkCodes(v *collect, f string, codes []string) {
	for i, c := range codes {
		if !IsIndustryCode(c) {
			v.add(Invalid(idx(f, i), "want an industry code of 2 to 10 digits"))
		}
	}
}

// checkPrograms adds to v a problem for each bad or repeated program code
// of ps (list f).
func checkPrograms(v *collect, f string, ps []string) {
	for i, p := range ps {
		switch {
		case !validCode(p):
			v.add(Invalid(idx(f, i), "want a program code such as \"COR\" (%s)", CodePattern))
		case contains(ps[:i], p):
			v.add(Invalid(idx(f, i), "listed twice"))
		}
	}
}

// validCode matches CodePattern without a regular expression (Validate is
// on the equivalence engine's hot path).
func validCode(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validID matches IDPattern without a regular expression.
func validID(s string) bool {
	if len(s) < 1 || len(s) > 64 || !alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(alnum(c) || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// validTexts adds to v a problem for each blank entry of ss (list f), and
// for an empty list when one is required.
func validTexts(v *collect, f string, ss []string, required bool) {
	if required && len(ss) == 0 {
		v.add(Invalid(f, "want at least one entry"))
	}
	for i, s := range ss {
		if strings.TrimSpace(s) == "" {
			v.add(Invalid(idx(f, i), "empty entry"))
		}
	}
}

// HostRulesFile is the shape of a host rules file: the issuing node and the
// versions of its rules, in effective order.
type HostRulesFile struct {
	Issuer Jurisdiction `json:"issuer"`
	Rules  []HostRules  `json:"rules"`
}

// AgreementFile is the shape of an agreement file: the node that publishes
// the agreement and its terms (signatures are added by the parties' nodes).
type AgreementFile struct {
	Issuer Jurisdiction   `json:"issuer"`
	Terms  AgreementTerms `json:"terms"`
}

// ParseHostRulesFile decodes and validates a host rules file (strict JSON:
// unknown fields and trailing data are errors). Every version must be the
// issuer's own, ids unique, and effective periods in order without overlap.
func ParseHostRulesFile(b []byte) ([]HostRules, error) {
	var f HostRulesFile
	if err := decodeStrict(b, &f); err != nil {
		return nil, err
	}
	if !f.Issuer.Valid() {
		return nil, Invalid("issuer", "%q is not a jurisdiction code", f.Issuer)
	}
	if len(f.Rules) == 0 {
		return nil, Invalid("rules", "want at least one version of the rules")
	}
	for i := range f.Rules {
		r := &f.Rules[i]
		p := idx("rules", i)
		if err := r.Validate(); err != nil {
			return nil, prefixed(p, err)
		}
		if r.Jurisdiction != f.Issuer {
			return nil, Invalid(p+".jurisdiction", "%s may publish only its own rules, not %s's", f.Issuer, r.Jurisdiction)
		}
		if i > 0 {
			prev := &f.Rules[i-1]
			if prev.EffectiveTo.IsZero() || !prev.EffectiveTo.Before(r.EffectiveFrom) {
				return nil, Invalid(p+".effective_from", "overlaps the previous version (%s to %s); list versions in order", prev.EffectiveFrom, prev.EffectiveTo)
			}
			for _, q := range f.Rules[:i] {
				if q.ID == r.ID {
					return nil, Invalid(p+".id", "id %q is used twice", r.ID)
				}
			}
		}
	}
	return f.Rules, nil
}

// ParseAgreementFile decodes and validates an agreement file (strict JSON).
// It returns the terms and the issuer, which must be a party.
func ParseAgreementFile(b []byte) (AgreementTerms, Jurisdiction, error) {
	var f AgreementFile
	if err := decodeStrict(b, &f); err != nil {
		return AgreementTerms{}, "", err
	}
	if !f.Issuer.Valid() {
		return AgreementTerms{}, "", Invalid("issuer", "%q is not a jurisdiction code", f.Issuer)
	}
	if err := f.Terms.Validate(); err != nil {
		return AgreementTerms{}, "", err
	}
	if !f.Terms.HasParty(f.Issuer) {
		return AgreementTerms{}, "", Invalid("issuer", "%s is not a party to the agreement", f.Issuer)
	}
	return f.Terms, f.Issuer, nil
}

// decodeStrict decodes a rule file strictly (strictjson.DecodePath): an
// error is a *ValidationError at the JSON path of the member at fault, or,
// when the file is not a JSON document at all, an error wrapping
// ErrInvalid that names no field.
func decodeStrict(b []byte, v any) error {
	err := strictjson.DecodePath(b, v)
	if err == nil {
		return nil
	}
	var pe *strictjson.PathError
	if errors.As(err, &pe) && pe.Path != "" {
		return Invalid(pe.Path, "%v", pe.Err)
	}
	return fmt.Errorf("rule file: %w: %v", ErrInvalid, err)
}

// prefixed puts every validation error of err under p; other errors are
// returned as they are.
func prefixed(p string, err error) error {
	var ves ValidationErrors
	if errors.As(err, &ves) {
		out := make(ValidationErrors, len(ves))
		for i, ve := range ves {
			out[i] = &ValidationError{Field: p + "." + ve.Field, Reason: ve.Reason, Value: ve.Value, Format: ve.Format, Args: ve.Args}
		}
		return out
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return &ValidationError{Field: p + "." + ve.Field, Reason: ve.Reason, Value: ve.Value, Format: ve.Format, Args: ve.Args}
	}
	return err
}
