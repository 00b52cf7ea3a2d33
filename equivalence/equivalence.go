package equivalence

import (
	"github.com/corfed/corfed/registry"
)

// Uses a question may ask about.
const (
	UseBid  = registry.UseBid  // bidding on work in the host
	UseWork = registry.UseWork // doing the work in the host
)

// Outcomes.
const (
	Recognized    = "recognized"
	NotRecognized = "not_recognized"
	Conditional   = "conditional"
)

// Bases of a recognition.
const (
	BasisHostCOR   = "host_cor"           // a certificate the host issued itself
	BasisAgreement = "home_cor_agreement" // a home certificate under a reciprocity agreement
	BasisISO       = "iso_equivalency"    // an ISO/CSA 45001 certification the host accepts
)

// Question asks whether employer BN is recognized in Host, for Sector and
// Use, on the calendar date On.
type Question struct {
	BN string
	// Host is the jurisdiction where the employer wants to bid or work.
	Host registry.Jurisdiction
	// Sector is a sector name ("construction") or an industry code
	// ("236220"); "" asks about any sector. Decide compares it in one
	// form (NormalizeSector): a known sector's word in English or French,
	// in any case and with or without accents ("Énergie" is energy), and
	// its NAICS 2-digit code ("23" is construction) ask about the same
	// sector; an unknown word fails Validate on "sector".
	Sector string
	// On is the date asked about. Decide never reads a clock: the API's
	// default is today's date in the host's zone (Host.Zone()).
	On registry.Date
	// Use is UseBid (bidding only) or UseWork (working in the host).
	Use string
	// Lang is the language of the decision's sentences (Reason.Text,
	// Condition.Text): English (also when empty) or French. It changes no
	// code, outcome or date.
	Lang Lang
}

// EmployerFact is an employer record and the entry that carries it; Ref.Iss
// is the node that published it.
type EmployerFact struct {
	Employer registry.Employer
	Ref      registry.Ref
}

// CertificateFact is a certificate and the entry that carries it. It counts
// only when Ref.Iss equals Certificate.Jurisdiction.
type CertificateFact struct {
	Certificate registry.Certificate
	Ref         registry.Ref
}

// EquivalencyFact is an equivalency record and the entry that carries it.
type EquivalencyFact struct {
	Equivalency registry.Equivalency
	Ref         registry.Ref
}

// AgreementFact is a reciprocity agreement and the entry that carries it.
// SignedBy lists the parties whose signature the caller verified against
// that party's pinned key; the agreement counts only when every party is in
// it and Ref.Iss is a party.
type AgreementFact struct {
	Agreement registry.Agreement
	SignedBy  []registry.Jurisdiction
	Ref       registry.Ref
	// Withdrawals are each party's withdrawal (registry.Withdrawal, its
	// earliest date). A party's withdrawal ends its part: the agreement
	// counts, between two jurisdictions, through the day before the first
	// of the two withdrew; between the other parties it goes on.
	Withdrawals []registry.Withdrawal
}

// WithdrawnFor returns the date from which the agreement no longer counts
// between jurisdictions a and b (the earlier of their withdrawals) and who
// withdrew; zero when neither did.
func (af *AgreementFact) WithdrawnFor(a, b registry.Jurisdiction) (registry.Date, registry.Jurisdiction) {
	return af.firstWithdrawal(func(p registry.Jurisdiction) bool { return p == a || p == b })
}

// FirstWithdrawal returns the earliest withdrawal of any party, and that
// party; zero when none withdrew.
func (af *AgreementFact) FirstWithdrawal() (registry.Date, registry.Jurisdiction) {
	return af.firstWithdrawal(func(registry.Jurisdiction) bool { return true })
}

func (af *AgreementFact) firstWithdrawal(of func(registry.Jurisdiction) bool) (on registry.Date, by registry.Jurisdiction) {
	for _, w := range af.Withdrawals {
		if of(w.Party) && (on.IsZero() || w.On.Before(on)) {
			on, by = w.On, w.Party
		}
	}
	return on, by
}

// HostRulesFact is one version of a jurisdiction's rules and the entry that
// carries it. It counts only when Ref.Iss equals Rules.Jurisdiction.
type HostRulesFact struct {
	Rules registry.HostRules
	Ref   registry.Ref
}

// Facts are the verified records Decide decides over. Records about other
// employers, hosts or dates may be included: Decide picks what applies.
type Facts struct {
	Employers     []EmployerFact
	Certificates  []CertificateFact
	Equivalencies []EquivalencyFact
	Agreements    []AgreementFact
	HostRules     []HostRulesFact
	// Letters are the hosts' reciprocity letters (registry.Letter).
	Letters []LetterFact
}

