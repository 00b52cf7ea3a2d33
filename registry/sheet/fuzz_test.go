package sheet

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzRead feeds hostile bytes to both formats, through Read and through
// a Reader with small bounds and a sheet picked by header: an error
// wrapping ErrFormat, or rows within the bounds (a Table's all of the
// header's width), never a panic.
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
	for name := range testdataXLSX {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b, true)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, xlsx bool) {
		format := CSV
		if xlsx {
			format = XLSX
		}
		if tab, err := Read(b, format); err == nil {
			for i, r := range tab.Rows {
				if len(r) != len(tab.Header) {
					t.Fatalf("row %d: %d cells, header %d", i, len(r), len(tab.Header))
				}
			}
		} else if !errors.Is(err, ErrFormat) {
			t.Fatalf("Read: %v does not wrap ErrFormat", err)
		}
		o := Options{MaxRows: 5, MaxColumns: 4, MaxCellBytes: 16, Pick: func(h []string) bool { return len(h) > 1 }}
		r, err := NewReader(bytes.NewReader(b), format, o)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("NewReader: %v does not wrap ErrFormat", err)
			}
			return
		}
		defer r.Close()
		last := 0
		for n := 0; ; n++ {
			cells, row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("Next: %v does not wrap ErrFormat", err)
				}
				return
			}
			if n > o.MaxRows || len(cells) > o.MaxColumns || row <= last {
				t.Fatalf("row %d after %d (%d rows): %q", row, last, n, cells)
			}
			for _, c := range cells {
				if len(c) > o.MaxCellBytes {
					t.Fatalf("row %d: a cell of %d bytes", row, len(c))
				}
			}
			last = row
		}
	})
}
