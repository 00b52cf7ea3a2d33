package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// excelStyles writes a styles part as Excel writes it, with n cell formats
// beyond the default and the date one, each with its own font, fill and
// border (the shape the guard's comment allows: "each an <xf> of cellXfs,
// with its own font, fill and border at most").
func excelStyles(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	b.WriteString(`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	fmt.Fprintf(&b, `<fonts count="%d">`, n+1)
	b.WriteString(`<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<font><sz val="11"/><color rgb="FF%06X"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>`, i)
	}
	b.WriteString(`</fonts>`)
	fmt.Fprintf(&b, `<fills count="%d"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>`, n+2)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<fill><patternFill patternType="solid"><fgColor rgb="FF%06X"/><bgColor indexed="64"/></patternFill></fill>`, i)
	}
	b.WriteString(`</fills>`)
	fmt.Fprintf(&b, `<borders count="%d"><border><left/><right/><top/><bottom/><diagonal/></border>`, n+1)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<border><left style="thin"><color rgb="FF%06X"/></left><right/><top/><bottom/><diagonal/></border>`, i)
	}
	b.WriteString(`</borders>`)
	b.WriteString(`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`)
	fmt.Fprintf(&b, `<cellXfs count="%d"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`, n+2)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<xf numFmtId="0" fontId="%d" fillId="%d" borderId="%d" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>`, i+1, i+2, i+1)
	}
	b.WriteString(`</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>`)
	return []byte(b.String())
}

// TestStylesWithinExcelLimitsRead: 30,000 cell formats (under half of
// Excel's 64,000), each with its own font, fill and border, a styles part
// of ~510,000 elements, reads; the styles guard's first bound (400,000
// elements in all) refused it.
func TestStylesWithinExcelLimitsRead(t *testing.T) {
	b := partBomb(t, "xl/styles.xml", func([]byte) []byte { return excelStyles(30_000) })
	t.Logf("workbook: %d bytes", len(b))
	start := time.Now()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(30_001)
	t.Logf("excelize alone opens it and reads style 30001 in %v: %v %v", time.Since(start), st != nil, err)
	f.Close()
	_, err = Read(b, XLSX)
	if err != nil {
		t.Errorf("a workbook of 30,000 cell formats (Excel allows 64,000) refused: %v", err)
	}
}

// TestSharedStringsSheetElsewhere: 60,000 distinct strings, every one used
// by a cell, in a worksheet part the workbook's relationships place at
// xl/sheets/data.xml (sheetPart resolves any target) read; the guard
// counted text cells only under xl/worksheets/ and refused it.
func TestSharedStringsSheetElsewhere(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	f.SetCellValue(sh, "A1", "legal_name")
	for i := 2; i <= 60_001; i++ {
		f.SetCellValue(sh, fmt.Sprintf("A%d", i), fmt.Sprintf("Employer %d Ltd.", i))
	}
	var buf bytes.Buffer
	f.WriteTo(&buf)
	// Confirm the plain workbook reads.
	if _, err := Read(buf.Bytes(), XLSX); err != nil {
		t.Logf("as written by excelize: %v", err)
	} else {
		t.Logf("as written by excelize: read")
	}
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	shared := false
	for _, e := range zr.File {
		rc, _ := e.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		name := e.Name
		switch name {
		case "xl/worksheets/sheet1.xml":
			name = "xl/sheets/data.xml"
		case "xl/_rels/workbook.xml.rels":
			data = bytes.ReplaceAll(data, []byte("worksheets/sheet1.xml"), []byte("sheets/data.xml"))
		case "[Content_Types].xml":
			data = bytes.ReplaceAll(data, []byte("/xl/worksheets/sheet1.xml"), []byte("/xl/sheets/data.xml"))
		case "xl/sharedStrings.xml":
			shared = true
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		w.Write(data)
	}
	zw.Close()
	t.Logf("shared strings part: %v", shared)
	if g, err := excelize.OpenReader(bytes.NewReader(out.Bytes())); err == nil {
		rows, err := g.GetRows(g.GetSheetName(0))
		t.Logf("excelize alone: %d rows, %v", len(rows), err)
	}
	tab, err := Read(out.Bytes(), XLSX)
	if err != nil {
		t.Errorf("refused: %v", err)
	} else {
		t.Logf("read %d rows", len(tab.Rows))
	}
}
