package registry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/strictjson"
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

// decodeRecord is DecodeRecord for one record type.
func decodeRecord[T any](b []byte, v *T) error { return DecodeRecord(b, v) }

// checkAllDecoders runs checkDecode on data with each record decoder.
func checkAllDecoders(t *testing.T, data []byte) {
	t.Helper()
	checkDecode[Employer](t, data, decodeRecord)
	checkDecode[Certificate](t, data, decodeRecord)
	checkDecode[Equivalency](t, data, decodeRecord)
	checkDecode[Letter](t, data, decodeRecord)
}

// fastRead reports whether scan takes data without leaving it to
// json.Unmarshal.
func fastRead[T any](data []byte, scan func(*strictjson.Scanner, *T) error) bool {
	var v T
	return scanned(data, &v, scan)
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
			Employers     []Employer    `json:"employers"`
			Certificates  []Certificate `json:"certificates"`
			Equivalencies []Equivalency `json:"equivalencies"`
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
	d := MustDate("2026-03-04")
	employers = append(employers, mustMarshal(t, Employer{BN: "812345676", LegalName: "Béton Boréal Ltée", OperatingNames: []string{"a", "b"},
		WCBAccounts: []WCBAccount{{Jurisdiction: "CA-AB", Number: "1-2", IndustryCodes: []string{"238110"}, OpenedOn: d, ClosedOn: d.AddDays(9)}, {}},
		SizeBand:    "small", EmployeeCount: 12,
		Presence: []Presence{{Jurisdiction: "CA-BC", PermanentOffice: true, OperatingSince: d, Until: d.AddDays(1)}, {Jurisdiction: "CA-ON", OperatingSince: d}}}))
	certificates = append(certificates, mustMarshal(t, Certificate{ID: "ACSA-1", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "1", Program: "COR",
		EmployerBN: "812345676", WCBAccounts: []string{"9"}, IndustryScope: []string{"238110", "x"}, Sector: "construction", Basis: "audit", BasisRef: "r",
		IssuedOn: d, TermMonths: 36, DocMonths: 4, ExpiresOn: d.AddMonths(36), Status: "active", StatusReason: "why",
		History: []StatusChange{{Status: "active", On: d, Reason: "r", ReasonFR: "é", SupersededBy: "s", Rule: "m", Correction: true, RecordedOn: d, By: "b",
			Annulled: &Annulment{On: d, Reason: "oops", By: "admin"}}, {Status: "pending"}},
		ProgramDefinition: "ECOR"}))
	equivalencies = append(equivalencies, mustMarshal(t, Equivalency{ID: "EQ-1", EmployerBN: "812345676", Standard: StdISO45001, ExternalNumber: "n",
		CertificationBody: "cb", AccreditationBody: "ab", IAFAccredited: true, ValidFrom: d, ValidTo: d.AddDays(400), ScopeText: "scope",
		IndustryCodes: []string{"1"}, Provinces: []Jurisdiction{"CA-AB", "CA-BC"}, ScopeAligned: true, Decision: "accepted",
		ResultingCertificate: "ACSA-1", Status: "active", History: []StatusChange{{Status: "active", On: d}}}))
	letters = append(letters, mustMarshal(t, Letter{ID: "BC-ACSA-1", EmployerBN: "812345676", Certificate: "ACSA-1", Home: "CA-AB", Host: "CA-BC",
		Kind: LetterTemporary, IssuedOn: d, ExpiresOn: d.AddDays(180), Agreement: "NWPTA", RequestedBy: "ACSA", Request: "LR-1", RequestedOn: d,
		InvalidatedBy: []string{TriggerHomeInactive}, WorkStartedOn: d.AddDays(3), IssuedBy: "admin"}),
		mustMarshal(t, Letter{ID: "x", InvalidatedBy: []string{}}))
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

var peerRecords = []struct {
	kind   Kind
	record string
}{
	{KindEmployer, `{"bn":"600074785","legal_name":"Growth Builders 7478 Ltd."}`},
	{KindEmployer, `{"bn":"100000009","legal_name":"Benchmark Employer 1 Ltd.","operating_names":["Bench 1","B\u00e9nch"],"wcb_accounts":[{"jurisdiction":"CA-AB","number":"1000001","industry_codes":["238120"],"opened_on":"2020-01-01"}],"size_band":"standard","employee_count":11,"presence":[{"jurisdiction":"CA-AB","permanent_office":true,"operating_since":"2019-05-01"}]}`},
	{KindCertificate, `{"id":"ACSA-GROW-0007478","jurisdiction":"CA-AB","issuer":"ACSA","number":"GROW-0007478","program":"COR","employer_bn":"600074785","sector":"construction","basis":"audit","issued_on":"2025-03-01","term_months":36,"expires_on":"2028-03-01","status":"active","status_reason":"imported","history":[{"status":"active","on":"2025-03-01","reason":"imported"}]}`},
	{KindCertificate, `{"id":"ACSA-1","jurisdiction":"CA-AB","issuer":"ACSA","number":"1","program":"SECOR","employer_bn":"600074785","wcb_accounts":["12-34","5678"],"industry_scope":["238"],"basis":"iso_equivalency","basis_ref":"eq-1","issued_on":"2024-01-31","term_months":12,"documentation_months":6,"expires_on":"2025-01-31","status":"suspended","history":[{"status":"active","on":"2024-01-31","reason":"audit passed"},{"status":"suspended","on":"2024-06-01","reason":"QA","reason_fr":"AQ","rule":"qa.failed","correction":true,"recorded_on":"2024-06-03","by":"admin","superseded_by":"ACSA-2"},{"status":"cancelled","on":"2024-07-01","reason":"x","annulled":{"on":"2024-07-02","reason":"mistake"}}],"program_definition":"ECOR"}`},
	// near misses: encoding/json decides
	{KindEmployer, `{"BN":"600074785","legal_name":"x"}`},
	{KindEmployer, `{"bn":"1","bn":"2"}`},
	{KindEmployer, `{"bn":null,"legal_name":"x","operating_names":null,"employee_count":null}`},
	{KindEmployer, `{"bn":"1","employee_count":1.0}`},
	{KindEmployer, `{"bn":"1","employee_count":"3"}`},
	{KindEmployer, `{"bn":"1","employee_count":99999999999999999999}`},
	{KindEmployer, `{"bn":"1","operating_names":[null,"a\"b","\ud800"]}`},
	{KindEmployer, `{"bn":"1","extra":{"a":[1,2,{"b":null}]}}`},
	{KindEmployer, `{"bn":1}`},
	{KindEmployer, `null`},
	{KindEmployer, `{} x`},
	{KindCertificate, `{"issued_on":"2025-02-30","status":"active"}`},
	{KindCertificate, `{"issued_on":null,"expires_on":"","status":"active","history":null}`},
	{KindCertificate, `{"issued_on":"2025-01-0\u0031","status":"active","history":[]}`},
	{KindCertificate, `{"issued_on":20250101,"status":"active"}`},
	{KindCertificate, `{"issued_on":{},"status":"active"}`},
	{KindCertificate, `{"history":[{"status":"active","on":"2025-01-01","correction":"yes"}]}`},
	{KindCertificate, `{"history":[{"status":"active","on":"2025-01-01","annulled":{"on":"bad"}}]}`},
	{KindCertificate, `{"history":[{"Status":"active"}]}`},
	{KindCertificate, `{"history":{}}`},
	{KindCertificate, `{"term_months":-0,"status":"expired","wcb_accounts":[]}`},
}

// TestDecodeRecordIsUnmarshal checks that DecodeRecord gives what
// json.Unmarshal gives, for the records as stored (which they must read
// without falling back) and for documents they leave to json.Unmarshal.
func TestDecodeRecordIsUnmarshal(t *testing.T) {
	employers, certificates, equivalencies, letters := seedRecords(t)
	for _, tc := range []struct {
		name string
		recs [][]byte
		fast func([]byte) bool
	}{
		{"employer", employers, func(b []byte) bool { return fastRead(b, scanEmployer) }},
		{"certificate", certificates, func(b []byte) bool { return fastRead(b, scanCertificate) }},
		{"equivalency", equivalencies, func(b []byte) bool { return fastRead(b, scanEquivalency) }},
		{"letter", letters, func(b []byte) bool { return fastRead(b, scanLetter) }},
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
	for i, s := range peerRecords {
		fast := fastRead([]byte(s.record), scanEmployer)
		if s.kind == KindCertificate {
			fast = fastRead([]byte(s.record), scanCertificate)
		}
		if i < 4 && !fast {
			t.Errorf("%s %s falls back to json.Unmarshal", s.kind, s.record)
		}
		checkAllDecoders(t, []byte(s.record))
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

// FuzzDecodeRecord checks that DecodeRecord gives what
// json.Unmarshal gives (value and error) for any input.
func FuzzDecodeRecord(f *testing.F) {
	employers, certificates, equivalencies, letters := seedRecords(f)
	for _, recs := range [][][]byte{employers, certificates, equivalencies, letters} {
		for _, b := range recs {
			f.Add(b)
		}
	}
	for _, s := range peerRecords {
		f.Add([]byte(s.record))
	}
	f.Add([]byte(`{"bn":"1","bn":"2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAllDecoders(t, data)
	})
}

// TestDecodeRecordMembers: the member lists name every json field of their
// types, so that a field added to a record is read (or the test fails).
func TestDecodeRecordMembers(t *testing.T) {
	for _, tc := range []struct {
		typ     reflect.Type
		members []string
	}{
		{reflect.TypeFor[Employer](), employerMembers},
		{reflect.TypeFor[Certificate](), certificateMembers},
		{reflect.TypeFor[StatusChange](), statusChangeMembers},
		{reflect.TypeFor[Equivalency](), equivalencyMembers},
		{reflect.TypeFor[Letter](), letterMembers},
	} {
		var names []string
		for f := range tc.typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			names = append(names, name)
		}
		if !slices.Equal(names, tc.members) {
			t.Errorf("%s: json names %q, members %q", tc.typ, names, tc.members)
		}
	}
}
