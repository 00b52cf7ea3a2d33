package registry

import (
	"encoding/json"
	"slices"
)

// Kind names a type of record. It is part of every signed entry.
type Kind string

const (
	KindEmployer    Kind = "employer"
	KindCP          Kind = "certifying_partner"
	KindCertificate Kind = "certificate"
	KindEquivalency Kind = "equivalency"
	KindAgreement   Kind = "agreement"  // a reciprocity agreement, signed by every party
	KindHostRules   Kind = "host_rules" // one jurisdiction's recognition rules
	KindKey         Kind = "key"        // a node announces a new signing key
	KindLetter      Kind = "letter"     // a host's reciprocity letter (see letters.go)
	// KindLetterRequest is the home association's request for a letter,
	// recorded on the home node (see letters.go).
	KindLetterRequest Kind = "letter_request"
)

// Kinds lists every record kind.
var Kinds = []Kind{KindEmployer, KindCP, KindCertificate, KindEquivalency, KindAgreement, KindHostRules, KindKey, KindLetter,
	KindAggregate, KindLetterRequest}

// WCBAccount is an employer's account with one province's workers'
// compensation board. Certification is per WCB account in SK and ON.
type WCBAccount struct {
	Jurisdiction  Jurisdiction `json:"jurisdiction" pattern:"^CA-[A-Z]{2}$"`
	Number        string       `json:"number" pattern:"^[A-Za-z0-9-]{3,20}$"`
	IndustryCodes []string     `json:"industry_codes,omitempty" maxItems:"50"`
	// OpenedOn and ClosedOn bound the days the account is open (inclusive;
	// zero: open since before corfed knew it, or still open). Decisions use
	// the account's state on the date asked about (ActiveOn). A PUT
	// clears one by sending it null (a date cannot be sent empty).
	OpenedOn Date `json:"opened_on,omitzero" nullable:"true"`
	ClosedOn Date `json:"closed_on,omitzero" nullable:"true"`
}

// Employer is an employer known to a node, keyed by its BN9.
type Employer struct {
	BN             string       `json:"bn" pattern:"^[0-9]{9}$" doc:"Business Number (BN9): nine digits, the last a Luhn check digit."`
	LegalName      string       `json:"legal_name" minLength:"1" maxLength:"200"`
	OperatingNames []string     `json:"operating_names,omitempty" maxItems:"50"`
	WCBAccounts    []WCBAccount `json:"wcb_accounts,omitempty" maxItems:"50"`
	SizeBand       string       `json:"size_band,omitempty" enum:"small,standard," doc:"small (SECOR-eligible) or standard; empty: not told."` // "small" (SECOR-eligible) or "standard"
	EmployeeCount  int          `json:"employee_count,omitempty" minimum:"0" maximum:"1000000"`
	// Presence lists where the employer operates, per province, with the
	// dates (see Presence). Empty: corfed was not told.
	Presence []Presence `json:"presence,omitempty"`
}

// AccountIn returns the province in which e lists the WCB account whose
// folded form (FoldWCB) is key, only in province in when in is not empty,
// and whether e lists it, open or closed: the certificate write check asks
// a record this (a certificate may name an account its employer held
// then). Who holds an account on a date is AccountOpenIn's.
func (e Employer) AccountIn(key string, in Jurisdiction) (Jurisdiction, bool) {
	for _, a := range e.WCBAccounts {
		if FoldWCB(a.Number) == key && (in == "" || a.Jurisdiction == in) {
			return a.Jurisdiction, true
		}
	}
	return "", false
}

// AccountOpenIn is AccountIn for an account open on d (WCBAccount.ActiveOn):
// an account closed on e's record, or moved to another employer, is not
// e's after it was closed. Bulk match and the WCB search ask a record this
// on their date.
func (e Employer) AccountOpenIn(key string, in Jurisdiction, d Date) (Jurisdiction, bool) {
	for _, a := range e.WCBAccounts {
		if FoldWCB(a.Number) == key && (in == "" || a.Jurisdiction == in) && a.ActiveOn(d) {
			return a.Jurisdiction, true
		}
	}
	return "", false
}

