package federation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/corfed/corfed/registry"
)

// checkDecode decodes data with decode and with json.Unmarshal and fails
// unless both give the same value and the same error.
func checkDecode[T any](t *testing.T, data []byte, decode func([]byte, *T) error) {
	t.Helper()
	var got, want T
	gotErr, wantErr := decode(data, &got), json.Unmarshal(data, &want)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("%T of %q: error %v, json.Unmarshal's %v", got, data, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%T of %q:\ngot  %#v\nwant %#v", got, data, got, want)
	}
}

// checkAllDecoders runs checkDecode on data with each record decoder.
func checkAllDecoders(t *testing.T, data []byte) {
	t.Helper()
	checkDecode(t, data, decodeEmployer)
	checkDecode(t, data, decodeCertificate)
	checkDecode(t, data, decodeEquivalency)
	checkDecode(t, data, decodeLetter)
}

// fastRead reports whether read takes data without leaving it to
// json.Unmarshal.
func fastRead[T any](data []byte, read func(*recordReader, *T)) bool {
	var v T
	r := recordReader{b: data, s: string(data)}
	read(&r, &v)
	r.space()
	return !r.failed && r.i == len(data)
}

// seedRecords are the seed's records of the kinds a recognition decodes,
// each field set somewhere, as the node stores them (json.Marshal).
func seedRecords(t testing.TB) (employers, certificates, equivalencies, letters [][]byte) {
	t.Helper()
	files, err := filepath.Glob("../testdata/seed/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("seed files: %v %d", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var seed struct {
			Employers     []registry.Employer    `json:"employers"`
			Certificates  []registry.Certificate `json:"certificates"`
			Equivalencies []registry.Equivalency `json:"equivalencies"`
		}
		if err := json.Unmarshal(b, &seed); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, e := range seed.Employers {
			employers = append(employers, mustMarshal(t, e))
		}
		for _, c := range seed.Certificates {
			certificates = append(certificates, mustMarshal(t, c))
		}
		for _, q := range seed.Equivalencies {
			equivalencies = append(equivalencies, mustMarshal(t, q))
		}
	}
	d := registry.MustDate("2026-03-04")
	employers = append(employers, mustMarshal(t, registry.Employer{BN: "812345676", LegalName: "Béton Boréal Ltée", OperatingNames: []string{"a", "b"},
		WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "1-2", IndustryCodes: []string{"238110"}, OpenedOn: d, ClosedOn: d.AddDays(9)}, {}},
		SizeBand:    "small", EmployeeCount: 12,
		Presence: []registry.Presence{{Jurisdiction: "CA-BC", PermanentOffice: true, OperatingSince: d, Until: d.AddDays(1)}, {Jurisdiction: "CA-ON", OperatingSince: d}}}))
	certificates = append(certificates, mustMarshal(t, registry.Certificate{ID: "ACSA-1", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "1", Program: "COR",
		EmployerBN: "812345676", WCBAccounts: []string{"9"}, IndustryScope: []string{"238110", "x"}, Sector: "construction", Basis: "audit", BasisRef: "r",
		IssuedOn: d, TermMonths: 36, DocMonths: 4, ExpiresOn: d.AddMonths(36), Status: "active", StatusReason: "why",
		History: []registry.StatusChange{{Status: "active", On: d, Reason: "r", ReasonFR: "é", SupersededBy: "s", Rule: "m", Correction: true, RecordedOn: d, By: "b",
			Annulled: &registry.Annulment{On: d, Reason: "oops", By: "admin"}}, {Status: "pending"}},
		ProgramDefinition: "ECOR"}))
	equivalencies = append(equivalencies, mustMarshal(t, registry.Equivalency{ID: "EQ-1", EmployerBN: "812345676", Standard: registry.StdISO45001, ExternalNumber: "n",
		CertificationBody: "cb", AccreditationBody: "ab", IAFAccredited: true, ValidFrom: d, ValidTo: d.AddDays(400), ScopeText: "scope",
		IndustryCodes: []string{"1"}, Provinces: []registry.Jurisdiction{"CA-AB", "CA-BC"}, ScopeAligned: true, Decision: "accepted",
		ResultingCertificate: "ACSA-1", Status: "active", History: []registry.StatusChange{{Status: "active", On: d}}}))
	letters = append(letters, mustMarshal(t, registry.Letter{ID: "BC-ACSA-1", EmployerBN: "812345676", Certificate: "ACSA-1", Home: "CA-AB", Host: "CA-BC",
		Kind: registry.LetterTemporary, IssuedOn: d, ExpiresOn: d.AddDays(180), Agreement: "NWPTA", RequestedBy: "ACSA", Request: "LR-1", RequestedOn: d,
		InvalidatedBy: []string{registry.TriggerHomeInactive}, WorkStartedOn: d.AddDays(3), IssuedBy: "admin"}),
		mustMarshal(t, registry.Letter{ID: "x", InvalidatedBy: []string{}}))
	return employers, certificates, equivalencies, letters
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeRecordsIsUnmarshal checks that each record decoder gives what
// json.Unmarshal gives, for the records as stored (which they must read
// without falling back) and for documents they leave to json.Unmarshal.
func TestDecodeRecordsIsUnmarshal(t *testing.T) {
	employers, certificates, equivalencies, letters := seedRecords(t)
	for _, tc := range []struct {
		name string
		recs [][]byte
		fast func([]byte) bool
	}{
		{"employer", employers, func(b []byte) bool { return fastRead(b, (*recordReader).employer) }},
		{"certificate", certificates, func(b []byte) bool { return fastRead(b, (*recordReader).certificate) }},
		{"equivalency", equivalencies, func(b []byte) bool { return fastRead(b, (*recordReader).equivalency) }},
		{"letter", letters, func(b []byte) bool { return fastRead(b, (*recordReader).letter) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.recs) == 0 {
				t.Fatal("no records")
			}
			for _, b := range tc.recs {
				if !tc.fast(b) {
					t.Errorf("%s falls back to json.Unmarshal", b)
				}
				checkAllDecoders(t, b)
			}
		})
	}
	for _, s := range []string{
		``, `null`, `{}`, ` { } `, `{"bn":null}`, `{"bn":"1\u0032"}`, `{"BN":"1"}`, `{"bn":"1","bn":"2"}`, `{"bn":1}`, `{"bn":"1"} x`,
		`{"bn":"1",}`, `{"employee_count":1.5}`, `{"employee_count":1e2}`, `{"employee_count":-0}`, `{"employee_count":01}`,
		`{"employee_count":99999999999999999999}`, `{"employee_count":-12}`, `{"operating_names":[]}`, `{"operating_names":["a",]}`,
		`{"wcb_accounts":[{}]}`, `{"presence":[{"until":"2026-02-30"}]}`, `{"presence":[{"until":""}]}`, `{"presence":[{"permanent_office":tru}]}`,
		`{"history":[{"annulled":{}}]}`, `{"history":[{"annulled":null}]}`, `{"issued_on":"2026-01-01","issued_on":"2026-01-02"}`,
		"{\"legal_name\":\"\xff\"}", "{\"legal_name\":\"a\tb\"}", `{"unknown":1}`, `{"provinces":["CA-AB"],"decision":"x"}`,
		`{"legal_name":"a\u0026b\n\"\\\/\b\f\r\t"}`, `{"legal_name":"\ud800"}`, `{"legal_name":"\uD83D\uDE00"}`, `{"legal_name":"\u00e9\u0000x\u20AC"}`,
		`{"legal_name":"\u00g0"}`, `{"legal_name":"\x"}`, `{"legal_name":"\u00"}`, `{"legal_name":"\`, `{"b\u006e":"1"}`, `{"history":[{"on":"2026\u002d01-01"}]}`,
		`{"invalidated_by":[]}`, `{"invalidated_by":null,"history":null,"annulled":null}`, `{"wcb_accounts":[null]}`, `{"operating_names":[null]}`, `{"term_months":36,"documentation_months":3}`, `[]`, `"x"`, `{"bn":"1"`,
	} {
		checkAllDecoders(t, []byte(s))
	}
}

// FuzzDecodeRecords checks that the record decoders give what
// json.Unmarshal gives (value and error) for any input.
func FuzzDecodeRecords(f *testing.F) {
	employers, certificates, equivalencies, letters := seedRecords(f)
	for _, recs := range [][][]byte{employers, certificates, equivalencies, letters} {
		for _, b := range recs {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"bn":"1","bn":"2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAllDecoders(t, data)
	})
}
