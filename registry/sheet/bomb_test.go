package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXFarCellsRefusedBeforeStyles: a workbook whose rows each hold an
// empty styled cell in the last column (XFD) is refused from a streaming
// read of its worksheet (dateCells), without excelize loading the
// worksheet: looking a cell's style up through excelize fills each row
// with 16,384 cells, and 150 such rows in a 6 KB file had taken 473 MB.
// A date cell of the same workbook without them still reads as a date.
func TestXLSXFarCellsRefusedBeforeStyles(t *testing.T) {
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
	tab, err := Read(build(false), XLSX)
	if err != nil || len(tab.Rows) != 1 || tab.Rows[0][0] != "2023-03-15" || tab.Rows[0][1] != "45000" {
		t.Fatalf("date cell beside a number: %v, %+v; want 2023-03-15 and 45000", err, tab)
	}
	b := build(true)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = Read(b, XLSX)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("cells up to column XFD: got %v, want ErrFormat", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("refusing a %d-byte workbook allocated %d MB", len(b), grew>>20)
	}
}
