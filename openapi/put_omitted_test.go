package openapi_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// recordIn returns the record a GET of a record answers (under
// "employer" for an employer; a program by id in the list).
func recordIn(t *testing.T, get, id string, b []byte) map[string]json.RawMessage {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("GET %s: %v: %s", get, err, b)
	}
	if e, ok := top["employer"]; ok {
		top = nil
		_ = json.Unmarshal(e, &top)
	}
	if ps, ok := top["programs"]; ok {
		var list []map[string]json.RawMessage
		_ = json.Unmarshal(ps, &list)
		for _, p := range list {
			if string(p["id"]) == `"`+id+`"` {
				return p
			}
		}
		t.Fatalf("GET %s: no program %s", get, id)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(top["record"], &rec); err != nil {
		t.Fatalf("GET %s: no record: %s", get, b)
	}
	return rec
}

// bodyOf is the PUT body that states rec's members (those of the body
// type, members), less drop, with set's values instead of rec's.
func bodyOf(rec map[string]json.RawMessage, members, drop []string, set map[string]string) string {
	out := map[string]json.RawMessage{}
	for _, m := range members {
		if v, ok := rec[m]; ok {
			out[m] = v
		}
	}
	for m, v := range set {
		out[m] = json.RawMessage(v)
	}
	for _, m := range drop {
		if obj, member, ok := strings.Cut(m, "."); ok { // a member of an object member
			var o map[string]json.RawMessage
			_ = json.Unmarshal(out[obj], &o)
			delete(o, member)
			out[obj], _ = json.Marshal(o)
			continue
		}
		delete(out, m)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// TestPutRefusesToEraseWhatItLeavesOut: every PUT of a record, over real
// HTTP. A PUT states the whole record; a body that leaves out a member
// the stored version holds non-empty is refused with 422, one problem at
// body.<member> for each (and only those), and nothing is stored (the
// GET answers the same bytes, the same ETag). The same member sent empty
// clears it; the whole body is stored; a PUT that creates the record
// (none stored) is not concerned. Found by review s25-q (finding 1): the
// README's conditional-write example erased a certificate's WCB accounts,
// a CP renamed without its sectors lost its sector restriction, an
// equivalency without its industry codes counted for any industry.
func TestPutRefusesToEraseWhatItLeavesOut(t *testing.T) {
	f := newFixtureWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	const eq = `{"employer_bn":"` + bnPrairie + `","standard":"ISO 45001:2018","external_number":"ISO-7","certification_body":"BSI",` +
		`"accreditation_body":"ANAB","iaf_accredited":true,"valid_from":"2025-01-15","valid_to":"2028-01-14","scope_text":"structural steel erection",` +
		`"industry_codes":["238120"],"provinces":["CA-AB"],"scope_aligned":true,"decision":"accepted","status":"active"}`
	program := func(id string) string { // the default COR program as TEST, with the optional members set
		_, _, b := f.do(t, "GET", "/v1/programs", "", "")
		p := recordIn(t, "/v1/programs", "COR", b)
		p["id"], p["name"] = json.RawMessage(`"`+id+`"`), json.RawMessage(`"Test program"`)
		p["size_bands"], p["max_employees"] = json.RawMessage(`["standard"]`), json.RawMessage(`500`)
		out, _ := json.Marshal(p)
		return string(out)
	}

	tests := []struct {
		name, path, get, id string
		setup               [][3]string // method, path, body: writes before, each answered 2xx
		members             []string    // the body type's top-level members
		drop                []string    // left out of the body
		want                []string    // the 422's locations
		clear               map[string]string
	}{
		{name: "certificate: the README's example (scope and sector only)", path: "/v1/certificates/ACSA-20250417", get: "/v1/certificates/ACSA-20250417",
			members: jsonNames[openapi.CertificateUpdateIn](), drop: []string{"wcb_accounts"},
			want: []string{"body.wcb_accounts"}, clear: map[string]string{"wcb_accounts": "[]"}},
		{name: "certificate: sector only", path: "/v1/certificates/ACSA-20240988", get: "/v1/certificates/ACSA-20240988",
			members: jsonNames[openapi.CertificateUpdateIn](), drop: []string{"wcb_accounts", "industry_scope"},
			want: []string{"body.industry_scope", "body.wcb_accounts"}, clear: map[string]string{"wcb_accounts": "[]", "industry_scope": "null", "sector": `""`}},
		{name: "CP renamed without its sectors", path: "/v1/cps/ESC", get: "/v1/cps/ESC",
			members: jsonNames[registry.CertifyingPartner](), drop: []string{"sectors"},
			want: []string{"body.sectors"}, clear: map[string]string{"sectors": "[]"}},
		{name: "employer", path: "/v1/employers/" + bnPrairie, get: "/v1/employers/" + bnPrairie,
			members: jsonNames[registry.Employer](),
			drop:    []string{"operating_names", "wcb_accounts", "size_band", "employee_count"},
			want:    []string{"body.employee_count", "body.operating_names", "body.size_band", "body.wcb_accounts"},
			clear:   map[string]string{"operating_names": "[]", "employee_count": "0", "size_band": `""`}},
		{name: "equivalency without its industry codes and flags", path: "/v1/equivalencies/EQ-" + bnPrairie + "-ISO-7", get: "/v1/equivalencies/EQ-" + bnPrairie + "-ISO-7",
			setup:   [][3]string{{"POST", "/v1/equivalencies", eq}},
			members: jsonNames[openapi.EquivalencyIn](),
			drop:    []string{"industry_codes", "iaf_accredited", "scope_aligned", "provinces", "accreditation_body", "scope_text", "decision", "status"},
			want: []string{"body.accreditation_body", "body.decision", "body.iaf_accredited", "body.industry_codes", "body.provinces",
				"body.scope_aligned", "body.scope_text", "body.status"},
			clear: map[string]string{"industry_codes": "[]", "provinces": "[]", "scope_text": `""`, "iaf_accredited": "false"}},
		{name: "auditor without its employer", path: "/v1/auditors/AUD-0001", get: "/v1/auditors/AUD-0001",
			setup: [][3]string{{"PUT", "/v1/auditors/AUD-0001", `{"id":"AUD-0001","name":"Dana Whitford","employer_bn":"731551222",` +
				`"credentials":[{"cp":"ACSA","kind":"external","certified_on":"2022-09-01"},{"cp":"ACSA","kind":"external","certified_on":"2025-09-01"}]}`}},
			members: jsonNames[openapi.AuditorIn](), drop: []string{"employer_bn"},
			want: []string{"body.employer_bn"}, clear: map[string]string{"employer_bn": `""`}},
		{name: "program: members and a member of an object it sends", path: "/v1/programs/TEST", get: "/v1/programs", id: "TEST",
			setup:   [][3]string{{"PUT", "/v1/programs/TEST", program("TEST")}},
			members: jsonNames[registry.Program](),
			drop:    []string{"cp_deadlines", "size_bands", "max_employees", "report_deadline.submit_days"},
			want:    []string{"body.cp_deadlines", "body.max_employees", "body.report_deadline.submit_days", "body.size_bands"},
			clear:   map[string]string{"cp_deadlines": "{}", "size_bands": "[]", "max_employees": "0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.setup {
				if code, _, b := f.do(t, s[0], s[1], "admin", s[2]); code/100 != 2 {
					t.Fatalf("setup %s %s: %d %s", s[0], s[1], code, b)
				}
			}
			get := func() ([]byte, string) {
				code, h, b := f.do(t, "GET", tc.get, "", "")
				if code != 200 {
					t.Fatalf("GET %s: %d %s", tc.get, code, b)
				}
				return b, h.Get("ETag")
			}
			before, tag := get()
			rec := recordIn(t, tc.get, tc.id, before)

			// Left out: refused, naming each member the stored version holds.
			code, _, b := f.do(t, "PUT", tc.path, "admin", bodyOf(rec, tc.members, tc.drop, nil))
			if code != 422 {
				t.Fatalf("PUT leaving out %v: %d, want 422: %s", tc.drop, code, b)
			}
			if got := problemLocations(t, code, b); !slices.Equal(got, tc.want) {
				t.Errorf("PUT leaving out %v: problems at %v, want %v: %s", tc.drop, got, tc.want, b)
			}
			if !strings.Contains(string(b), "absent, but the stored record") || !strings.Contains(string(b), "PUT replaces the whole record") {
				t.Errorf("the problem does not say why: %s", b)
			}
			if after, tag2 := get(); !bytes.Equal(after, before) || tag2 != tag {
				t.Errorf("the refused PUT changed the record (ETag %s -> %s):\n%s\n%s", tag, tag2, before, after)
			}

			// The whole body, one member changed: stored.
			set := map[string]string{}
			switch {
			case slices.Contains(tc.members, "name"):
				set["name"] = `"Renamed"`
			case slices.Contains(tc.members, "legal_name"):
				set["legal_name"] = `"Renamed Ltd."`
			case slices.Contains(tc.members, "certification_body"):
				set["certification_body"] = `"BSI Group"`
			default:
				set["sector"] = `"roofing"`
			}
			if code, _, b := f.do(t, "PUT", tc.path, "admin", bodyOf(rec, tc.members, nil, set)); code != 200 {
				t.Fatalf("PUT of the whole body: %d %s", code, b)
			}
			after, _ := get()
			rec2 := recordIn(t, tc.get, tc.id, after)
			for m, v := range set {
				if string(rec2[m]) != v {
					t.Errorf("after the whole PUT, %s = %s, want %s", m, rec2[m], v)
				}
			}
			for _, m := range tc.drop {
				if m != "wcb_accounts" && !strings.Contains(m, ".") && !bytes.Equal(rec2[m], rec[m]) {
					t.Errorf("after the whole PUT, %s = %s, want the stored %s", m, rec2[m], rec[m])
				}
			}

			// Sent empty: cleared.
			if code, _, b := f.do(t, "PUT", tc.path, "admin", bodyOf(rec2, tc.members, nil, tc.clear)); code != 200 {
				t.Fatalf("PUT with %v: %d %s", tc.clear, code, b)
			}
			cleared, _ := get()
			rec3 := recordIn(t, tc.get, tc.id, cleared)
			for m := range tc.clear {
				if v, ok := rec3[m]; ok && !emptyJSON(v) {
					t.Errorf("PUT with %s empty: stored %s", m, v)
				}
			}
		})
	}

	// A PUT that creates: nothing stored, nothing left out.
	for _, c := range []struct{ path, body string }{
		{"/v1/employers/" + newBN, `{"bn":"` + newBN + `","legal_name":"Ile Verte Constructions Inc."}`},
		{"/v1/programs/TEST2", program("TEST2")},
	} {
		if code, _, b := f.do(t, "PUT", c.path, "admin", c.body); code != 200 {
			t.Errorf("PUT %s creating: %d %s", c.path, code, b)
		}
	}
}

// jsonNames is the top-level members of a body type T.
func jsonNames[T any]() []string {
	var out []string
	t := reflect.TypeFor[T]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func emptyJSON(v json.RawMessage) bool {
	switch strings.TrimSpace(string(v)) {
	case "null", `""`, "[]", "{}", "false", "0":
		return true
	}
	return false
}

// TestCertificatePutLeavingOutMembersKeepsThem: the reviewer's case
// (s25-q, 1): a PUT that sends only a sector does not erase the
// certificate's WCB accounts and industry scope; it is refused, naming
// both, and the stored version stays the one that names them.
func TestCertificatePutLeavingOutMembersKeepsThem(t *testing.T) {
	f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true})
	code, _, b := f.do(t, "PUT", "/v1/certificates/ACSA-20250417", "admin", `{"sector":"construction"}`)
	if code != 422 || !slices.Equal(problemLocations(t, code, b), []string{"body.industry_scope", "body.wcb_accounts"}) {
		t.Fatalf("PUT {sector}: %d %s; want 422 at body.industry_scope and body.wcb_accounts", code, b)
	}
	e, err := f.n.Record(t.Context(), registry.KindCertificate, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	var c registry.Certificate
	if err := json.Unmarshal(e.Record, &c); err != nil {
		t.Fatal(err)
	}
	if e.Ver != 1 || !slices.Equal(c.WCBAccounts, []string{"4512876"}) || !slices.Equal(c.IndustryScope, []string{"238120"}) {
		t.Errorf("after PUT {sector}: ver %d, wcb_accounts %v, industry_scope %v; want ver 1 with [4512876] [238120]", e.Ver, c.WCBAccounts, c.IndustryScope)
	}
}

// TestCPRenameKeepsItsSectorRestriction: the reviewer's case (s25-q, 1b):
// renaming a CP without restating its sectors does not lift its sector
// restriction: the rename is refused at body.sectors, and the CP still
// cannot give its certificate another sector.
func TestCPRenameKeepsItsSectorRestriction(t *testing.T) {
	f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true})
	code, _, b := f.do(t, "PUT", "/v1/cps/ESC", "admin", `{"id":"ESC","name":"Energy Safety Canada (renamed)","status":"active"}`)
	if code != 422 || !slices.Equal(problemLocations(t, code, b), []string{"body.sectors"}) {
		t.Fatalf("rename without sectors: %d %s; want 422 at body.sectors", code, b)
	}
	code, _, b = f.do(t, "PUT", "/v1/certificates/ESC-ESC-33871", "esc", `{"wcb_accounts":["3987120"],"industry_scope":["213111"],"sector":"construction"}`)
	if code != 422 || !slices.Equal(problemLocations(t, code, b), []string{"body.sector"}) {
		t.Errorf("after the refused rename, CP ESC (energy) gave its certificate sector construction: %d %s; want 422 at body.sector", code, b)
	}
}