// Reason explains one step of a decision: a stable machine code (see the
// package documentation), a sentence for a person, and the records it cites.
type Reason struct {
	Code string         `json:"code"`
	Text string         `json:"text"`
	Refs []registry.Ref `json:"refs,omitempty"`
	// Quoted are the parts of Text, in the order they appear, that quote
	// what a person typed in a record (the reason of a status change with
	// no reason_fr) in a language other than the sentence's: a French
	// reason quoting a reason typed in English. A page marks them with
	// their language (lang="en"). They are not part of the JSON.
	Quoted []Quote `json:"-"`
}

// Quote is text of a Reason in a language other than the sentence's.
type Quote struct {
	Text string
	Lang Lang
}

// Condition is a term that comes with a recognition. Met is true when the
// facts show it holds (or it is a limit the recognition carries, such as bid
// use only); false when no record can show it, which makes the outcome
// Conditional: the person relying on the decision must confirm it.
type Condition struct {
	Code string `json:"code"`
	Text string `json:"text"`
	Met  bool   `json:"met"`
}

// Decision is the answer to a Question.
type Decision struct {
	Outcome string `json:"outcome"`         // Recognized, NotRecognized or Conditional
	Basis   string `json:"basis,omitempty"` // BasisHostCOR, BasisAgreement or BasisISO; empty when not recognized
	// ValidFrom and ValidUntil bound the recognition, both days inclusive;
	// zero when not recognized. ValidFrom is the question's date.
	ValidFrom  registry.Date `json:"valid_from,omitzero"`
	ValidUntil registry.Date `json:"valid_until,omitzero"`
	Conditions []Condition   `json:"conditions,omitempty"`
	// Reasons are never empty. The first summarises the outcome; the others
	// explain conditions left open and, unless the outcome is Recognized,
	// why each other candidate basis failed.
	Reasons []Reason `json:"reasons"`
	// Evidence lists the signed records the outcome rests on: certificate,
	// agreement, employer, equivalency, host rules. Empty when not recognized.
	Evidence []registry.Ref `json:"evidence,omitempty"`
}

// Validate checks q and reports every problem at once, each a
// *registry.ValidationError on field "bn", "host", "use", "on", "lang" or
// "sector".
func (q Question) Validate() error {
	var errs []error
	if err := registry.CheckBN("bn", q.BN); err != nil {
		errs = append(errs, err)
	}
	if !q.Host.Valid() {
		errs = append(errs, registry.Invalid("host", "%q is not an ISO 3166-2:CA code (one of CA-AB, CA-BC, ... CA-YT)", q.Host))
	}
	if q.Use != UseBid && q.Use != UseWork {
		errs = append(errs, registry.Invalid("use", "want %q (bidding only) or %q (working in the host)", UseBid, UseWork))
	}
	if q.On.IsZero() {
		errs = append(errs, registry.Invalid("on", "want the date asked about (YYYY-MM-DD)"))
	}
	if !q.Lang.Valid() {
		errs = append(errs, registry.Invalid("lang", "want %q (English) or %q (French)", English, French))
	}
	switch {
	case ValidSector(q.Sector):
	case !sectorName(foldSector(q.Sector)):
		errs = append(errs, registry.Invalid("sector", "want a sector name such as \"construction\" or an industry code of 2 to 10 digits"))
	default:
		errs = append(errs, registry.Invalid("sector", "unknown sector %q: want a sector of NAICS Canada 2022 (or energy) by its name in English or French (construction, manufacturing, transportation, health care, énergie, fabrication, ...) or its 2-digit code, or an industry code of 2 to 10 digits such as 236220", q.Sector))
	}
	if errs == nil {
		return nil
	}
	return registry.JoinInvalid(errs...)
}

// ValidSector reports whether s may name a sector in a question: empty
// (any sector), a known sector's word in English or French such as
// "construction" or "énergie" (NormalizeSector), or an industry code of 2
// to 10 digits.
func ValidSector(s string) bool {
	_, ok := NormalizeSector(s)
	return ok
}

// sectorName accepts words of letters, spaces, '-' and '_', any case.
func sectorName(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20 // lower-case letters; leaves ' ', '-', '_' unchanged or distinct
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (s[i] == ' ' || s[i] == '-' || s[i] == '_'):
		default:
			return false
		}
	}
	return true
}
