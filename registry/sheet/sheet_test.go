package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.xlsx files built by hand")

// row is what Reader.Next gives.
type row struct {
	N     int
	Cells []string
}

func readAll(t *testing.T, b []byte, format string, o Options) ([]row, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), format, o)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rows []row
	for {
		cells, n, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row{n, cells})
	}
}

func TestReaderCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []row
		err      string
	}{
		{"plain", "a,b\n1,2\n", []row{{1, []string{"a", "b"}}, {2, []string{"1", "2"}}}, ""},
		// A line of empty cells counts; an empty line is no record.
		{"BOM, CRLF, blank rows keep their numbers", "\ufeffa,b\r\n\r\n,\r\n x ,\"y, z\"\r\n",
			[]row{{1, []string{"a", "b"}}, {3, []string{"x", "y, z"}}}, ""},
		{"French locale", "a;b\n\"1,5\";2\n", []row{{1, []string{"a", "b"}}, {2, []string{"1,5", "2"}}}, ""},
		{"ragged rows", "a,b,c\n1\n", []row{{1, []string{"a", "b", "c"}}, {2, []string{"1"}}}, ""},
		{"a quote left open", "a,b\n\"1,2\n", []row{{1, []string{"a", "b"}}}, "row 2: parse error"},
		{"not UTF-8", "a\n\xff\n", []row{{1, []string{"a"}}}, "row 2 column 1: not UTF-8"},
		// A name written decomposed (as macOS tools write it) reads in NFC,
		// as the JSON API stores it.
		{"NFD to NFC", "a\nB\u0065\u0301ton Qu\u0065\u0301bec\n", []row{{1, []string{"a"}}, {2, []string{"B\u00e9ton Qu\u00e9bec"}}}, ""},
		{"too many columns", strings.Repeat("a,", 64) + "a\n", nil, "row 1 has 65 columns, at most 64"},
		{"a cell too long", "a\n" + strings.Repeat("x", 1025) + "\n", []row{{1, []string{"a"}}}, "row 2 column 1: a cell holds at most 1024 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, []byte(tc.in), CSV, Options{})
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrFormat)) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("rows\n got %v\nwant %v", got, tc.want)
			}
		})
	}
	// AnyBytes leaves checking the cells to the caller; bounds are options.
	if got, err := readAll(t, []byte("a\n\xff\n"), CSV, Options{AnyBytes: true}); err != nil || len(got) != 2 {
		t.Errorf("AnyBytes: %v %v", err, got)
	}
	if _, err := readAll(t, []byte("a\n1\n2\n3\n"), CSV, Options{MaxRows: 2}); err == nil || !strings.Contains(err.Error(), "more than 2 rows") ||
		!errors.Is(err, ErrTooManyRows) || !errors.Is(err, ErrFormat) {
		t.Errorf("MaxRows: %v", err)
	}
}