// TestSKCertificatePutCannotWidenItsAccounts: the reviewer's measure case
// (s25-q, 1): in SK, which certifies per WCB account, a certificate that
// names no account covers every account of its employer
// (measure.Holders). A PUT that leaves its accounts out is refused, so
// the certificate as stored still makes only its own account a COR
// holder's, not the employer's other account.
func TestSKCertificatePutCannotWidenItsAccounts(t *testing.T) {
	n := nodetest.New(t, "CA-SK", nodetest.Options{Seed: true})
	srv := httptest.NewServer(fullHandler(t, n))
	t.Cleanup(srv.Close)
	f := &fixture{n: n, srv: srv, tok: map[string]string{"admin": n.Token(t, node.TokenRequest{Role: node.RoleAdmin})}}
	const bn, cert = "899001127", "SCSA-SK-30412"
	emp := `{"bn":"` + bn + `","legal_name":"Prairie Haulage","wcb_accounts":[{"jurisdiction":"CA-SK","number":"1188420"},{"jurisdiction":"CA-SK","number":"2277310"}]}`
	_, _, b := f.do(t, "GET", "/v1/employers/"+bn, "", "")
	rec := recordIn(t, "/v1/employers/"+bn, "", b)
	emp = bodyOf(rec, []string{"bn", "legal_name", "operating_names", "size_band", "employee_count", "presence"}, nil,
		map[string]string{"wcb_accounts": strings.TrimSuffix(string(rec["wcb_accounts"]), "]") + `,{"jurisdiction":"CA-SK","number":"2277310"}]`})
	if code, _, b := f.do(t, "PUT", "/v1/employers/"+bn, "admin", emp); code != 200 {
		t.Fatalf("the employer opens a second account: %d %s", code, b)
	}
	if code, _, b := f.do(t, "PUT", "/v1/certificates/"+cert, "admin", `{"sector":"construction"}`); code != 422 {
		t.Fatalf("PUT {sector} of %s: %d %s; want 422", cert, code, b)
	}
	e, err := n.Record(t.Context(), registry.KindCertificate, cert)
	if err != nil {
		t.Fatal(err)
	}
	var stored registry.Certificate
	if err := json.Unmarshal(e.Record, &stored); err != nil {
		t.Fatal(err)
	}
	on := registry.MustDate(nodetest.Now.Format("2006-01-02"))
	h := measure.NewHolders([]registry.Certificate{stored})
	if _, ok := h.On(bn, "2277310", on); ok {
		t.Errorf("after the refused PUT, %s makes account 2277310 (never on it) a COR holder's", cert)
	}
	if _, ok := h.On(bn, "1188420", on); !ok {
		t.Errorf("after the refused PUT, %s no longer covers its own account 1188420", cert)
	}
}

