package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestImportCellProblemsOverHTTP: a cell that is not UTF-8 is a problem
// of its row and column, numbered as the report numbers rows (1 = the
// first data row, first_row counted) with every other problem of the
// file; it was one problem at location "body" naming "row 2 column 2" (the
// file's line). A file that is not UTF-8 as a whole (Excel's "CSV" on
// Windows) is read as Windows-1252, and the report says so. A format
// error that stops the reading is located at its row.
func TestImportCellProblemsOverHTTP(t *testing.T) {
	f := newFixture(t)
	const head = "employer_bn,legal_name,cp,number,program,issued_on\r\n"
	type problem struct{ Location, Message, Value string }
	for _, tc := range []struct {
		name, query, body string
		code              int
		want              []string // locations
		encoding          string
	}{
		{"bad cells, a BOM", "", "\xef\xbb\xbf" + head + "870013018,B\xe9ton Qu\xe9bec Lt\xe9e,ACSA,L1-1,COR,2026-11-02\r\n" +
			"870013026,Good Ltd.,ACSA,L1-2,COR,2026-11-02\r\n" + "870013034,Caf\xe9,ACSA,L1-3,COR,2026-02-30\r\n",
			422, []string{"rows[1].legal_name", "rows[3].legal_name", "rows[3].issued_on"}, ""},
		{"in parts", "&first_row=5001", "\xef\xbb\xbf" + head + "870013018,B\xe9ton,ACSA,L1-1,COR,2026-11-02\r\n", 422, []string{"rows[5001].legal_name"}, ""},
		{"Windows-1252", "", head + "870013018,B\xe9ton Qu\xe9bec Lt\xe9e,ACSA,L1-1,COR,2026-11-02\r\n", 200, nil, "windows-1252"},
		{"a quote left open", "&first_row=11", head + "870013018,Ok Ltd.,ACSA,L1-1,COR,2026-11-02\r\n870013026,\"Open,ACSA\r\n", 422, []string{"rows[12]"}, ""},
	} {
		code, _, b := f.do(t, "POST", "/v1/imports?format=csv&dry_run=true"+tc.query, "acsa", tc.body)
		var out struct {
			Errors   []problem
			Encoding string
		}
		if err := json.Unmarshal(b, &out); err != nil || code != tc.code {
			t.Errorf("%s: %d %v, want %d: %s", tc.name, code, err, tc.code, b)
			continue
		}
		var locs []string
		for _, p := range out.Errors {
			locs = append(locs, p.Location)
		}
		if strings.Join(locs, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: locations %v, want %v: %s", tc.name, locs, tc.want, b)
		}
		if tc.code == 422 && len(tc.want) > 0 && strings.HasPrefix(tc.want[0], "rows[") && strings.Contains(tc.want[0], ".legal_name") &&
			(!strings.Contains(out.Errors[0].Message, "CSV UTF-8") || !strings.Contains(out.Errors[0].Value, "B\ufffdton")) {
			t.Errorf("%s: %+v, want the advice to save as CSV UTF-8 and the cell as far as it reads", tc.name, out.Errors[0])
		}
		if out.Encoding != tc.encoding {
			t.Errorf("%s: encoding %q, want %q", tc.name, out.Encoding, tc.encoding)
		}
	}
}
