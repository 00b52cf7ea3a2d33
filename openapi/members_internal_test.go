package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// Bodies of the rule types that encoding/json decodes without error.
var memberBodies = []struct {
	typ  reflect.Type
	body string
}{
	{reflect.TypeFor[AuditIn](), ruleBenchAudit},
	{reflect.TypeFor[CertificateIn](), `{"issuer":"ACSA","number":"Q1","program":"COR","employer_bn":"812345676","wcb_accounts":["1"],"issued_on":"2026-01-10","expires_on":"2029-01-10","sector":"a\u00e9\\n"}`},
	{reflect.TypeFor[MatchIn](), `{"as_of":"2026-01-01","rows":[{"bn":"812345676"},{"name":"N","jurisdiction":"CA-AB"},null]}`},
	{reflect.TypeFor[registry.HostRules](), `{"id":"r","jurisdiction":"CA-AB","effective_from":"2026-01-01","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[{"accepted":true,"standards":["ISO 45001:2018"]}],"sources":["s"]}`},
	{reflect.TypeFor[registry.AgreementTerms](), `{"id":"a","title":"t","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB","cap_days":180},{"host":"CA-BC","cap_months":6}],"effective_from":"2026-01-01","sources":["s"],"supersedes":"b"}`},
	{reflect.TypeFor[embedding](), `{"a":"1","B":"2","C":3,"Z":{"x":1},"e":"5","p":{"q":"6"}}`},
}

// embedding exercises encoding/json's rules for embedded structs.
type embedding struct {
	Inner
	*Ptr
	Clash
	Z map[string]int
	E string `json:"e,omitempty"`
	f string //lint:ignore U1000 an unexported field is not decoded
}

type Inner struct {
	A string `json:"a"`
	B string
}

type Ptr struct {
	P struct {
		Q string `json:"q"`
	} `json:"p"`
}

type Clash struct {
	C int
}

// TestDecodeMembersDecodesAsEncodingJSON: on bodies encoding/json decodes
// without error, with names spelled as the tags are, decodeMembers gives
// the same value, and names the members sent.
func TestDecodeMembersDecodesAsEncodingJSON(t *testing.T) {
	for _, tc := range memberBodies {
		t.Run(tc.typ.Name(), func(t *testing.T) {
			want := reflect.New(tc.typ)
			if err := json.Unmarshal([]byte(tc.body), want.Interface()); err != nil {
				t.Fatal(err)
			}
			got := reflect.New(tc.typ)
			sent := decodeMembers([]byte(tc.body), got.Elem(), "body", nil)
			if !reflect.DeepEqual(got.Elem().Interface(), want.Elem().Interface()) {
				t.Errorf("got %+v, want %+v", got.Elem(), want.Elem())
			}
			var m map[string]json.RawMessage
			_ = json.Unmarshal([]byte(tc.body), &m)
			if len(sent) != len(m) {
				t.Errorf("sent %v, want the names of %v", sent, m)
			}
		})
	}
}

// TestDecodeMembersLeavesOnlyTheBadMemberZero: a member that does not
// decode, a member in another case than its tag, and one at a location
// skipped stay zero; the others decode, and an element that does not
// decode keeps its place.
func TestDecodeMembersLeavesOnlyTheBadMemberZero(t *testing.T) {
	body := `{"employer_bn":"812345676","cp":1,"Type":"certification","auditors":["A",2,"C"],"onsite_start":"3001-01-01","onsite_end":"2026-03-06",` +
		`"submitted_on":"2026-04-01","documentation_months":"x","overall":90,"elements":[{"element":"a","score":"x"},{"element":"b","score":5}],"instrument":"I"}`
	var got AuditIn
	decodeMembers([]byte(body), reflect.ValueOf(&got).Elem(), "body", []string{"body.elements[1].score", "body.instrument"})
	want := AuditIn{EmployerBN: "812345676", Auditors: []string{"A", "", "C"}, OnsiteEnd: registry.NewDate(2026, 3, 6),
		SubmittedOn: registry.NewDate(2026, 4, 1), Overall: 90, Elements: []ElementIn{{Element: "a"}, {Element: "b"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

const ruleBenchAudit = `{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001","AUD-0002"],` +
	`"onsite_start":"2026-03-02","onsite_end":"2026-03-06","submitted_on":"2026-04-01","documentation_months":14,"overall":90,` +
	`"elements":[{"element":"hazard assessment","score":90},{"element":"inspections","score":85},{"element":"training","score":80}]}`

// BenchmarkRuleDecode compares the decoding of a body for its rules:
// "json" is the old one (json.Unmarshal into the type, and into a map for
// the names sent), "members" decodeMembers.
func BenchmarkRuleDecode(b *testing.B) {
	var rows []string
	for i := range 1000 {
		rows = append(rows, fmt.Sprintf(`{"bn":"%09d","name":"Employer %d Ltd."}`, i, i))
	}
	bodies := []struct {
		name, body string
		typ        reflect.Type
	}{
		{"audit", ruleBenchAudit, reflect.TypeFor[AuditIn]()},
		{"audit-bad-date", strings.Replace(ruleBenchAudit, "2026-03-02", "3001-01-01", 1), reflect.TypeFor[AuditIn]()},
		{"certificate", memberBodies[1].body, reflect.TypeFor[CertificateIn]()},
		{"match-1000-rows", `{"as_of":"2026-01-01","rows":[` + strings.Join(rows, ",") + `]}`, reflect.TypeFor[MatchIn]()},
	}
	for _, bb := range bodies {
		body := []byte(bb.body)
		b.Run(bb.name+"/json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v := reflect.New(bb.typ)
				_ = json.Unmarshal(body, v.Interface())
				var sent map[string]json.RawMessage
				_ = json.Unmarshal(body, &sent)
			}
		})
		b.Run(bb.name+"/members", func(b *testing.B) {
			b.ReportAllocs()
			skip := []string{"body.onsite_start"}
			for b.Loop() {
				v := reflect.New(bb.typ)
				decodeMembers(body, v.Elem(), "body", skip)
			}
		})
	}
}
