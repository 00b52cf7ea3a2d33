package registry

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on free text, so that a record stays small and a feed page bounded.
const (
	MaxNameLen   = 200
	MaxReasonLen = 500
	MaxTextLen   = 2000
	MaxListLen   = 50
)

// CheckText checks free text a person wrote (a reason, a note) of at most
// max characters, required if min > 0: valid UTF-8, no control,
// bidirectional formatting or replacement character.
func CheckText(field, s string, min, max int) error { return checkText(field, s, min, max) }

func checkText(field, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) {
		return Invalid(field, "not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" && min > 0 {
		return Invalid(field, "required")
	}
	if n > max {
		return Invalid(field, "at most %d characters, got %d", max, n)
	}
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\t', r >= 0x7f && r <= 0x9f:
			return Invalid(field, "control characters are not allowed (U+%04X)", r)
		case isBidiControl(r):
			return Invalid(field, "bidirectional formatting characters are not allowed (U+%04X)", r)
		case r == utf8.RuneError:
			return Invalid(field, "the replacement character U+FFFD is not allowed (was the text decoded from invalid bytes?)")
		}
	}
	return nil
}

// checkName checks a name that is shown, indexed and replicated
// everywhere: text as checkText, no tab or zero-width character, and in
// Unicode normalization form C (the HTTP edge normalizes bodies).
func checkName(field, s string, min, max int) error {
	if err := checkText(field, s, min, max); err != nil {
		return err
	}
	ascii := true
	for _, r := range s {
		if r == '\t' || isZeroWidth(r) {
			return Invalid(field, "invisible characters are not allowed in a name (U+%04X)", r)
		}
		ascii = ascii && r < utf8.RuneSelf
	}
	if !ascii && !norm.NFC.IsNormalString(s) { // ASCII is NFC; IsNormalString allocates
		return Invalid(field, "not in Unicode normalization form C")
	}
	return nil
}

// isBidiControl reports the explicit directional formatting characters
// (embeddings, overrides, isolates, marks), which can make a name display
// as another ("Trojan Source").
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// isZeroWidth reports characters that display as nothing.
func isZeroWidth(r rune) bool {
	return (r >= 0x200B && r <= 0x200D) || r == 0x2060 || r == 0xFEFF || r == 0x180E || r == 0x00AD || r == 0x034F || (r >= 0x2061 && r <= 0x2064)
}

func checkList[T any](field string, xs []T, each func(string, T) error) error {
	if len(xs) > MaxListLen {
		return Invalid(field, "at most %d items, got %d", MaxListLen, len(xs))
	}
	var c collect
	for i, x := range xs {
		c.add(each(fmt.Sprintf("%s[%d]", field, i), x))
	}
	return c.err()
}

func checkIndustryCode(field, s string) error {
	if !naicsRE.MatchString(s) {
		return Invalid(field, "an industry code has 2 to 6 digits, got %q", s)
	}
	return nil
}

func checkJurisdiction(field string, j Jurisdiction) error {
	if _, err := ParseJurisdiction(string(j)); err != nil {
		return Invalid(field, "%v", err)
	}
	return nil
}

// Validate checks an employer record on its own. It reports every problem
// found at once (ValidationErrors).
func (e Employer) Validate() error {
	var c collect
	c.add(CheckBN("body.bn", e.BN))
	c.add(checkName("body.legal_name", e.LegalName, 1, MaxNameLen))
	c.add(checkList("body.operating_names", e.OperatingNames, func(f, s string) error { return checkName(f, s, 1, MaxNameLen) }))
	c.add(checkList("body.wcb_accounts", e.WCBAccounts, func(f string, a WCBAccount) error {
		var c collect
		c.add(checkJurisdiction(f+".jurisdiction", a.Jurisdiction))
		if !wcbRE.MatchString(a.Number) {
			c.add(Invalid(f+".number", "a WCB account number has 3 to 20 letters, digits or dashes"))
		}
		c.add(a.validateDates(f))
		c.add(checkList(f+".industry_codes", a.IndustryCodes, checkIndustryCode))
		return c.err()
	}))
	c.add(checkList("body.presence", e.Presence, func(f string, p Presence) error { return p.validate(f) }))
	switch e.SizeBand {
	case "", "small", "standard":
	default:
		c.add(Invalid("body.size_band", "one of small, standard"))
	}
	if e.EmployeeCount < 0 || e.EmployeeCount > 1_000_000 {
		c.add(Invalid("body.employee_count", "between 0 and 1000000"))
	}
	return c.err()
}