// CP statuses.
const (
	CPActive     = "active"
	CPSuspended  = "suspended"
	CPTerminated = "terminated"
)

// CertifyingPartner is an organisation (a safety association) that audits
// employers and issues CORs under a province's program.
type CertifyingPartner struct {
	ID      string   `json:"id" pattern:"^[A-Z][A-Z0-9]{1,15}$"` // short code, e.g. "ACSA"
	Name    string   `json:"name" minLength:"1" maxLength:"200"`
	Sectors []string `json:"sectors,omitempty" maxItems:"50"` // industry codes or sector names it certifies
	Status  string   `json:"status" enum:"active,suspended,terminated"`
}

// Programs.
const (
	ProgramCOR   = "COR"
	ProgramSECOR = "SECOR"
)

// certificatePrograms are the values a Certificate's Program may take, in
// byte order.
var certificatePrograms = []string{ProgramCOR, ProgramSECOR}

// CertificatePrograms returns the values a Certificate's Program may take,
// in byte order.
func CertificatePrograms() []string { return slices.Clone(certificatePrograms) }

// Certificate bases.
const (
	BasisAudit       = "audit"
	BasisEquivalency = "iso_equivalency"
)

// Certificate statuses. They map to IAF CertSearch's active / suspended /
// withdrawn / expired (see IAFStatus).
const (
	StatusPending    = "pending"
	StatusActive     = "active"
	StatusSuspended  = "suspended" // under review (Employer Review)
	StatusCancelled  = "cancelled" // e.g. missed maintenance audit
	StatusRevoked    = "revoked"
	StatusExpired    = "expired"
	StatusSuperseded = "superseded"
)

// Status change actions, as a client asks for them.
const (
	ActionSuspend   = "suspend"
	ActionCancel    = "cancel"
	ActionRevoke    = "revoke"
	ActionReinstate = "reinstate"
	ActionExpire    = "expire"
	ActionSupersede = "supersede"
	ActionActivate  = "activate" // pending -> active
)

// StatusChange is one step of a certificate's status history.
type StatusChange struct {
	Status string `json:"status"`
	On     Date   `json:"on"` // the calendar date the status takes effect
	Reason string `json:"reason"`
	// ReasonFR is Reason in French, for the reasons corfed writes itself
	// (the lifecycle job, a review or a removal decision); a reason a
	// person typed is kept as typed, in Reason only.
	ReasonFR string `json:"reason_fr,omitempty"`
	// SupersededBy names the certificate that replaces this one.
	SupersededBy string `json:"superseded_by,omitempty"`
	// Rule names the program rule that required the change, for the
	// changes the lifecycle job appends (e.g. maintenance.missed).
	Rule string `json:"rule,omitempty"`
	// Correction marks a change recorded after a later-dated one (a change
	// discovered late), RecordedOn the day it was recorded and By the
	// administrator who recorded it. Both are set on every change recorded
	// through the API; a seed or older record may lack them.
	Correction bool   `json:"correction,omitempty"`
	RecordedOn Date   `json:"recorded_on,omitzero"`
	By         string `json:"by,omitempty"`
	// Annulled, when set, says the change was a mistake: it stays in the
	// history for the record but no status is derived from it.
	Annulled *Annulment `json:"annulled,omitempty"`
}

