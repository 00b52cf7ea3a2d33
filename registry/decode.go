package registry

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/corfed/corfed/registry/strictjson"
)

// The records read most often (employers and certificates, by every
// follower storing a peer's feed and every recognition; equivalencies and
// letters, by every recognition) are decoded without reflection:
// encoding/json's was a third of a follower's store path and a tenth of a
// recognition's server CPU. DecodeRecord reads the JSON corfed writes
// (json.Marshal's: members spelled exactly, once each) in one pass with a
// strictjson.Scanner, into the same structs.
//
// It gives up on anything it is not sure encoding/json reads the same way:
// a member name not spelled exactly as its field's tag (encoding/json also
// matches names case-insensitively), a name twice, an unknown member, a
// value of a type the field does not take, a number with a fraction or
// exponent for an int, invalid UTF-8 or JSON, nesting past
// strictjson.MaxDepth. Then it zeroes the value and decodes with
// json.Unmarshal, so that the value and the error are always
// json.Unmarshal's (FuzzDecodeRecord).

// DecodeRecord decodes the JSON of a record b into v, a pointer to a
// record, giving what json.Unmarshal(b, v) gives: value and error. For
// *Employer, *Certificate, *Equivalency and *Letter it reads the JSON
// corfed writes without reflection (see above).
func DecodeRecord(b []byte, v any) error {
	switch v := v.(type) {
	case *Employer:
		return decodeWith(b, v, scanEmployer)
	case *Certificate:
		return decodeWith(b, v, scanCertificate)
	case *Equivalency:
		return decodeWith(b, v, scanEquivalency)
	case *Letter:
		return decodeWith(b, v, scanLetter)
	}
	return json.Unmarshal(b, v)
}

// decodeWith decodes b into *v with scan, or, if scan does not take all
// of b, zeroes *v and decodes b with json.Unmarshal.
func decodeWith[T any](b []byte, v *T, scan func(*strictjson.Scanner, *T) error) error {
	var zero T
	*v = zero
	if scanned(b, v, scan) {
		return nil
	}
	*v = zero
	return json.Unmarshal(b, v)
}

// scanned reports whether scan read b into *v (which starts zero), the
// whole of it.
func scanned[T any](b []byte, v *T, scan func(*strictjson.Scanner, *T) error) bool {
	sc, err := strictjson.NewScanner(b)
	if err != nil {
		return false
	}
	defer sc.Release()
	sc.SliceStrings()
	return scan(sc, v) == nil && sc.End() == nil
}

// The members of the records scanned: every field of each type, by its
// json tag (TestDecodeRecordMembers checks them against the types).
var (
	employerMembers     = []string{"bn", "legal_name", "operating_names", "wcb_accounts", "size_band", "employee_count", "presence"}
	certificateMembers  = []string{"id", "jurisdiction", "issuer", "number", "program", "employer_bn", "wcb_accounts", "industry_scope", "sector", "basis", "basis_ref", "issued_on", "term_months", "documentation_months", "expires_on", "status", "status_reason", "history", "program_definition"}
	statusChangeMembers = []string{"status", "on", "reason", "reason_fr", "superseded_by", "rule", "correction", "recorded_on", "by", "annulled"}
	equivalencyMembers  = []string{"id", "employer_bn", "standard", "external_number", "certification_body", "accreditation_body", "iaf_accredited", "valid_from", "valid_to", "scope_text", "industry_codes", "provinces", "scope_aligned", "decision", "resulting_certificate", "status", "history"}
	letterMembers       = []string{"id", "employer_bn", "certificate", "home", "host", "kind", "issued_on", "expires_on", "agreement", "requested_by", "request", "requested_on", "invalidated_by", "work_started_on", "issued_by"}
)

// notRead is the error of a member an Object call allowed but no case
// reads: it cannot happen while the member lists match the cases.
func notRead(name []byte) error { return fmt.Errorf("member %q not read", name) }