// Validate checks a certifying partner record on its own. It reports every
// problem found at once (ValidationErrors).
func (c CertifyingPartner) Validate() error {
	var v collect
	if !codeRE.MatchString(c.ID) {
		v.add(Invalid("body.id", "a CP id is 2 to 16 upper-case letters or digits, starting with a letter (e.g. ACSA)"))
	}
	v.add(checkName("body.name", c.Name, 1, MaxNameLen))
	v.add(checkList("body.sectors", c.Sectors, func(f, s string) error { return checkText(f, s, 1, 64) }))
	switch c.Status {
	case CPActive, CPSuspended, CPTerminated:
	default:
		v.add(Invalid("body.status", "one of active, suspended, terminated"))
	}
	return v.err()
}

// ExpiryFor returns the expiry of a certificate issued on d for term months.
func ExpiryFor(issued Date, termMonths int) Date { return issued.AddMonths(termMonths) }

// Validate checks a certificate record on its own: identifiers, program,
// basis, the term rule and the expiry that follows from issue date and term,
// and a consistent status history. Cross-record rules (the employer and CP
// exist, the CP is active) are the node's.
func (c Certificate) Validate() error {
	var v collect
	v.add(checkJurisdiction("body.jurisdiction", c.Jurisdiction))
	idOK := true
	if !codeRE.MatchString(c.Issuer) {
		v.add(Invalid("body.issuer", "a CP id is 2 to 16 upper-case letters or digits, starting with a letter"))
		idOK = false
	}
	if !numberRE.MatchString(c.Number) {
		v.add(Invalid("body.number", "a certificate number is 1 to 32 letters, digits, '.', '_' or '-'"))
		idOK = false
	}
	if idOK && c.ID != CertificateID(c.Issuer, c.Number) {
		v.add(Invalid("body.id", "must be %q", CertificateID(c.Issuer, c.Number)))
	}
	if !slices.Contains(certificatePrograms, c.Program) {
		v.add(Invalid("body.program", "one of %s", strings.Join(certificatePrograms, ", ")))
	}
	if c.ProgramDefinition != "" && !codeRE.MatchString(c.ProgramDefinition) {
		v.add(Invalid("body.program_definition", "a program id is 2 to 16 upper-case letters or digits, starting with a letter (e.g. ECOR)"))
	}
	v.add(CheckBN("body.employer_bn", c.EmployerBN))
	v.add(checkList("body.wcb_accounts", c.WCBAccounts, func(f, s string) error {
		if !wcbRE.MatchString(s) {
			return Invalid(f, "a WCB account number has 3 to 20 letters, digits or dashes")
		}
		return nil
	}))
	v.add(checkList("body.industry_scope", c.IndustryScope, checkIndustryCode))
	v.add(checkText("body.sector", c.Sector, 0, 64))
	switch c.Basis {
	case BasisAudit:
	case BasisEquivalency:
		if c.BasisRef == "" {
			v.add(Invalid("body.basis_ref", "an ISO/CSA equivalency certificate names its equivalency record"))
		}
	default:
		v.add(Invalid("body.basis", "one of audit, iso_equivalency"))
	}
	v.add(checkText("body.basis_ref", c.BasisRef, 0, 64))
	v.add(c.validateTerm())
	v.add(c.validateHistory())
	return v.err()
}

// validateTerm checks the issue date, the term rule and the expiry that
// follows from them, every error at once (the expiry is checked only
// against a valid issue date and term).
func (c Certificate) validateTerm() error {
	var v collect
	if c.IssuedOn.IsZero() {
		v.add(Invalid("body.issued_on", "required (the last on-site day of the audit), as YYYY-MM-DD"))
	}
	if c.DocMonths < 0 || c.DocMonths > 600 {
		v.add(Invalid("body.documentation_months", "between 0 and 600"))
	}
	switch c.TermMonths {
	case 36:
		if c.DocMonths > 0 && c.DocMonths < 3 {
			v.add(Invalid("body.documentation_months", "at least 3 months of documentation are needed for any COR, got %d", c.DocMonths))
		} else if c.DocMonths >= 3 && c.DocMonths < 12 {
			v.add(Invalid("body.term_months", "with %d months of documentation (3 to 11) the term is 12 months, not 36", c.DocMonths))
		}
	case 12:
		if c.DocMonths < 3 || c.DocMonths > 11 {
			v.add(Invalid("body.term_months", "a 1-year term is only for 3 to 11 months of documentation (documentation_months), got %d", c.DocMonths))
		}
	default:
		v.add(Invalid("body.term_months", "36 (3 years) or 12 (1 year, with 3 to 11 months of documentation), got %d", c.TermMonths))
	}
	switch {
	case c.ExpiresOn.IsZero():
		v.add(Invalid("body.expires_on", "required"))
	case len(v.errs) > 0 || v.other != nil:
	case !c.ExpiresOn.After(c.IssuedOn):
		v.add(Invalid("body.expires_on", "expiry %s is not after the issue date %s", c.ExpiresOn, c.IssuedOn))
	default:
		if want := ExpiryFor(c.IssuedOn, c.TermMonths); c.ExpiresOn != want && c.ExpiresOn != want.AddDays(-1) {
			v.add(Invalid("body.expires_on", "a %d-month term issued on %s expires on %s (or the day before), not %s", c.TermMonths, c.IssuedOn, want, c.ExpiresOn))
		}
	}
	return v.err()
}

