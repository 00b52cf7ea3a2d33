package sheet

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzRead feeds hostile bytes to both readers: an error or a table whose
// rows all have the header's width, never a panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"), false)
	f.Add([]byte("\xef\xbb\xbfa;b\n\"x;y\";2\n\n"), false)
	f.Add([]byte("a,\"b\n1"), false)
	x := excelize.NewFile()
	_ = x.SetSheetRow(x.GetSheetName(0), "A1", &[]any{"employer_bn", "issued_on"})
	_ = x.SetSheetRow(x.GetSheetName(0), "A2", &[]any{812345676, 45730})
	if buf, err := x.WriteToBuffer(); err == nil {
		f.Add(buf.Bytes(), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, xlsx bool) {
		format := CSV
		if xlsx {
			format = XLSX
		}
		tab, err := Read(b, format)
		if err != nil {
			return
		}
		for i, r := range tab.Rows {
			if len(r) != len(tab.Header) {
				t.Fatalf("row %d: %d cells, header %d", i, len(r), len(tab.Header))
			}
		}
	})
}
