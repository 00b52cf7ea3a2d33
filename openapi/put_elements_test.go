package openapi_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestPutComparesListElementsWithTheStoredOnes: a PUT states the whole
// record, and an element of a list that is the same element as a stored
// one (an employer's WCB account: its jurisdiction and number; a
// presence: its jurisdiction and operating_since; an auditor's
// credential: its cp, kind and certified_on) may not leave out a member
// the stored element has. Before, an employer PUT that sent a closed WCB
// account without its closed_on reopened it without a word (a date cannot
// be sent empty, and leaving it out read as "not closed"). Such a PUT is
// refused with 422, one error at body.<list>[i].<member> for each, all at
// once with the record's other problems, and nothing is stored. The member
// sent as null clears it; the record sent back as stored is accepted; a
// new element does not have to send what no stored element has.
func TestPutComparesListElementsWithTheStoredOnes(t *testing.T) {
	const (
		acct     = `{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"],"opened_on":"2019-04-01","closed_on":"2026-06-30"}`
		presence = `{"jurisdiction":"CA-SK","permanent_office":true,"operating_since":"2020-01-01","until":"2026-06-30"}`
		other    = `{"jurisdiction":"CA-BC","number":"7700123"}`
		auditor  = `{"id":"AUD-0001","name":"Dana Whitford","employer_bn":"731551222","credentials":[` +
			`{"cp":"ACSA","kind":"external","certified_on":"2022-09-01","expires_on":"2025-08-31"},{"cp":"ACSA","kind":"external","certified_on":"2025-09-01"}]}`
	)
	emp := func(accounts, presences string, drop ...string) string {
		m := map[string]json.RawMessage{
			"bn": json.RawMessage(`"` + bnPrairie + `"`), "legal_name": json.RawMessage(`"Prairie Steel Erectors Ltd."`),
			"operating_names": json.RawMessage(`["Prairie Steel"]`), "size_band": json.RawMessage(`"standard"`),
			"employee_count": json.RawMessage(`140`), "wcb_accounts": json.RawMessage(accounts), "presence": json.RawMessage(presences),
		}
		for _, d := range drop {
			delete(m, d)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	aud := func(creds string) string {
		return `{"id":"AUD-0001","name":"Dana Whitford","employer_bn":"731551222","credentials":` + creds + `}`
	}
	// element returns the stored element of list whose member key is value.
	element := func(t *testing.T, rec map[string]json.RawMessage, list, key, value string) map[string]json.RawMessage {
		t.Helper()
		var els []map[string]json.RawMessage
		_ = json.Unmarshal(rec[list], &els)
		for _, e := range els {
			if string(e[key]) == `"`+value+`"` {
				return e
			}
		}
		t.Fatalf("no stored %s with %s %s: %s", list, key, value, rec[list])
		return nil
	}
	const empPath, audPath = "/v1/employers/" + bnPrairie, "/v1/auditors/AUD-0001"
	stored := [][3]string{{"PUT", empPath, emp("["+acct+"]", "["+presence+"]")}, {"PUT", audPath, auditor}}

	tests := []struct {
		name, path, body string
		want             []string // the 422's locations; none: accepted
		check            func(t *testing.T, rec map[string]json.RawMessage)
	}{
		{name: "a closed account sent without its closed_on (reopening it by omission)", path: empPath,
			body: emp(`[`+other+`,{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"],"opened_on":"2019-04-01"}]`, "["+presence+"]"),
			want: []string{"body.wcb_accounts[1].closed_on"}},
		{name: "the same account, its number spelled with a dash", path: empPath,
			body: emp(`[{"jurisdiction":"CA-AB","number":"4512-876","industry_codes":["238120"],"opened_on":"2019-04-01"}]`, "["+presence+"]"),
			want: []string{"body.wcb_accounts[0].closed_on"}},
		{name: "every member left out of stored elements, and a top-level one, at once", path: empPath,
			body: emp(`[{"jurisdiction":"CA-AB","number":"4512876"}]`, `[{"jurisdiction":"CA-SK","permanent_office":true,"operating_since":"2020-01-01"}]`, "size_band"),
			want: []string{"body.presence[0].until", "body.size_band", "body.wcb_accounts[0].closed_on", "body.wcb_accounts[0].industry_codes", "body.wcb_accounts[0].opened_on"}},
		{name: "an auditor's credential sent without its expires_on", path: audPath,
			body: aud(`[{"cp":"ACSA","kind":"external","certified_on":"2022-09-01"},{"cp":"ACSA","kind":"external","certified_on":"2025-09-01"}]`),
			want: []string{"body.credentials[0].expires_on"}},

		{name: "closed_on null reopens the account, as said", path: empPath,
			body: emp(`[{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"],"opened_on":"2019-04-01","closed_on":null}]`, "["+presence+"]"),
			check: func(t *testing.T, rec map[string]json.RawMessage) {
				a := element(t, rec, "wcb_accounts", "number", "4512876")
				if _, ok := a["closed_on"]; ok || string(a["opened_on"]) != `"2019-04-01"` {
					t.Errorf("after closed_on null: %s; want no closed_on, opened_on kept", rec["wcb_accounts"])
				}
			}},
		{name: "null clears every optional member of an element", path: empPath,
			body: emp(`[{"jurisdiction":"CA-AB","number":"4512876","industry_codes":null,"opened_on":null,"closed_on":null}]`,
				`[{"jurisdiction":"CA-SK","permanent_office":true,"operating_since":"2020-01-01","until":null}]`),
			check: func(t *testing.T, rec map[string]json.RawMessage) {
				a, p := element(t, rec, "wcb_accounts", "number", "4512876"), element(t, rec, "presence", "jurisdiction", "CA-SK")
				if len(a) != 2 || len(p) != 3 {
					t.Errorf("after null members: account %v, presence %v; want only their identity (and permanent_office)", a, p)
				}
			}},
		{name: "the record sent back as stored", path: empPath, body: emp("["+acct+"]", "["+presence+"]"),
			check: func(t *testing.T, rec map[string]json.RawMessage) {
				if a := element(t, rec, "wcb_accounts", "number", "4512876"); string(a["closed_on"]) != `"2026-06-30"` {
					t.Errorf("after the identical PUT: %s", rec["wcb_accounts"])
				}
			}},
		{name: "a new account without closed_on", path: empPath, body: emp("["+acct+","+other+"]", "["+presence+"]"),
			check: func(t *testing.T, rec map[string]json.RawMessage) {
				if a := element(t, rec, "wcb_accounts", "number", "7700123"); len(a) != 2 {
					t.Errorf("the new account: %v", a)
				}
				if a := element(t, rec, "wcb_accounts", "number", "4512876"); string(a["closed_on"]) != `"2026-06-30"` {
					t.Errorf("the closed account beside it: %v", a)
				}
			}},
		{name: "null clears top-level optional members too", path: empPath,
			body: strings.Replace(emp("["+acct+"]", "["+presence+"]", "operating_names"), `"size_band":"standard"`, `"size_band":null,"operating_names":null`, 1),
			check: func(t *testing.T, rec map[string]json.RawMessage) {
				if rec["size_band"] != nil || rec["operating_names"] != nil || string(rec["employee_count"]) != "140" {
					t.Errorf("after size_band and operating_names null: %v", rec)
				}
			}},
		{name: "expires_on null: the credential's default expiry", path: audPath,
			body: aud(`[{"cp":"ACSA","kind":"external","certified_on":"2022-09-01","expires_on":null},{"cp":"ACSA","kind":"external","certified_on":"2025-09-01"}]`),
			check: func(t *testing.T, rec map[string]json.RawMessage) {
				if c := element(t, rec, "credentials", "certified_on", "2022-09-01"); c["expires_on"] != nil {
					t.Errorf("after expires_on null: %v", c)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true})
			for _, s := range stored {
				if code, _, b := f.do(t, s[0], s[1], "admin", s[2]); code != 200 {
					t.Fatalf("setup %s %s: %d %s", s[0], s[1], code, b)
				}
			}
			get := func() ([]byte, string) {
				code, h, b := f.do(t, "GET", tc.path, "", "")
				if code != 200 {
					t.Fatalf("GET %s: %d %s", tc.path, code, b)
				}
				return b, h.Get("ETag")
			}
			before, tag := get()
			code, _, b := f.do(t, "PUT", tc.path, "admin", tc.body)
			if tc.want == nil {
				if code != 200 {
					t.Fatalf("PUT %s: %d %s", tc.body, code, b)
				}
				after, _ := get()
				tc.check(t, recordIn(t, tc.path, "", after))
				return
			}
			got := problemLocations(t, code, b)
			slices.Sort(got)
			if code != 422 || !slices.Equal(got, tc.want) {
				t.Fatalf("PUT %s: %d at %v, want 422 at %v: %s", tc.body, code, got, tc.want, b)
			}
			var p problemOf
			_ = json.Unmarshal(b, &p)
			for _, e := range p.Errors {
				if strings.Contains(e.Location, "[") && (!strings.Contains(e.Message, "absent, but the stored record") || !strings.Contains(e.Message, "null to clear it")) {
					t.Errorf("%s: the problem does not say why or how to clear it: %q", e.Location, e.Message)
				}
			}
			if after, tag2 := get(); !bytes.Equal(after, before) || tag2 != tag {
				t.Errorf("the refused PUT changed the record (ETag %s -> %s):\n%s\n%s", tag, tag2, before, after)
			}
			if tc.path == empPath && f.versionsOf(t, "employer", bnPrairie) != 2 {
				t.Errorf("the refused PUT stored a version")
			}
		})
	}

	t.Run("in French", func(t *testing.T) {
		f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true})
		if code, _, b := f.do(t, "PUT", empPath, "admin", stored[0][2]); code != 200 {
			t.Fatalf("setup: %d %s", code, b)
		}
		_, fr := f.sameProblemInFrench(t, "PUT", empPath, "admin", "application/json", tests[0].body)
		if len(fr.Errors) != 1 || fr.Errors[0].Location != "body.wcb_accounts[1].closed_on" || !strings.Contains(fr.Errors[0].Message, "null pour l'effacer") {
			t.Errorf("in French: %+v", fr)
		}
	})
}