// Certificate is a COR or SECOR issued by a certifying partner of the node's
// jurisdiction. Each version carries the whole status history, so any
// version answers "what was the status on date D" as that version knew it.
type Certificate struct {
	ID            string         `json:"id"`
	Jurisdiction  Jurisdiction   `json:"jurisdiction"`
	Issuer        string         `json:"issuer"` // CP id
	Number        string         `json:"number"`
	Program       string         `json:"program"` // COR or SECOR
	EmployerBN    string         `json:"employer_bn"`
	WCBAccounts   []string       `json:"wcb_accounts,omitempty"`
	IndustryScope []string       `json:"industry_scope,omitempty"` // industry codes (NAICS or the board's)
	Sector        string         `json:"sector,omitempty"`         // e.g. "construction", "energy"
	Basis         string         `json:"basis"`                    // audit or iso_equivalency
	BasisRef      string         `json:"basis_ref,omitempty"`      // audit id, or the equivalency record id
	IssuedOn      Date           `json:"issued_on"`
	TermMonths    int            `json:"term_months"` // 36, or 12 for 3-11 months of documentation
	DocMonths     int            `json:"documentation_months,omitempty"`
	ExpiresOn     Date           `json:"expires_on"`
	Status        string         `json:"status"`
	StatusReason  string         `json:"status_reason,omitempty"`
	History       []StatusChange `json:"history"`

	// ProgramDefinition is the id of the program definition (Program, kind
	// program) of the certificate's jurisdiction it was issued under, when
	// that is not Program itself: ECOR (an enhanced COR) or SMALL lead to a
	// COR or SECOR. Empty: Program. Recognition rules may name it.
	ProgramDefinition string `json:"program_definition,omitempty"`
}

// Standards accepted as equivalent to COR in some jurisdictions.
const (
	StdISO45001  = "ISO 45001:2018"
	StdCSAZ45001 = "CSA Z45001:19"
	StdCSAZ1000  = "CSA Z1000:14"
)

// Standards lists every standard an equivalency record may name.
var Standards = []string{StdISO45001, StdCSAZ45001, StdCSAZ1000}

// Equivalency decisions.
const (
	DecisionPending  = "pending"
	DecisionAccepted = "accepted"
	DecisionRejected = "rejected"
)

// Equivalency records an employer's ISO/CSA 45001 certification and the
// node's decision on it.
type Equivalency struct {
	ID                   string         `json:"id"`
	EmployerBN           string         `json:"employer_bn"`
	Standard             string         `json:"standard"`
	ExternalNumber       string         `json:"external_number"`
	CertificationBody    string         `json:"certification_body"`
	AccreditationBody    string         `json:"accreditation_body,omitempty"`
	IAFAccredited        bool           `json:"iaf_accredited"`
	ValidFrom            Date           `json:"valid_from"`
	ValidTo              Date           `json:"valid_to"`
	ScopeText            string         `json:"scope_text,omitempty"`
	IndustryCodes        []string       `json:"industry_codes,omitempty"`
	Provinces            []Jurisdiction `json:"provinces,omitempty"`
	ScopeAligned         bool           `json:"scope_aligned"` // the audit scope covers the employer's operations
	Decision             string         `json:"decision"`
	ResultingCertificate string         `json:"resulting_certificate,omitempty"`
	Status               string         `json:"status"` // active, suspended, withdrawn, expired (IAF vocabulary)
	History              []StatusChange `json:"history,omitempty"`
}

// KeyAnnouncement is the record a node publishes, signed by a key its peers
// already pin, to introduce a new signing key (rotation).
type KeyAnnouncement struct {
	KID    string          `json:"kid"`
	Alg    string          `json:"alg"`
	JWK    json.RawMessage `json:"jwk"` // the public JWK
	Status string          `json:"status"`
	// Replaces is the kid of the key this one follows, "" for the first.
	Replaces string `json:"replaces,omitempty"`
	// PoP proves that the announcing node holds the announced key: a
	// compact JWS of typ KeyPossessionType, signed by the announced key,
	// over the KeyPossession {iss, kid} (iss the announcing node). A
	// public key copied from another member's log cannot carry one.
	// Announcements written before it existed have none.
	PoP string `json:"pop,omitempty"`
}

// KeyPossessionType is the typ of KeyAnnouncement.PoP.
const KeyPossessionType = "corfed-key-pop+jws"

// KeyPossession is the payload of KeyAnnouncement.PoP: the member that
// announces key KID, signed by that key.
type KeyPossession struct {
	Iss Jurisdiction `json:"iss"`
	KID string       `json:"kid"`
}