func (c Certificate) validateHistory() error {
	if len(c.History) == 0 {
		return Invalid("body.history", "a certificate has at least its initial status")
	}
	if len(c.History) > 200 {
		return Invalid("body.history", "at most 200 status changes")
	}
	var v collect
	allowed := []string{StatusPending, StatusActive, StatusSuspended, StatusCancelled, StatusRevoked, StatusExpired, StatusSuperseded}
	var prev Date
	for i, h := range c.History {
		f := fmt.Sprintf("body.history[%d]", i)
		if !slices.Contains(allowed, h.Status) {
			v.add(Invalid(f+".status", "unknown status %q", h.Status))
		}
		switch {
		case h.On.IsZero():
			v.add(Invalid(f+".on", "required"))
		case h.On.Before(c.IssuedOn):
			v.add(Invalid(f+".on", "status change on %s is before the issue date %s", h.On, c.IssuedOn))
		case h.On.Before(prev):
			v.add(Invalid(f+".on", "status changes must be in date order"))
		}
		if !h.On.IsZero() {
			prev = h.On
		}
		v.add(checkText(f+".reason", h.Reason, 1, MaxReasonLen))
		v.add(checkHistoryText(f, h))
	}
	if len(v.errs) == 0 && v.other == nil {
		if last := lastEffective(c.History); c.Status != last {
			v.add(Invalid("body.status", "status %q differs from the last effective history step %q", c.Status, last))
		}
	}
	return v.err()
}

// Validate checks an equivalency record on its own.
func (q Equivalency) Validate() error {
	var v collect
	v.add(CheckBN("body.employer_bn", q.EmployerBN))
	if !slices.Contains(Standards, q.Standard) {
		v.add(Invalid("body.standard", "one of %q", Standards))
	}
	if !numberRE.MatchString(q.ExternalNumber) {
		v.add(Invalid("body.external_number", "1 to 32 letters, digits, '.', '_' or '-'"))
	}
	v.add(checkText("body.certification_body", q.CertificationBody, 1, MaxNameLen))
	v.add(checkText("body.accreditation_body", q.AccreditationBody, 0, MaxNameLen))
	switch {
	case q.ValidFrom.IsZero() || q.ValidTo.IsZero():
		if q.ValidFrom.IsZero() {
			v.add(Invalid("body.valid_from", "required, as YYYY-MM-DD"))
		}
		if q.ValidTo.IsZero() {
			v.add(Invalid("body.valid_to", "required, as YYYY-MM-DD"))
		}
	case !q.ValidTo.After(q.ValidFrom):
		v.add(Invalid("body.valid_to", "valid_to %s is not after valid_from %s", q.ValidTo, q.ValidFrom))
	}
	v.add(checkText("body.scope_text", q.ScopeText, 0, MaxTextLen))
	v.add(checkList("body.industry_codes", q.IndustryCodes, checkIndustryCode))
	v.add(checkList("body.provinces", q.Provinces, checkJurisdiction))
	switch q.Decision {
	case DecisionPending, DecisionAccepted, DecisionRejected:
	default:
		v.add(Invalid("body.decision", "one of pending, accepted, rejected"))
	}
	switch q.Status {
	case "active", "suspended", "withdrawn", "expired":
	default:
		v.add(Invalid("body.status", "one of active, suspended, withdrawn, expired"))
	}
	if len(q.History) > 200 {
		v.add(Invalid("body.history", "at most 200 status changes"))
		return v.err()
	}
	var prev Date
	for i, h := range q.History {
		f := fmt.Sprintf("body.history[%d]", i)
		switch h.Status {
		case EqvActive, EqvSuspended, EqvWithdrawn, EqvExpired:
		default:
			v.add(Invalid(f+".status", "one of active, suspended, withdrawn, expired"))
		}
		if h.On.IsZero() || h.On.Before(prev) {
			v.add(Invalid(f+".on", "required, and status changes in date order"))
		} else {
			prev = h.On
		}
		v.add(checkText(f+".reason", h.Reason, 1, MaxReasonLen))
		v.add(checkHistoryText(f, h))
	}
	return v.err()
}
