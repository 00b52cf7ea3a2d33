package federation

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
)

// The records a recognition reads (employer, certificate, equivalency,
// letter) are decoded on every answer, and encoding/json's reflection was
// about a tenth of an answer's server CPU. The decoders below read the
// JSON these records are stored in (json.Marshal's: members spelled
// exactly, once each) without reflection. Anything else (an unknown or
// repeated member, a member name with an escape, a number with a fraction,
// a null element, a UTF-16 surrogate escape, invalid JSON) makes them give up and leave the record to json.Unmarshal, so the
// result is always what json.Unmarshal gives (FuzzDecodeRecords).

// decodeEmployer decodes b into v as json.Unmarshal does.
func decodeEmployer(b []byte, v *registry.Employer) error {
	return decodeRecord(b, v, (*recordReader).employer)
}

// decodeCertificate decodes b into v as json.Unmarshal does.
func decodeCertificate(b []byte, v *registry.Certificate) error {
	return decodeRecord(b, v, (*recordReader).certificate)
}

// decodeEquivalency decodes b into v as json.Unmarshal does.
func decodeEquivalency(b []byte, v *registry.Equivalency) error {
	return decodeRecord(b, v, (*recordReader).equivalency)
}

// decodeLetter decodes b into v as json.Unmarshal does.
func decodeLetter(b []byte, v *registry.Letter) error {
	return decodeRecord(b, v, (*recordReader).letter)
}

// decodeRecord reads b into *v, which must be the zero value, with read;
// if read fails or more than white space follows the value, it zeroes *v
// again and decodes b with json.Unmarshal instead.
func decodeRecord[T any](b []byte, v *T, read func(*recordReader, *T)) error {
	r := recordReader{b: b, s: string(b)}
	read(&r, v)
	r.space()
	if !r.failed && r.i == len(b) {
		return nil
	}
	var zero T
	*v = zero
	return json.Unmarshal(b, v)
}

// recordReader reads one record's JSON. s is the same bytes as a string,
// made once, so that the record's strings are slices of it rather than an
// allocation each. Once failed, every method is a no-op.
type recordReader struct {
	b      []byte
	s      string
	i      int
	failed bool
}

func (r *recordReader) fail() { r.failed, r.i = true, len(r.b) }

// space skips JSON white space.
func (r *recordReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// byte reads c, after white space.
func (r *recordReader) byte(c byte) {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return
	}
	r.fail()
}

// peek returns the next byte after white space, 0 at the end.
func (r *recordReader) peek() byte {
	r.space()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// str reads a string. Escapes are decoded as json.Unmarshal decodes them
// but for a \u escape of a UTF-16 surrogate, which fails (json.Unmarshal
// then decodes it, pairing surrogates or replacing them).
func (r *recordReader) str() string {
	start, end, escaped := r.strBounds()
	if !escaped {
		return r.s[start:end]
	}
	out := make([]byte, 0, end-start)
	for i := start; i < end; {
		c := r.b[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch c = r.b[i+1]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			var n rune
			for _, h := range r.b[i+2 : i+6] {
				n = n<<4 | rune(unhex[h])
			}
			if 0xD800 <= n && n < 0xE000 {
				r.fail()
				return ""
			}
			out = utf8.AppendRune(out, n)
			i += 6
			continue
		default: // " \ /
			out = append(out, c)
		}
		i += 2
	}
	return string(out)
}

// unhex is the value of each hexadecimal digit.
var unhex = func() (t [256]byte) {
	for i := range byte(10) {
		t['0'+i] = i
	}
	for i := range byte(6) {
		t['a'+i], t['A'+i] = 10+i, 10+i
	}
	return t
}()

// strBounds reads a string and returns where its contents are in r.b and
// whether it has escapes. A control character, an invalid escape or
// invalid UTF-8 (which json.Unmarshal replaces) fails.
func (r *recordReader) strBounds() (start, end int, escaped bool) {
	r.byte('"')
	start, ascii := r.i, true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			end := r.i
			r.i++
			if !ascii && !utf8.Valid(r.b[start:end]) {
				r.fail()
				return 0, 0, false
			}
			return start, end, escaped
		case c == '\\':
			escaped = true
			if !r.escape() {
				r.fail()
				return 0, 0, false
			}
			continue
		case c < 0x20:
			r.fail()
			return 0, 0, false
		case c >= 0x80:
			ascii = false
		}
		r.i++
	}
	r.fail()
	return 0, 0, false
}

// escape reads a valid escape at r.i, a backslash, and reports whether
// it was one.
func (r *recordReader) escape() bool {
	if r.i+1 >= len(r.b) {
		return false
	}
	switch r.b[r.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		r.i += 2
		return true
	case 'u':
		if r.i+6 > len(r.b) {
			return false
		}
		for _, h := range r.b[r.i+2 : r.i+6] {
			if unhex[h] == 0 && h != '0' {
				return false
			}
		}
		r.i += 6
		return true
	}
	return false
}

// jurisdiction reads a string as a registry.Jurisdiction.
func (r *recordReader) jurisdiction() registry.Jurisdiction { return registry.Jurisdiction(r.str()) }