// The workbooks in testdata, as written by other programs, and read back:
// the golden rows are the table below.
func TestReaderXLSXFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		o    Options
		want []row
	}{
		// Inline strings (t="inlineStr", as streaming writers produce), a
		// date cell in a built-in format (14), a number, a blank row 3 and
		// a row with no r attributes.
		{"inline.xlsx", Options{}, []row{
			{1, []string{"employer_bn", "legal_name", "issued_on", "term_months"}},
			{2, []string{"812345676", "Éco Béton Ltée", "2026-03-01", "36"}},
			{4, []string{"723456786", "Rich Text Inc.", "2026-12-31", "12"}},
			{5, []string{"", "no r attributes", "45717.5"}},
		}},
		// Shared strings (rich text runs joined), a custom date format
		// (yyyy-mm-dd), a boolean (TRUE as the sheet shows it, not its
		// raw 1, which a count would take for a number) and a formula's
		// cached value, on the second worksheet, chosen by Pick.
		{"shared.xlsx", Options{Pick: func(h []string) bool { return len(h) > 0 && h[0] == "employer_bn" }}, []row{
			{1, []string{"employer_bn", "legal_name", "issued_on", "ok", "sum"}},
			{2, []string{"812345676", "Bold and plain", "2025-06-01", "TRUE", "3"}},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if FormatOf("", b) != XLSX {
				t.Errorf("FormatOf: not xlsx")
			}
			got, err := readAll(t, b, XLSX, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("rows\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestReaderXLSXSheets(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetCellValue("Sheet1", "A1", "About this file")
	if _, err := x.NewSheet("data"); err != nil {
		t.Fatal(err)
	}
	_ = x.SetSheetRow("data", "A1", &[]any{"bn", "when"})
	_ = x.SetSheetRow("data", "A2", &[]any{812345676, 45730})
	style, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	_ = x.SetCellStyle("data", "B2", "B2", style)
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	pickBN := func(h []string) bool { return len(h) > 0 && h[0] == "bn" }
	for _, tc := range []struct {
		name  string
		o     Options
		sheet string
		first []string
		err   error
	}{
		{"the first by default", Options{}, "Sheet1", []string{"About this file"}, nil},
		{"by name", Options{Sheet: "data"}, "data", []string{"bn", "when"}, nil},
		{"by header", Options{Pick: pickBN}, "data", []string{"bn", "when"}, nil},
		{"no such name", Options{Sheet: "nope"}, "", nil, ErrNoSheet},
		{"no header picked", Options{Pick: func([]string) bool { return false }}, "", nil, ErrNoSheet},
		{"preferred header", Options{Pick: func([]string) bool { return true }, Prefer: pickBN}, "data", []string{"bn", "when"}, nil},
		{"none preferred: the first picked", Options{Pick: func([]string) bool { return true }, Prefer: func([]string) bool { return false }}, "Sheet1", []string{"About this file"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(b), XLSX, tc.o)
			if !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			defer r.Close()
			cells, n, err := r.Next()
			if err != nil || n != 1 || r.Sheet() != tc.sheet || !reflect.DeepEqual(cells, tc.first) {
				t.Errorf("sheet %q row %d %q %v, want %q %q", r.Sheet(), n, cells, err, tc.sheet, tc.first)
			}
		})
	}
	tab, err := Read(b, XLSX)
	if err != nil || len(tab.Rows) != 0 || tab.Header[0] != "About this file" {
		t.Errorf("Read: %+v %v", tab, err)
	}
	r, _ := NewReader(bytes.NewReader(b), XLSX, Options{Sheet: "data"})
	defer r.Close()
	_, _, _ = r.Next()
	if cells, n, err := r.Next(); err != nil || n != 2 || !reflect.DeepEqual(cells, []string{"812345676", "2025-03-14"}) {
		t.Errorf("data row: %d %q %v (a date cell reads as YYYY-MM-DD)", n, cells, err)
	}
	for _, bad := range [][]byte{[]byte("not a zip"), []byte("PK\x03\x04garbage"), zipOf(t, map[string]string{"x.txt": "hello"})} {
		if _, err := NewReader(bytes.NewReader(bad), XLSX, Options{}); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: err = %v, want ErrFormat", bad[:min(len(bad), 12)], err)
		}
	}
}

func TestRead(t *testing.T) {
	tab, err := Read([]byte("\n a ,b\n1\n\n2,3,4\n"), CSV)
	if err != nil {
		t.Fatal(err)
	}
	// The row's third cell is past the header: left out of Rows, counted.
	want := &Table{Header: []string{"a", "b"}, Rows: [][]string{{"1", ""}, {"2", "3"}}, Overflow: map[int]int{1: 1}}
	if !reflect.DeepEqual(tab, want) {
		t.Errorf("got %+v, want %+v", tab, want)
	}
	for _, in := range []string{"", "\n,,\n"} {
		if _, err := Read([]byte(in), CSV); err == nil || !strings.Contains(err.Error(), "no header row") {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, err := Read(nil, "ods"); !errors.Is(err, ErrFormat) {
		t.Errorf("ods: %v", err)
	}
}

// zipOf builds a ZIP archive of the named files.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store}) // the same bytes on every Go
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestXLSXZeroPaddedNumbers: a whole number shown zero-padded (custom
// format 000000: IHSA's certificate 000266, a 7-digit WCB account) is read
// as the sheet shows it; it was read as 266, and a match for 000266 found
// nothing. A date cell and a plain number read as before.
func TestXLSXZeroPaddedNumbers(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	six, seven := "000000", "0000000"
	s6, err := f.NewStyle(&excelize.Style{CustomNumFmt: &six})
	if err != nil {
		t.Fatal(err)
	}
	s7, err := f.NewStyle(&excelize.Style{CustomNumFmt: &seven})
	if err != nil {
		t.Fatal(err)
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow(sh, "A1", &[]any{"number", "wcb_account", "issued_on", "n", "big"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow(sh, "A2", &[]any{266, 123456, 45000, 266, 12345678}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cell  string
		style int
	}{{"A2", s6}, {"B2", s7}, {"C2", date}, {"E2", s6}} {
		if err := f.SetCellStyle(sh, c.cell, c.cell, c.style); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	tab, err := Read(b.Bytes(), XLSX)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"000266", "0123456", "2023-03-15", "266", "12345678"}
	if len(tab.Rows) != 1 || !reflect.DeepEqual(tab.Rows[0], want) {
		t.Errorf("got %q, want %q", tab.Rows, want)
	}
}

// TestXLSXDateSystems: a date cell reads as the date the workbook shows,
// in the 1900 date system (Excel's default) and in the 1904 one (Excel
// for Mac's default up to 2011, kept by every workbook made then), where
// the same day is a serial 1,462 lower. The 1904 flag was ignored: a
// certificate issued 2026-11-02 was read as issued 2022-11-01.
func TestXLSXDateSystems(t *testing.T) {
	for _, tc := range []struct {
		name     string
		date1904 bool
		day      time.Time
		want     string
	}{
		{"1900", false, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "2026-11-02"},
		{"1904", true, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "2026-11-02"},
		{"1904, early", true, time.Date(1904, 1, 2, 0, 0, 0, 0, time.UTC), "1904-01-02"},
		{"1904, leap day", true, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := excelize.NewFile()
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &tc.date1904}); err != nil {
				t.Fatal(err)
			}
			sh := f.GetSheetName(0)
			if err := f.SetSheetRow(sh, "A1", &[]any{"employer_bn", "issued_on"}); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellValue(sh, "A2", "870013000"); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellValue(sh, "B2", tc.day); err != nil {
				t.Fatal(err)
			}
			st, err := f.NewStyle(&excelize.Style{NumFmt: 14})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStyle(sh, "B2", "B2", st); err != nil {
				t.Fatal(err)
			}
			b, err := f.WriteToBuffer()
			if err != nil {
				t.Fatal(err)
			}
			tab, err := Read(b.Bytes(), XLSX)
			if err != nil {
				t.Fatal(err)
			}
			if got := tab.Rows[0][1]; got != tc.want {
				t.Errorf("issued_on read as %q, want %s", got, tc.want)
			}
		})
	}
}

// TestReadBadCellsGoOn: Read lists a cell that is not UTF-8 or too long,
// and a row of too many columns, in Bad (numbered by data row, the cell
// left ""), and reads on; it stopped at the first, numbered by file line
// (the header being 1). A format error that stops it is numbered as an
// import report numbers rows (1 = the first data row).
func TestReadBadCellsGoOn(t *testing.T) {
	long := strings.Repeat("x", MaxCellBytes+1)
	tab, err := Read([]byte("\ufeffa,b\n1,B\xe9ton\n\n2,"+long+"\n3,caf\xc3\xa9\n4,\xff\n"+strings.Repeat("z,", 70)+"z\n"), CSV)
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		Row, Column int
		Value       string
	}
	var got []cell
	for _, b := range tab.Bad {
		got = append(got, cell{b.Row, b.Column, b.Value})
	}
	want := []cell{{0, 2, "B\ufffdton"}, {1, 2, strings.Repeat("x", 64) + "…"}, {3, 2, "\ufffd"}, {4, 0, ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bad cells %+v, want %+v", got, want)
	}
	if tab.Rows[0][1] != "" || tab.Rows[2][1] != "café" || len(tab.Rows) != 5 || tab.Encoding != "" {
		t.Errorf("rows %q (encoding %q): want the bad cells \"\", the others read", tab.Rows, tab.Encoding)
	}
	if !strings.Contains(tab.Bad[0].Reason, "CSV UTF-8") {
		t.Errorf("reason %q: want the advice to save as CSV UTF-8", tab.Bad[0].Reason)
	}
	for _, tc := range []struct{ in, want string }{
		{"a,b\n1,2\n\n3,\"4\n", "row 2: "},
		{"a,\"b\n", "header: "},
	} {
		_, err := Read([]byte(tc.in), CSV)
		var re *RowError
		if !errors.As(err, &re) || !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a RowError starting %q", tc.in, err, tc.want)
		}
	}
}

// TestReadWindows1252: a CSV file that is not UTF-8 as a whole (Excel's
// "CSV" on Windows, in a French locale with ';') is read as Windows-1252,
// and Encoding says so; a file mixing UTF-8 and other bytes, one with a
// UTF-8 byte-order mark, and one with the bytes of Mac Roman's accented
// letters are not (their bad cells are listed, with the advice).
func TestReadWindows1252(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		enc      string
		want     string // the second cell of the first data row
		bad      int
	}{
		{"Windows-1252", "bn;name\r\n870013018;B\xe9ton Qu\xe9bec Lt\xe9e \x96 \x80 \x92 \x9c\r\n", Windows1252, "Béton Québec Ltée – € ’ œ", 0},
		{"UTF-8", "bn,name\n870013018,Béton Québec Ltée\n", "", "Béton Québec Ltée", 0},
		{"mixed", "bn,name\n870013018,Béton Qu\xe9bec\n", "", "", 1},
		{"BOM", "\xef\xbb\xbfbn,name\n870013018,B\xe9ton\n", "", "", 1},
		{"Mac Roman", "bn,name\n870013018,B\x8eton Qu\x8ebec\n", "", "", 1},
	} {
		tab, err := Read([]byte(tc.in), CSV)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tab.Encoding != tc.enc || tab.Rows[0][1] != tc.want || len(tab.Bad) != tc.bad {
			t.Errorf("%s: encoding %q, cell %q, %d bad; want %q, %q, %d", tc.name, tab.Encoding, tab.Rows[0][1], len(tab.Bad), tc.enc, tc.want, tc.bad)
		}
	}
}
