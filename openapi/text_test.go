package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTextHygiene: strings that are not valid text get one 422 problem
// naming every bad field (not a silent U+FFFD); names refuse bidi, control
// and zero-width characters; names are stored NFC-normalized; every
// validation error of a body is reported at once.
func TestTextHygiene(t *testing.T) {
	f := newFixture(t)
	emp := func(name, extra string) string {
		return `{"bn":"123456782","legal_name":"` + name + `"` + extra + `}`
	}
	tests := []struct {
		name, token, body string
		status            int
		fields            []string // errors[].location, in order
	}{
		{"invalid UTF-8", "admin", emp("Caf\xe9 Ltd", ""), 422, []string{"body.legal_name"}},
		{"lone high surrogate", "admin", emp(`Ab\ud800 Ltd`, ""), 422, []string{"body.legal_name"}},
		{"lone low surrogate in a list", "admin", emp("A Ltd", `,"operating_names":["ok","x\udc00"]`), 422, []string{"body.operating_names[1]"}},
		{"high surrogate then a non-surrogate", "admin", emp(`A\ud800\u0041`, ""), 422, []string{"body.legal_name"}},
		{"every bad string at once", "admin", emp("\xff", `,"operating_names":["\ud800"]`), 422, []string{"body.legal_name", "body.operating_names[0]"}},
		{"bidi override", "admin", emp("Acme \u202Egnp.exe", ""), 422, []string{"body.legal_name"}},
		{"bidi isolate", "admin", emp("Acme \u2067x", ""), 422, []string{"body.legal_name"}},
		{"C1 control", "admin", emp("Acme\u0085Ltd", ""), 422, []string{"body.legal_name"}},
		{"C0 control", "admin", emp(`Acme\u0007Ltd`, ""), 422, []string{"body.legal_name"}},
		{"zero-width space", "admin", emp("Ac\u200Bme", ""), 422, []string{"body.legal_name"}},
		{"zero-width joiner in an operating name", "admin", emp("Acme", `,"operating_names":["A\u200Dcme"]`), 422, []string{"body.operating_names[0]"}},
		{"every validation error at once", "admin", `{"bn":"123456782","legal_name":"Ac\u200Bme","operating_names":["\u202E"],"wcb_accounts":[{"jurisdiction":"CA-AB","number":"!"}]}`, 422,
			[]string{"body.legal_name", "body.operating_names[0]", "body.wcb_accounts[0].number"}},
		{"anonymous with invalid UTF-8", "", emp("\xff", ""), 401, nil},
		{"valid surrogate pair", "admin", emp(`Smile \ud83d\ude00 Ltd`, ""), 200, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := feedSize(t, f)
			code, _, b := f.do(t, "PUT", "/v1/employers/123456782", tc.token, tc.body)
			if code != tc.status {
				t.Fatalf("got %d, want %d: %s", code, tc.status, b)
			}
			if code >= 300 {
				if after := feedSize(t, f); after != size {
					t.Errorf("refused, yet the feed grew from %d to %d", size, after)
				}
			}
			if tc.fields == nil {
				return
			}
			var p struct {
				Errors []struct{ Location, Message string }
			}
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range p.Errors {
				got = append(got, e.Location)
			}
			if strings.Join(got, " ") != strings.Join(tc.fields, " ") {
				t.Errorf("errors at %v, want %v: %s", got, tc.fields, b)
			}
		})
	}

	t.Run("names are stored NFC", func(t *testing.T) {
		code, _, b := f.do(t, "PUT", "/v1/employers/123456782", "admin", emp("Be\u0301ton Bore\u0301al", `,"operating_names":["Que\u0301bec"]`))
		if code != 200 && code != 201 {
			t.Fatalf("PUT: %d %s", code, b)
		}
		var r struct {
			Record struct {
				LegalName      string   `json:"legal_name"`
				OperatingNames []string `json:"operating_names"`
			}
		}
		_ = json.Unmarshal(b, &r)
		if r.Record.LegalName != "B\u00e9ton Bor\u00e9al" || len(r.Record.OperatingNames) != 1 || r.Record.OperatingNames[0] != "Qu\u00e9bec" {
			t.Errorf("stored %q %q, want the NFC forms", r.Record.LegalName, r.Record.OperatingNames)
		}
	})
}