// date reads a string as registry.Date's UnmarshalText, which
// json.Unmarshal calls, reads it.
func (r *recordReader) date() registry.Date {
	var d registry.Date
	start, end, escaped := r.strBounds()
	if escaped || !r.failed && d.UnmarshalText(r.b[start:end]) != nil {
		r.fail()
	}
	return d
}

// boolean reads true or false.
func (r *recordReader) boolean() bool {
	r.space()
	switch {
	case len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "true":
		r.i += 4
		return true
	case len(r.b)-r.i >= 5 && string(r.b[r.i:r.i+5]) == "false":
		r.i += 5
		return false
	}
	r.fail()
	return false
}

// integer reads an int written as -?(0|[1-9][0-9]*) of at most 18 digits
// (no overflow), followed by a delimiter.
func (r *recordReader) integer() int {
	r.space()
	neg := r.i < len(r.b) && r.b[r.i] == '-'
	if neg {
		r.i++
	}
	start, n := r.i, 0
	for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' && r.i-start < 19 {
		n = n*10 + int(r.b[r.i]-'0')
		r.i++
	}
	digits := r.i - start
	if digits == 0 || digits > 18 || digits > 1 && r.b[start] == '0' {
		r.fail()
		return 0
	}
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
		default:
			r.fail() // a fraction or an exponent
			return 0
		}
	}
	if neg {
		return -n
	}
	return n
}