// TestPutBodiesDocumentNullForElementMembers: since an element that
// leaves out a member of the same stored element is refused, null is how
// a client clears it (a date has no empty value); so the served schema
// of every PUT body lets every optional member of an element of a list
// whose elements have an identity (node's elementKeys) be null, and says
// so (type [..., "null"]). (A program's lists have none: a whole value.)
func TestPutBodiesDocumentNullForElementMembers(t *testing.T) {
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
	checked := 0
	for path, item := range oapi.Paths {
		if item.Put == nil || item.Put.RequestBody == nil {
			continue
		}
		body := resolve(item.Put.RequestBody.Content["application/json"].Schema)
		for name, p := range body.Properties {
			ps := resolve(p)
			if ps.Type != "array" || ps.Items == nil || !slices.Contains([]string{"wcb_accounts", "presence", "credentials"}, name) {
				continue
			}
			el := resolve(ps.Items)
			if el.Type != "object" {
				continue
			}
			for m, ms := range el.Properties {
				if slices.Contains(el.Required, m) {
					continue
				}
				checked++
				if !resolve(ms).Nullable {
					t.Errorf("PUT %s: body.%s[].%s is optional but its schema does not allow null", path, name, m)
				}
			}
		}
	}
	if checked < 4 { // wcb_accounts' industry_codes, opened_on, closed_on; presence's until; a credential's expires_on
		t.Errorf("%d optional element members checked; want at least 4", checked)
	}
}
