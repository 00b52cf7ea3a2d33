package node_test

import (
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/sheet"
)

// TestImportRefusesABooleanForANumber: a boolean TRUE in a cell that holds
// a number (documentation_months) is refused with a problem naming its row
// and column, as any other value that is not a number is, from XLSX (where
// the cell's raw value is 1) as from CSV; a number in the same cell is
// read.
func TestImportRefusesABooleanForANumber(t *testing.T) {
	header := []any{"employer_bn", "legal_name", "cp", "number", "program", "issued_on", "term_months", "documentation_months"}
	xlsx := func(docMonths any) []byte {
		f := excelize.NewFile()
		defer f.Close()
		sh := f.GetSheetName(0)
		row := []any{"870013018", "Bool Ltd.", "ACSA", "B-1", "COR", "2026-11-02", 12, docMonths}
		if err := f.SetSheetRow(sh, "A1", &header); err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sh, "A2", &row); err != nil {
			t.Fatal(err)
		}
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	csv := func(docMonths string) []byte {
		return []byte("employer_bn,legal_name,cp,number,program,issued_on,term_months,documentation_months\n870013018,Bool Ltd.,ACSA,B-1,COR,2026-11-02,12," + docMonths + "\n")
	}
	for _, tc := range []struct {
		name, format string
		file         []byte
		refused      string // the value named, "" when read
	}{
		{"xlsx TRUE", "xlsx", xlsx(true), "TRUE"},
		{"xlsx FALSE", "xlsx", xlsx(false), "FALSE"},
		{"xlsx number", "xlsx", xlsx(6), ""},
		{"csv TRUE", "csv", csv("TRUE"), "TRUE"},
		{"csv number", "csv", csv("6"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := sheet.Read(tc.file, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			rows, problems, _ := node.ParseImport(tab, 1)
			var found *node.ImportProblem
			for i, p := range problems {
				if p.Column == "documentation_months" {
					found = &problems[i]
				}
			}
			switch {
			case tc.refused == "" && found != nil:
				t.Errorf("a number refused: %+v", *found)
			case tc.refused == "" && (len(rows) != 1 || rows[0].DocMonths != 6):
				t.Errorf("rows %+v, problems %+v: want documentation_months 6", rows, problems)
			case tc.refused != "" && (found == nil || found.Row != 1 || found.Value != tc.refused):
				t.Errorf("problems %+v, want one at row 1, column documentation_months, naming %s", problems, tc.refused)
			}
		})
	}
}
