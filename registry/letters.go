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
	// Request is the id of the home node's signed letter request the letter
	// answers (a KindLetterRequest record of the home jurisdiction's feed),
	// and RequestedOn that request's date: the letter's requested -> issued
	// cycle starts then. RequestedOn may also be given without a request,
	// when the home association asked by other means.
	Request     string `json:"request,omitempty"`
	RequestedOn Date   `json:"requested_on,omitzero"`
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

// checkLetterFor adds to v the problems of what a letter and a request for
// one share: the employer, the home certificate, its jurisdiction and the
// host (another one), and the kind. It reports whether the certificate and
// the host are valid, which the record's id is made of.
func checkLetterFor(v *collect, bn, cert string, home, host Jurisdiction, kind string) (idOK bool) {
	v.add(CheckBN("body.employer_bn", bn))
	certOK := validID(cert)
	if !certOK {
		v.add(Invalid("body.certificate", "want a certificate id such as ACSA-20250417"))
	}
	hostErr, homeErr := checkJurisdiction("body.host", host), checkJurisdiction("body.home", home)
	v.add(hostErr)
	v.add(homeErr)
	if hostErr == nil && homeErr == nil && home == host {
		v.add(Invalid("body.host", "a letter is for a host other than the certificate's jurisdiction (%s)", home))
	}
	if !slices.Contains(LetterKinds, kind) {
		v.add(Invalid("body.kind", "one of bid, temporary, equivalency"))
	}
	return certOK && hostErr == nil
}

// Validate checks a letter on its own. It reports every problem found at
// once (ValidationErrors); the id and the dates compared with the issue
// date are checked only when what they follow from is valid.
func (l Letter) Validate() error {
	var v collect
	idOK := checkLetterFor(&v, l.EmployerBN, l.Certificate, l.Home, l.Host, l.Kind)
	issued := !l.IssuedOn.IsZero()
	if !issued {
		v.add(Invalid("body.issued_on", "required, as YYYY-MM-DD"))
	}
	if issued && l.ExpiresOn.Before(l.IssuedOn) {
		v.add(Invalid("body.expires_on", "expires_on %s is before issued_on %s", l.ExpiresOn, l.IssuedOn))
	}
	if idOK && issued && l.ID != LetterID(l.Host, l.Certificate, l.IssuedOn) {
		v.add(Invalid("body.id", "must be %q", LetterID(l.Host, l.Certificate, l.IssuedOn)))
	}
	if !validID(l.Agreement) {
		v.add(Invalid("body.agreement", "want the id of the agreement the letter is issued under"))
	}
	v.add(checkText("body.requested_by", l.RequestedBy, 0, MaxNameLen))
	v.add(checkText("body.issued_by", l.IssuedBy, 0, MaxNameLen))
	if l.Request != "" && !ValidEntryID(l.Request) {
		v.add(Invalid("body.request", "want the id of a letter request"))
	}
	if issued && l.RequestedOn.After(l.IssuedOn) {
		v.add(Invalid("body.requested_on", "the letter cannot be issued (%s) before it was requested (%s)", l.IssuedOn, l.RequestedOn))
	}
	if issued && !l.WorkStartedOn.IsZero() && l.WorkStartedOn.Before(l.IssuedOn) {
		v.add(Invalid("body.on", "work cannot start (%s) before the letter was issued (%s)", l.WorkStartedOn, l.IssuedOn))
	}
	for i, t := range l.InvalidatedBy {
		if t != TriggerHomeInactive && t != TriggerWorkStarted {
			v.add(Invalid(idx("body.invalidated_by", i), "unknown trigger %q", t))
		}
	}
	return v.err()
}

// LetterRequest is the home association's request for a host's letter: a
// signed record of the home node (KindLetterRequest), made by the
// certifying partner that holds the certificate (or the home program
// administrator), which replicates to the host. The host's administrator
// decides it: the letter it issues names the request and carries its date
// (Letter.Request, Letter.RequestedOn).
type LetterRequest struct {
	ID          string       `json:"id"`
	EmployerBN  string       `json:"employer_bn"`
	Certificate string       `json:"certificate"` // the home certificate's id
	Home        Jurisdiction `json:"home"`
	Host        Jurisdiction `json:"host"`
	Kind        string       `json:"kind"`
	RequestedOn Date         `json:"requested_on"`
	// IssueOn is the day the home asks the letter to be issued on (zero:
	// as soon as the host decides).
	IssueOn     Date   `json:"issued_on,omitzero"`
	RequestedBy string `json:"requested_by"` // "cp:ACSA" or the administrator's subject
}

// LetterRequestID is the id of home's request, made on requestedOn, for a
// letter of host for certificate cert: "REQ-BC-ACSA-20250417-20261125".
func LetterRequestID(host Jurisdiction, cert string, requestedOn Date) string {
	return "REQ-" + LetterID(host, cert, requestedOn)
}

// Validate checks a letter request on its own. It reports every problem
// found at once (ValidationErrors); the id is checked only when what it is
// made of is valid.
func (r LetterRequest) Validate() error {
	var v collect
	idOK := checkLetterFor(&v, r.EmployerBN, r.Certificate, r.Home, r.Host, r.Kind)
	if r.RequestedOn.IsZero() {
		v.add(Invalid("body.requested_on", "required, as YYYY-MM-DD"))
		idOK = false
	} else if !r.IssueOn.IsZero() && r.IssueOn.Before(r.RequestedOn) {
		v.add(Invalid("body.issued_on", "the letter cannot be issued (%s) before it is requested (%s)", r.IssueOn, r.RequestedOn))
	}
	if idOK && (r.ID != LetterRequestID(r.Host, r.Certificate, r.RequestedOn) || !ValidEntryID(r.ID)) {
		v.add(Invalid("body.id", "must be %q", LetterRequestID(r.Host, r.Certificate, r.RequestedOn)))
	}
	v.add(checkText("body.requested_by", r.RequestedBy, 1, MaxNameLen))
	return v.err()
}