func scanEmployer(sc *strictjson.Scanner, v *Employer) error {
	return sc.Object(employerMembers, func(name []byte) error {
		switch string(name) {
		case "bn":
			return scanString(sc, &v.BN)
		case "legal_name":
			return scanString(sc, &v.LegalName)
		case "operating_names":
			return scanStrings(sc, &v.OperatingNames)
		case "wcb_accounts":
			return scanJSON(sc, &v.WCBAccounts)
		case "size_band":
			return scanString(sc, &v.SizeBand)
		case "employee_count":
			return scanInt(sc, &v.EmployeeCount)
		case "presence":
			return scanJSON(sc, &v.Presence)
		}
		return notRead(name)
	})
}

func scanCertificate(sc *strictjson.Scanner, v *Certificate) error {
	return sc.Object(certificateMembers, func(name []byte) error {
		switch string(name) {
		case "id":
			return scanString(sc, &v.ID)
		case "jurisdiction":
			return scanString(sc, &v.Jurisdiction)
		case "issuer":
			return scanString(sc, &v.Issuer)
		case "number":
			return scanString(sc, &v.Number)
		case "program":
			return scanString(sc, &v.Program)
		case "employer_bn":
			return scanString(sc, &v.EmployerBN)
		case "wcb_accounts":
			return scanStrings(sc, &v.WCBAccounts)
		case "industry_scope":
			return scanStrings(sc, &v.IndustryScope)
		case "sector":
			return scanString(sc, &v.Sector)
		case "basis":
			return scanString(sc, &v.Basis)
		case "basis_ref":
			return scanString(sc, &v.BasisRef)
		case "issued_on":
			return scanDate(sc, &v.IssuedOn)
		case "term_months":
			return scanInt(sc, &v.TermMonths)
		case "documentation_months":
			return scanInt(sc, &v.DocMonths)
		case "expires_on":
			return scanDate(sc, &v.ExpiresOn)
		case "status":
			return scanString(sc, &v.Status)
		case "status_reason":
			return scanString(sc, &v.StatusReason)
		case "history":
			return scanHistory(sc, &v.History)
		case "program_definition":
			return scanString(sc, &v.ProgramDefinition)
		}
		return notRead(name)
	})
}

func scanEquivalency(sc *strictjson.Scanner, v *Equivalency) error {
	return sc.Object(equivalencyMembers, func(name []byte) error {
		switch string(name) {
		case "id":
			return scanString(sc, &v.ID)
		case "employer_bn":
			return scanString(sc, &v.EmployerBN)
		case "standard":
			return scanString(sc, &v.Standard)
		case "external_number":
			return scanString(sc, &v.ExternalNumber)
		case "certification_body":
			return scanString(sc, &v.CertificationBody)
		case "accreditation_body":
			return scanString(sc, &v.AccreditationBody)
		case "iaf_accredited":
			return scanBool(sc, &v.IAFAccredited)
		case "valid_from":
			return scanDate(sc, &v.ValidFrom)
		case "valid_to":
			return scanDate(sc, &v.ValidTo)
		case "scope_text":
			return scanString(sc, &v.ScopeText)
		case "industry_codes":
			return scanStrings(sc, &v.IndustryCodes)
		case "provinces":
			return scanStrings(sc, &v.Provinces)
		case "scope_aligned":
			return scanBool(sc, &v.ScopeAligned)
		case "decision":
			return scanString(sc, &v.Decision)
		case "resulting_certificate":
			return scanString(sc, &v.ResultingCertificate)
		case "status":
			return scanString(sc, &v.Status)
		case "history":
			return scanHistory(sc, &v.History)
		}
		return notRead(name)
	})
}

