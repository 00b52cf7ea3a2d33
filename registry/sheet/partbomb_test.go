package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// partBomb builds a small workbook (a header and one row with a string
// cell and a styled number cell) and replaces one part with repl.
func partBomb(t testing.TB, part string, repl func(orig []byte) []byte) []byte {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	st, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellValue(sh, "A1", "issued_on")
	f.SetCellValue(sh, "B1", "legal_name")
	f.SetCellValue(sh, "A2", 45000)
	f.SetCellValue(sh, "B2", "Acme Ltd.")
	f.SetCellStyle(sh, "A2", "A2", st)
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		rc, _ := e.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if e.Name == part {
			data = repl(data)
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Deflate})
		w.Write(data)
	}
	zw.Close()
	return out.Bytes()
}

// stylesBomb: cellXfs padded with empty <xf/> elements up to ~60 MB.
func stylesBomb(t testing.TB) []byte {
	return partBomb(t, "xl/styles.xml", func(orig []byte) []byte {
		s := string(orig)
		i := strings.Index(s, "<cellXfs")
		j := strings.Index(s[i:], ">") + i + 1
		pad := strings.Repeat("<xf/>", 12_000_000)
		return []byte(s[:j] + pad + s[j:])
	})
}

// sstBomb: sharedStrings padded to ~31 MB of one-letter strings, under
// the 32 MB in-memory limit.
func sstBomb(t testing.TB) []byte {
	return partBomb(t, "xl/sharedStrings.xml", func(orig []byte) []byte {
		s := string(orig)
		i := strings.Index(s, "</sst>")
		return []byte(s[:i] + strings.Repeat("<si><t>a</t></si>", 1_900_000) + s[i:])
	})
}

// TestXLSXPartBombsRefused: a workbook of under 100 KB whose styles part
// holds 12 million empty <xf/> (Excel allows 64,000 cell formats), or
// whose shared strings hold 1.9 million strings no cell uses, is refused as
// malformed before excelize decodes the part into structs: the first took
// 11 GB of allocations (4.4 GB of heap at once) and the second 2.2 GB.
func TestXLSXPartBombsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(testing.TB) []byte
	}{{"styles", stylesBomb}, {"shared strings", sstBomb}} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.make(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Read(b, XLSX)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("a %d-byte bomb: %v, want ErrFormat", len(b), err)
			}
			if got := (after.TotalAlloc - before.TotalAlloc) >> 20; got > 256 {
				t.Errorf("a %d-byte bomb allocated %d MB", len(b), got)
			}
		})
	}
}
