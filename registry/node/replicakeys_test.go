package node

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// scanKeysSeeds are records as corfed writes them (scanKeys must take
// them) and the near misses a peer could send.
var scanKeysSeeds = []struct {
	kind   registry.Kind
	record string
}{
	{registry.KindEmployer, `{"bn":"600074785","legal_name":"Growth Builders 7478 Ltd."}`},
	{registry.KindEmployer, `{"bn":"100000009","legal_name":"Benchmark Employer 1 Ltd.","operating_names":["Bench 1","B\u00e9nch"],"wcb_accounts":[{"jurisdiction":"CA-AB","number":"1000001","industry_codes":["238120"],"opened_on":"2020-01-01"}],"size_band":"standard","employee_count":11,"presence":[{"jurisdiction":"CA-AB","permanent_office":true,"operating_since":"2019-05-01"}]}`},
	{registry.KindCertificate, `{"id":"ACSA-GROW-0007478","jurisdiction":"CA-AB","issuer":"ACSA","number":"GROW-0007478","program":"COR","employer_bn":"600074785","sector":"construction","basis":"audit","issued_on":"2025-03-01","term_months":36,"expires_on":"2028-03-01","status":"active","status_reason":"imported","history":[{"status":"active","on":"2025-03-01","reason":"imported"}]}`},
	{registry.KindCertificate, `{"id":"ACSA-1","jurisdiction":"CA-AB","issuer":"ACSA","number":"1","program":"SECOR","employer_bn":"600074785","wcb_accounts":["12-34","5678"],"industry_scope":["238"],"basis":"iso_equivalency","basis_ref":"eq-1","issued_on":"2024-01-31","term_months":12,"documentation_months":6,"expires_on":"2025-01-31","status":"suspended","history":[{"status":"active","on":"2024-01-31","reason":"audit passed"},{"status":"suspended","on":"2024-06-01","reason":"QA","reason_fr":"AQ","rule":"qa.failed","correction":true,"recorded_on":"2024-06-03","by":"admin","superseded_by":"ACSA-2"},{"status":"cancelled","on":"2024-07-01","reason":"x","annulled":{"on":"2024-07-02","reason":"mistake"}}],"program_definition":"ECOR"}`},
	// near misses: encoding/json decides
	{registry.KindEmployer, `{"BN":"600074785","legal_name":"x"}`},
	{registry.KindEmployer, `{"bn":"1","bn":"2"}`},
	{registry.KindEmployer, `{"bn":null,"legal_name":"x","operating_names":null,"employee_count":null}`},
	{registry.KindEmployer, `{"bn":"1","employee_count":1.0}`},
	{registry.KindEmployer, `{"bn":"1","employee_count":"3"}`},
	{registry.KindEmployer, `{"bn":"1","employee_count":99999999999999999999}`},
	{registry.KindEmployer, `{"bn":"1","operating_names":[null,"a\"b","\ud800"]}`},
	{registry.KindEmployer, `{"bn":"1","extra":{"a":[1,2,{"b":null}]}}`},
	{registry.KindEmployer, `{"bn":1}`},
	{registry.KindEmployer, `null`},
	{registry.KindEmployer, `{} x`},
	{registry.KindCertificate, `{"issued_on":"2025-02-30","status":"active"}`},
	{registry.KindCertificate, `{"issued_on":null,"expires_on":"","status":"active","history":null}`},
	{registry.KindCertificate, `{"issued_on":"2025-01-0\u0031","status":"active","history":[]}`},
	{registry.KindCertificate, `{"issued_on":20250101,"status":"active"}`},
	{registry.KindCertificate, `{"issued_on":{},"status":"active"}`},
	{registry.KindCertificate, `{"history":[{"status":"active","on":"2025-01-01","correction":"yes"}]}`},
	{registry.KindCertificate, `{"history":[{"status":"active","on":"2025-01-01","annulled":{"on":"bad"}}]}`},
	{registry.KindCertificate, `{"history":[{"Status":"active"}]}`},
	{registry.KindCertificate, `{"history":{}}`},
	{registry.KindCertificate, `{"term_months":-0,"status":"expired","wcb_accounts":[]}`},
}

// FuzzScanKeys: whenever scanKeys decodes a record, the record decodes
// with encoding/json (IndexKeys) and gives the same keys.
func FuzzScanKeys(f *testing.F) {
	for _, s := range scanKeysSeeds {
		f.Add(s.kind == registry.KindCertificate, s.record)
	}
	f.Fuzz(func(t *testing.T, cert bool, record string) {
		e := registry.Entry{Iss: "CA-AB", Seq: 1, Kind: registry.KindEmployer, ID: "x", Ver: 1, Record: []byte(record)}
		if cert {
			e.Kind = registry.KindCertificate
		}
		got, ok := scanKeys(e)
		if !ok {
			return // IndexKeys decides, as before
		}
		want, err := IndexKeys(e)
		if err != nil {
			t.Fatalf("%s %s: scanKeys took it (%q) but encoding/json refuses it: %v", e.Kind, record, got, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %s: scanKeys = %q, IndexKeys = %q", e.Kind, record, got, want)
		}
	})
}

// TestScanKeysTakes: the records corfed writes take the scan (else it
// would only cost time), and give IndexKeys' keys.
func TestScanKeysTakes(t *testing.T) {
	for _, s := range scanKeysSeeds[:4] {
		e := registry.Entry{Kind: s.kind, ID: "x", Ver: 1, Record: []byte(s.record)}
		got, ok := scanKeys(e)
		want, err := IndexKeys(e)
		if !ok || err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s: scanKeys = %q, %v; IndexKeys = %q, %v", s.kind, s.record, got, ok, want, err)
		}
	}
}

// TestScanKeysMembers: the member lists name every json field of their
// types, so that a field added to a record is read (or the test fails).
func TestScanKeysMembers(t *testing.T) {
	for _, tc := range []struct {
		typ     reflect.Type
		members []string
	}{
		{reflect.TypeFor[registry.Employer](), employerMembers},
		{reflect.TypeFor[registry.Certificate](), certificateMembers},
		{reflect.TypeFor[registry.StatusChange](), statusChangeMembers},
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
