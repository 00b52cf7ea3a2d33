package node

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
)

// A follower computes the index keys of every entry it stores (replicaKeys),
// and decoding the record with encoding/json was a third of its store path's
// CPU (BenchmarkReplicaKeys). Most of a peer's feed is employers and
// certificates written by corfed itself: exact member names, each once. For
// those, scanKeys decodes the record in one pass with a strictjson.Scanner
// into the same struct, and the keys come from the same functions
// (employerKeys, certKeys).
//
// It gives up (ok false) on anything it is not sure encoding/json decodes
// the same way: a member name that is not spelled exactly as its field's
// tag (encoding/json also matches names case-insensitively), a name twice,
// a value of a type the field does not take, nesting past
// strictjson.MaxDepth. The caller then decodes with encoding/json as
// before, so a record gets exactly the keys (or no keys) it got before:
// FuzzScanKeys holds scanKeys to IndexKeys.

// The members of the records scanKeys reads: every field of each type, by
// its json tag (TestScanKeysMembers checks them against the types).
var (
	employerMembers     = []string{"bn", "legal_name", "operating_names", "wcb_accounts", "size_band", "employee_count", "presence"}
	certificateMembers  = []string{"id", "jurisdiction", "issuer", "number", "program", "employer_bn", "wcb_accounts", "industry_scope", "sector", "basis", "basis_ref", "issued_on", "term_months", "documentation_months", "expires_on", "status", "status_reason", "history", "program_definition"}
	statusChangeMembers = []string{"status", "on", "reason", "reason_fr", "superseded_by", "rule", "correction", "recorded_on", "by", "annulled"}
)

// scanKeys returns IndexKeys(e) for an employer or a certificate whose
// record it can decode as encoding/json does; ok is false for any other
// entry, and whenever it is unsure (see above).
func scanKeys(e registry.Entry) (keys []registry.IndexKey, ok bool) {
	if e.Kind != registry.KindEmployer && e.Kind != registry.KindCertificate {
		return nil, false
	}
	sc, err := strictjson.NewScanner(e.Record)
	if err != nil {
		return nil, false
	}
	defer sc.Release()
	if e.Kind == registry.KindEmployer {
		var v registry.Employer
		if scanEmployer(sc, &v) != nil || sc.End() != nil {
			return nil, false
		}
		return employerKeys(v), true
	}
	var v registry.Certificate
	if scanCertificate(sc, &v) != nil || sc.End() != nil {
		return nil, false
	}
	return certKeys(v), true
}

func scanEmployer(sc *strictjson.Scanner, v *registry.Employer) error {
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
		return fmt.Errorf("member %q not read", name) // cannot happen: Object allows only the members above
	})
}

func scanCertificate(sc *strictjson.Scanner, v *registry.Certificate) error {
	return sc.Object(certificateMembers, func(name []byte) error {
		switch string(name) {
		case "id":
			return scanString(sc, &v.ID)
		case "jurisdiction":
			var s string
			err := scanString(sc, &s)
			v.Jurisdiction = registry.Jurisdiction(s)
			return err
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
			if sc.Null() {
				v.History = nil
				return nil
			}
			v.History = []registry.StatusChange{}
			return sc.Array(func() error {
				var c registry.StatusChange
				err := scanStatusChange(sc, &c)
				v.History = append(v.History, c)
				return err
			})
		case "program_definition":
			return scanString(sc, &v.ProgramDefinition)
		}
		return fmt.Errorf("member %q not read", name) // cannot happen: Object allows only the members above
	})
}

func scanStatusChange(sc *strictjson.Scanner, v *registry.StatusChange) error {
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
			return scanJSON(sc, &v.Correction)
		case "recorded_on":
			return scanDate(sc, &v.RecordedOn)
		case "by":
			return scanString(sc, &v.By)
		case "annulled":
			return scanJSON(sc, &v.Annulled)
		}
		return fmt.Errorf("member %q not read", name) // cannot happen: Object allows only the members above
	})
}

// scanString reads a string field (null leaves it alone, as encoding/json
// does; the fields start zero).
func scanString(sc *strictjson.Scanner, p *string) error {
	s, err := sc.String()
	if err == nil && s != "" {
		*p = s
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

// scanStrings reads a []string field: null sets it to nil, an array to its
// strings (an empty one to an empty slice), as encoding/json does.
func scanStrings(sc *strictjson.Scanner, p *[]string) error {
	if sc.Null() {
		*p = nil
		return nil
	}
	out := []string{}
	err := sc.Array(func() error {
		s, err := sc.String()
		out = append(out, s)
		return err
	})
	*p = out
	return err
}

// scanDate reads a Date field. A string with no escape is what
// encoding/json gives UnmarshalText; anything else is decoded by
// encoding/json itself.
func scanDate(sc *strictjson.Scanner, p *registry.Date) error {
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
// the keys rarely need.
func scanJSON(sc *strictjson.Scanner, p any) error {
	raw, err := sc.Raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, p)
}