func scanLetter(sc *strictjson.Scanner, v *Letter) error {
	return sc.Object(letterMembers, func(name []byte) error {
		switch string(name) {
		case "id":
			return scanString(sc, &v.ID)
		case "employer_bn":
			return scanString(sc, &v.EmployerBN)
		case "certificate":
			return scanString(sc, &v.Certificate)
		case "home":
			return scanString(sc, &v.Home)
		case "host":
			return scanString(sc, &v.Host)
		case "kind":
			return scanString(sc, &v.Kind)
		case "issued_on":
			return scanDate(sc, &v.IssuedOn)
		case "expires_on":
			return scanDate(sc, &v.ExpiresOn)
		case "agreement":
			return scanString(sc, &v.Agreement)
		case "requested_by":
			return scanString(sc, &v.RequestedBy)
		case "request":
			return scanString(sc, &v.Request)
		case "requested_on":
			return scanDate(sc, &v.RequestedOn)
		case "invalidated_by":
			return scanStrings(sc, &v.InvalidatedBy)
		case "work_started_on":
			return scanDate(sc, &v.WorkStartedOn)
		case "issued_by":
			return scanString(sc, &v.IssuedBy)
		}
		return notRead(name)
	})
}

// scanHistory reads a status history: null sets it to nil, an array to
// its changes (an empty one to an empty slice), as encoding/json does.
func scanHistory(sc *strictjson.Scanner, p *[]StatusChange) error {
	if sc.Null() {
		*p = nil
		return nil
	}
	out := []StatusChange{}
	err := sc.Array(func() error {
		var c StatusChange
		err := scanStatusChange(sc, &c)
		out = append(out, c)
		return err
	})
	*p = out
	return err
}

func scanStatusChange(sc *strictjson.Scanner, v *StatusChange) error {
	return sc.Object(statusChangeMembers, func(name []byte) error {
		switch string(name) {
		case "status":
			return scanString(sc, &v.Status)
		case "on":
			return scanDate(sc, &v.On)
		case "reason":
			return scanString(sc, &v.Reason)
		case "reason_fr":
			return scanString(sc, &v.ReasonFR)
		case "superseded_by":
			return scanString(sc, &v.SupersededBy)
		case "rule":
			return scanString(sc, &v.Rule)
		case "correction":
			return scanBool(sc, &v.Correction)
		case "recorded_on":
			return scanDate(sc, &v.RecordedOn)
		case "by":
			return scanString(sc, &v.By)
		case "annulled":
			return scanJSON(sc, &v.Annulled)
		}
		return notRead(name)
	})
}

// scanString reads a string field (null leaves it alone, as encoding/json
// does; the fields start zero).
func scanString[S ~string](sc *strictjson.Scanner, p *S) error {
	s, err := sc.String()
	if err == nil && s != "" {
		*p = S(s)
	}
	return err
}

// scanInt reads an int field: a number without fraction or exponent, as
// encoding/json accepts for an int (64 bits here).
func scanInt(sc *strictjson.Scanner, p *int) error {
	v, err := sc.Int64()
	if err == nil && v != 0 {
		*p = int(v)
	}
	return err
}

// scanBool reads a bool field (null leaves it alone).
func scanBool(sc *strictjson.Scanner, p *bool) error {
	raw, err := sc.Raw()
	switch {
	case err != nil:
		return err
	case string(raw) == "true":
		*p = true
	case string(raw) == "false", string(raw) == "null":
	default:
		return fmt.Errorf("%.20s where a boolean belongs", raw)
	}
	return nil
}

// scanStrings reads a slice-of-strings field: null sets it to nil, an
// array to its strings (an empty one to an empty slice), as encoding/json
// does.
func scanStrings[S ~string](sc *strictjson.Scanner, p *[]S) error {
	if sc.Null() {
		*p = nil
		return nil
	}
	out := []S{}
	err := sc.Array(func() error {
		s, err := sc.String()
		out = append(out, S(s))
		return err
	})
	*p = out
	return err
}

// scanDate reads a Date field. A string with no escape is what
// encoding/json gives UnmarshalText; anything else is decoded by
// encoding/json itself.
func scanDate(sc *strictjson.Scanner, p *Date) error {
	raw, err := sc.Raw()
	if err != nil {
		return err
	}
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return p.UnmarshalText(raw[1 : len(raw)-1])
	}
	return json.Unmarshal(raw, p)
}

// scanJSON decodes a member's value with encoding/json, for the fields
// rarely set.
func scanJSON(sc *strictjson.Scanner, p any) error {
	raw, err := sc.Raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, p)
}