// TestPutBodiesAcceptEveryMemberEmpty: since a PUT that leaves out a
// stored member is refused, sending the member empty is the only way to
// clear it; so every optional member of every PUT body (and of every
// object member it may send, which the refusal reaches too) must accept
// its empty value ("", [], {}, 0, false) in the served schema. An
// auditor's employer_bn (a pattern) and an employer's size_band (an
// enum) did not, and could no longer be cleared.
func TestPutBodiesAcceptEveryMemberEmpty(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	_, api := fullAPI(t, n)
	oapi := api.OpenAPI()
	reg := oapi.Components.Schemas
	resolve := func(s *huma.Schema) *huma.Schema {
		for s != nil && s.Ref != "" {
			s = reg.SchemaFromRef(s.Ref)
		}
		return s
	}
	var walk func(s *huma.Schema, at string, seen map[string]bool)
	walk = func(s *huma.Schema, at string, seen map[string]bool) {
		if s.Ref != "" {
			if seen[s.Ref] {
				return
			}
			seen[s.Ref] = true
		}
		s = resolve(s)
		for name, p := range s.Properties {
			ps := resolve(p)
			if ps.Type == "object" && len(ps.Properties) > 0 {
				walk(p, at+"."+name, seen)
			}
			if slices.Contains(s.Required, name) {
				continue
			}
			var empty any
			switch typ := ps.Type; {
			case typ == "string":
				empty = ""
			case typ == "array":
				empty = []any{}
			case typ == "object":
				empty = map[string]any{}
			case typ == "integer" || typ == "number":
				empty = 0.0
			case typ == "boolean":
				empty = false
			default:
				continue
			}
			res := &huma.ValidateResult{}
			huma.Validate(reg, p, huma.NewPathBuffer([]byte(""), 0), huma.ModeWriteToServer, empty, res)
			if len(res.Errors) > 0 {
				t.Errorf("%s.%s refuses its empty value %#v: %v", at, name, empty, res.Errors)
			}
		}
	}
	puts := 0
	for path, item := range oapi.Paths {
		if item.Put == nil || item.Put.RequestBody == nil {
			continue
		}
		puts++
		walk(item.Put.RequestBody.Content["application/json"].Schema, "PUT "+path+" body", map[string]bool{})
	}
	if puts != 6 {
		t.Errorf("%d PUT operations, want 6 (employers, cps, certificates, equivalencies, auditors, programs): a new one needs its node.Omitted", puts)
	}
}
