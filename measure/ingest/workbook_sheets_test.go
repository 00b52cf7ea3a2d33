package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/corfed/corfed/registry"
)

// albertaWorkbook builds a workbook in the layout of Alberta's OHS data:
// every sheet names EMP_KEY; "Injury" has the injury figures (six
// employers, K1 to K6), the others ("Order", "Penalty", ...) have their
// own columns. Sheets are written in the order given; an "Injury-" sheet
// is the injury sheet without YEAR_NO.
func albertaWorkbook(t *testing.T, sheets ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		rows := [][]any{{"EMP_KEY", "EMPLOYER_NAME", "ISSUE_DATE", "STATUS"}, {"K1", "X", 45000.5, "Compliance"}}
		if strings.HasPrefix(name, "Injury") {
			rows = [][]any{{"EMP_KEY", "EMPLOYER_NAME", "WCB_INDUSTRY_CODE", "COR_YEAR", "YEAR_NO", "PERSON_YEARS_COUNT", "LOST_TIME_CLAIM_COUNT",
				"LOST_TIME_CLAIM_RATE", "MOTOR_VEHICLE_FATALITY_COUNT", "WORKPLACE_INCIDENT_FATALITY_COUNT", "OCCUPATIONAL_DISEASE_FATALITY_COUNT",
				"ANNUAL_DISABLING_INJURIES_COUNT"}}
			for k := 1; k <= 6; k++ {
				rows = append(rows, []any{fmt.Sprintf("K%d", k), "E", 42100, "", 2024, 10 * k, k, 1, 0, 0, 0, k + 1})
			}
			if name == "Injury-" {
				for i := range rows {
					rows[i] = append(rows[i][:4:4], rows[i][5:]...)
				}
			}
		}
		for r, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWorkbookReadsTheInjurySheet: the importer reads the first sheet
// whose header has every column it needs, wherever it is in the
// workbook; with none, the first that names EMP_KEY (or employer_bn), and
// then its problems name the sheet read, the workbook's sheets and
// --sheet.
func TestWorkbookReadsTheInjurySheet(t *testing.T) {
	mapping := map[string]Account{}
	for k, n := 1, 0; k <= 6; n++ {
		if b := fmt.Sprintf("8123456%02d", n); registry.CheckBN("bn", b) == nil {
			mapping[fmt.Sprintf("K%d", k)] = Account{BN: b}
			k++
		}
	}
	for _, tc := range []struct {
		name   string
		sheets []string
		sheet  string // Options.Sheet
		read   string // the sheet read
		rows   int    // rows read without problems; -1: refused
		hint   string // in the problems when refused
	}{
		{"injury first", []string{"Injury", "Order", "Penalty"}, "", "Injury", 6, ""},
		{"order first", []string{"Order", "Injury", "Penalty"}, "", "Injury", 6, ""},
		{"injury last of eight", []string{"Order", "Penalty", "Ticket", "Investigation", "Acceptance", "Approval", "Conviction", "Injury"}, "", "Injury", 6, ""},
		{"no injury sheet", []string{"Order", "Penalty"}, "", "Order", -1, `worksheet "Order"`},
		{"injury sheet lacking a column", []string{"Order", "Injury-"}, "", "Order", -1, "Order, Injury-"},
		{"--sheet names the order sheet", []string{"Injury", "Order"}, "Order", "Order", -1, `worksheet "Order"`},
		{"--sheet names the injury sheet", []string{"Order", "Injury"}, "Injury", "Injury", 6, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ReadXLSX(bytes.NewReader(albertaWorkbook(t, tc.sheets...)), Options{Mapping: mapping, Sheet: tc.sheet})
			if err != nil {
				t.Fatal(err)
			}
			if res.Sheet != tc.read || res.Layout != LayoutAlberta {
				t.Errorf("read sheet %q (%s layout), want %q", res.Sheet, res.Layout, tc.read)
			}
			if tc.rows >= 0 {
				if res.Err() != nil || len(res.Rows) != tc.rows {
					t.Errorf("%d rows, problems %v; want %d rows", len(res.Rows), res.Err(), tc.rows)
				}
				return
			}
			if res.Err() == nil {
				t.Fatalf("no problems; want the sheet refused")
			}
			var all []string
			for _, p := range res.Report.Problems {
				all = append(all, p.String())
			}
			text := strings.Join(all, "\n")
			if !strings.Contains(text, "--sheet") || !strings.Contains(text, tc.hint) || !strings.Contains(text, "YEAR_NO: missing column") {
				t.Errorf("problems:\n%s\nwant the missing columns, %q and --sheet named", text, tc.hint)
			}
		})
	}
}