// array reads an array, calling elem for each element (the callers make
// an empty, non-nil slice of [], as json.Unmarshal does).
func (r *recordReader) array(elem func()) {
	r.byte('[')
	if r.peek() == ']' {
		r.i++
		return
	}
	for !r.failed {
		elem()
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

// strs reads an array of strings; [] is an empty, non-nil slice.
func (r *recordReader) strs() []string {
	out := []string{}
	r.array(func() { out = append(out, r.str()) })
	return out
}

// object reads an object whose member names are among names (64 at most),
// calling read with the index of each member's name to read its value,
// except for null, which leaves the member's zero value, as json.Unmarshal
// leaves it in a new value. An unknown or repeated name fails.
func (r *recordReader) object(names []string, read func(k int)) {
	r.byte('{')
	if r.peek() == '}' {
		r.i++
		return
	}
	var seen uint64
	for !r.failed {
		start, end, escaped := r.strBounds()
		r.byte(':')
		if escaped {
			r.fail() // json.Unmarshal matches the decoded name
		}
		if r.failed {
			return
		}
		k := slices.Index(names, r.s[start:end])
		if k < 0 || seen&(1<<k) != 0 {
			r.fail()
			return
		}
		seen |= 1 << k
		if r.peek() == 'n' && strings.HasPrefix(r.s[r.i:], "null") {
			r.i += len("null")
		} else {
			read(k)
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

// The members of each record type, in declaration order: the index in
// these lists is the k the readers switch on.
var (
	employerNames    = []string{"bn", "legal_name", "operating_names", "wcb_accounts", "size_band", "employee_count", "presence"}
	wcbAccountNames  = []string{"jurisdiction", "number", "industry_codes", "opened_on", "closed_on"}
	presenceNames    = []string{"jurisdiction", "permanent_office", "operating_since", "until"}
	certificateNames = []string{"id", "jurisdiction", "issuer", "number", "program", "employer_bn", "wcb_accounts", "industry_scope", "sector",
		"basis", "basis_ref", "issued_on", "term_months", "documentation_months", "expires_on", "status", "status_reason", "history", "program_definition"}
	statusChangeNames = []string{"status", "on", "reason", "reason_fr", "superseded_by", "rule", "correction", "recorded_on", "by", "annulled"}
	annulmentNames    = []string{"on", "reason", "by"}
	equivalencyNames  = []string{"id", "employer_bn", "standard", "external_number", "certification_body", "accreditation_body", "iaf_accredited",
		"valid_from", "valid_to", "scope_text", "industry_codes", "provinces", "scope_aligned", "decision", "resulting_certificate", "status", "history"}
	letterNames = []string{"id", "employer_bn", "certificate", "home", "host", "kind", "issued_on", "expires_on", "agreement", "requested_by",
		"request", "requested_on", "invalidated_by", "work_started_on", "issued_by"}
)

func (r *recordReader) employer(v *registry.Employer) {
	r.object(employerNames, func(k int) {
		switch k {
		case 0:
			v.BN = r.str()
		case 1:
			v.LegalName = r.str()
		case 2:
			v.OperatingNames = r.strs()
		case 3:
			v.WCBAccounts = []registry.WCBAccount{}
			r.array(func() {
				var a registry.WCBAccount
				r.wcbAccount(&a)
				v.WCBAccounts = append(v.WCBAccounts, a)
			})
		case 4:
			v.SizeBand = r.str()
		case 5:
			v.EmployeeCount = r.integer()
		case 6:
			v.Presence = []registry.Presence{}
			r.array(func() {
				var p registry.Presence
				r.presence(&p)
				v.Presence = append(v.Presence, p)
			})
		}
	})
}

func (r *recordReader) wcbAccount(v *registry.WCBAccount) {
	r.object(wcbAccountNames, func(k int) {
		switch k {
		case 0:
			v.Jurisdiction = r.jurisdiction()
		case 1:
			v.Number = r.str()
		case 2:
			v.IndustryCodes = r.strs()
		case 3:
			v.OpenedOn = r.date()
		case 4:
			v.ClosedOn = r.date()
		}
	})
}

func (r *recordReader) presence(v *registry.Presence) {
	r.object(presenceNames, func(k int) {
		switch k {
		case 0:
			v.Jurisdiction = r.jurisdiction()
		case 1:
			v.PermanentOffice = r.boolean()
		case 2:
			v.OperatingSince = r.date()
		case 3:
			v.Until = r.date()
		}
	})
}

func (r *recordReader) certificate(v *registry.Certificate) {
	r.object(certificateNames, func(k int) {
		switch k {
		case 0:
			v.ID = r.str()
		case 1:
			v.Jurisdiction = r.jurisdiction()
		case 2:
			v.Issuer = r.str()
		case 3:
			v.Number = r.str()
		case 4:
			v.Program = r.str()
		case 5:
			v.EmployerBN = r.str()
		case 6:
			v.WCBAccounts = r.strs()
		case 7:
			v.IndustryScope = r.strs()
		case 8:
			v.Sector = r.str()
		case 9:
			v.Basis = r.str()
		case 10:
			v.BasisRef = r.str()
		case 11:
			v.IssuedOn = r.date()
		case 12:
			v.TermMonths = r.integer()
		case 13:
			v.DocMonths = r.integer()
		case 14:
			v.ExpiresOn = r.date()
		case 15:
			v.Status = r.str()
		case 16:
			v.StatusReason = r.str()
		case 17:
			v.History = r.history()
		case 18:
			v.ProgramDefinition = r.str()
		}
	})
}

// history reads a status history; [] is an empty, non-nil slice.
func (r *recordReader) history() []registry.StatusChange {
	out := []registry.StatusChange{}
	r.array(func() {
		var h registry.StatusChange
		r.statusChange(&h)
		out = append(out, h)
	})
	return out
}

func (r *recordReader) statusChange(v *registry.StatusChange) {
	r.object(statusChangeNames, func(k int) {
		switch k {
		case 0:
			v.Status = r.str()
		case 1:
			v.On = r.date()
		case 2:
			v.Reason = r.str()
		case 3:
			v.ReasonFR = r.str()
		case 4:
			v.SupersededBy = r.str()
		case 5:
			v.Rule = r.str()
		case 6:
			v.Correction = r.boolean()
		case 7:
			v.RecordedOn = r.date()
		case 8:
			v.By = r.str()
		case 9:
			a := &registry.Annulment{}
			v.Annulled = a
			r.object(annulmentNames, func(k int) {
				switch k {
				case 0:
					a.On = r.date()
				case 1:
					a.Reason = r.str()
				case 2:
					a.By = r.str()
				}
			})
		}
	})
}

func (r *recordReader) equivalency(v *registry.Equivalency) {
	r.object(equivalencyNames, func(k int) {
		switch k {
		case 0:
			v.ID = r.str()
		case 1:
			v.EmployerBN = r.str()
		case 2:
			v.Standard = r.str()
		case 3:
			v.ExternalNumber = r.str()
		case 4:
			v.CertificationBody = r.str()
		case 5:
			v.AccreditationBody = r.str()
		case 6:
			v.IAFAccredited = r.boolean()
		case 7:
			v.ValidFrom = r.date()
		case 8:
			v.ValidTo = r.date()
		case 9:
			v.ScopeText = r.str()
		case 10:
			v.IndustryCodes = r.strs()
		case 11:
			v.Provinces = []registry.Jurisdiction{}
			r.array(func() { v.Provinces = append(v.Provinces, r.jurisdiction()) })
		case 12:
			v.ScopeAligned = r.boolean()
		case 13:
			v.Decision = r.str()
		case 14:
			v.ResultingCertificate = r.str()
		case 15:
			v.Status = r.str()
		case 16:
			v.History = r.history()
		}
	})
}

func (r *recordReader) letter(v *registry.Letter) {
	r.object(letterNames, func(k int) {
		switch k {
		case 0:
			v.ID = r.str()
		case 1:
			v.EmployerBN = r.str()
		case 2:
			v.Certificate = r.str()
		case 3:
			v.Home = r.jurisdiction()
		case 4:
			v.Host = r.jurisdiction()
		case 5:
			v.Kind = r.str()
		case 6:
			v.IssuedOn = r.date()
		case 7:
			v.ExpiresOn = r.date()
		case 8:
			v.Agreement = r.str()
		case 9:
			v.RequestedBy = r.str()
		case 10:
			v.Request = r.str()
		case 11:
			v.RequestedOn = r.date()
		case 12:
			v.InvalidatedBy = r.strs()
		case 13:
			v.WorkStartedOn = r.date()
		case 14:
			v.IssuedBy = r.str()
		}
	})
}
