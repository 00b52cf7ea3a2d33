package registry

import (
	"slices"
	"strings"
)

// Letter kinds (DOMAIN.md "Reciprocity and equivalency"): a letter for
// bidding only (BC), a temporary letter for working (AB, up to 180 days),
// or an equivalency letter (AB).
const (
	LetterBid         = "bid"
	LetterTemporary   = "temporary"
	LetterEquivalency = "equivalency"
)

// LetterKinds lists the letter kinds.
var LetterKinds = []string{LetterBid, LetterTemporary, LetterEquivalency}

// Letter is a host's reciprocity letter: that the home jurisdiction's
// certificate of an employer is recognized in the host, from IssuedOn
// through ExpiresOn, issued on the home association's request. It is a
// signed record of the host's node (KindLetter). ExpiresOn is the earlier of
// the home certificate's expiry and the host's cap counted from IssuedOn;
// the letter stops counting earlier when the home certificate stops being
// active, or (a host whose terms say void_once_work_starts) from
// WorkStartedOn.
type Letter struct {
	ID          string       `json:"id"`
	EmployerBN  string       `json:"employer_bn"`
	Certificate string       `json:"certificate"` // the home certificate's id (as in /v1/certificates/{id})
	Home        Jurisdiction `json:"home"`
	Host        Jurisdiction `json:"host"`
	Kind        string       `json:"kind"`
	IssuedOn    Date         `json:"issued_on"`
	ExpiresOn   Date         `json:"expires_on"`
	// Agreement is the agreement the letter was issued under.
	Agreement string `json:"agreement"`
	// RequestedBy names who asked for it (the home association); free text.
	RequestedBy string `json:"requested_by,omitempty"`
	// InvalidatedBy lists what ends the letter before ExpiresOn:
	// "home_certificate_inactive", and "work_started" where the host's
	// terms say void_once_work_starts.
	InvalidatedBy []string `json:"invalidated_by"`
	WorkStartedOn Date     `json:"work_started_on,omitzero"`
	IssuedBy      string   `json:"issued_by,omitempty"`
}

// Letter invalidation triggers.
const (
	TriggerHomeInactive = "home_certificate_inactive"
	TriggerWorkStarted  = "work_started"
)

// LetterID is the id of the letter host issues on issuedOn for a home
// certificate: "BC-ACSA-20250417-20261125".
func LetterID(host Jurisdiction, cert string, issuedOn Date) string {
	h := strings.TrimPrefix(string(host), "CA-")
	return h + "-" + cert + "-" + strings.ReplaceAll(issuedOn.String(), "-", "")
}

// LetterUse is the use a letter of kind k covers: bid letters cover
// bidding only; temporary and equivalency letters cover the work.
func LetterUse(k string) string {
	if k == LetterBid {
		return UseBid
	}
	return UseWork
}

// Covers reports whether the letter covers a question about use u: a
// letter for work also covers bidding.
func (l Letter) Covers(u string) bool { return LetterUse(l.Kind) == UseWork || u == UseBid }

// Validate checks a letter on its own.
func (l Letter) Validate() error {
	if err := CheckBN("body.employer_bn", l.EmployerBN); err != nil {
		return err
	}
	if !validID(l.Certificate) {
		return Invalid("body.certificate", "want a certificate id such as ACSA-20250417")
	}
	if err := checkJurisdiction("body.host", l.Host); err != nil {
		return err
	}
	if err := checkJurisdiction("body.home", l.Home); err != nil {
		return err
	}
	if l.Home == l.Host {
		return Invalid("body.host", "a letter is for a host other than the certificate's jurisdiction (%s)", l.Home)
	}
	if !slices.Contains(LetterKinds, l.Kind) {
		return Invalid("body.kind", "one of bid, temporary, equivalency")
	}
	if l.IssuedOn.IsZero() {
		return Invalid("body.issued_on", "required, as YYYY-MM-DD")
	}
	if l.ExpiresOn.Before(l.IssuedOn) {
		return Invalid("body.expires_on", "expires_on %s is before issued_on %s", l.ExpiresOn, l.IssuedOn)
	}
	if l.ID != LetterID(l.Host, l.Certificate, l.IssuedOn) {
		return Invalid("body.id", "must be %q", LetterID(l.Host, l.Certificate, l.IssuedOn))
	}
	if !validID(l.Agreement) {
		return Invalid("body.agreement", "want the id of the agreement the letter is issued under")
	}
	if err := checkText("body.requested_by", l.RequestedBy, 0, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("body.issued_by", l.IssuedBy, 0, MaxNameLen); err != nil {
		return err
	}
	if !l.WorkStartedOn.IsZero() && l.WorkStartedOn.Before(l.IssuedOn) {
		return Invalid("body.on", "work cannot start (%s) before the letter was issued (%s)", l.WorkStartedOn, l.IssuedOn)
	}
	for i, t := range l.InvalidatedBy {
		if t != TriggerHomeInactive && t != TriggerWorkStarted {
			return Invalid(idx("body.invalidated_by", i), "unknown trigger %q", t)
		}
	}
	return nil
}
