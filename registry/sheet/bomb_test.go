package sheet

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXFarCellsCostNothing: a workbook whose rows each hold an empty
// styled cell in the last column (XFD) reads as the same table as without
// them, and cheaply: its date cells are found by a streaming read of the
// worksheet (dateCells), without excelize loading it. Looking a cell's
// style up through excelize fills each row with 16,384 cells, and 150
// such rows in a 6 KB file had taken 473 MB.
func TestXLSXFarCellsCostNothing(t *testing.T) {
	build := func(far bool) []byte {
		f := excelize.NewFile()
		sh := f.GetSheetName(0)
		style, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // a date format
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]any{{"A1", "issued_on"}, {"B1", "n"}, {"A2", 45000}, {"B2", 45000}} {
			if err := f.SetCellValue(sh, c[0].(string), c[1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.SetCellStyle(sh, "A2", "A2", style); err != nil {
			t.Fatal(err)
		}
		for row := 3; far && row <= 152; row++ {
			cell := fmt.Sprintf("XFD%d", row)
			if err := f.SetCellStyle(sh, cell, cell, style); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if _, err := f.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want, err := Read(build(false), XLSX)
	if err != nil || len(want.Rows) != 1 || want.Rows[0][0] != "2023-03-15" || want.Rows[0][1] != "45000" {
		t.Fatalf("date cell beside a number: %v, %+v; want 2023-03-15 and 45000", err, want)
	}
	b := build(true)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := Read(b, XLSX)
	runtime.ReadMemStats(&after)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("with empty styled cells in column XFD: %v, %+v; want %+v", err, got, want)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("refusing a %d-byte workbook allocated %d MB", len(b), grew>>20)
	}
}
