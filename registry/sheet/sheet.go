package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Bounds of what Read accepts.
const (
	MaxRows      = 200_000
	MaxColumns   = 64
	MaxCellBytes = 1024
)

// Formats.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// Table is a spreadsheet: its header and its data rows. Every row has
// exactly len(Header) cells (missing trailing cells are ""); cells are
// trimmed of surrounding space.
type Table struct {
	Header []string
	Rows   [][]string
}

// ErrFormat wraps every error about the file's content.
var ErrFormat = errors.New("malformed spreadsheet")

// FormatOf guesses a file's format from its name or content type, and
// then from its first bytes (an XLSX file is a ZIP archive).
func FormatOf(name string, head []byte) string {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".xlsx"), strings.Contains(n, "spreadsheetml"):
		return XLSX
	case strings.HasSuffix(n, ".csv"), strings.Contains(n, "text/csv"):
		return CSV
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return XLSX
	}
	return CSV
}

// Read reads a table in format (CSV or XLSX) from b. Blank rows are
// skipped; the first non-blank row is the header.
func Read(b []byte, format string) (*Table, error) {
	var rows [][]string
	var err error
	switch format {
	case CSV:
		rows, err = readCSV(b)
	case XLSX:
		rows, err = readXLSX(b)
	default:
		return nil, fmt.Errorf("format %q: want csv or xlsx: %w", format, ErrFormat)
	}
	if err != nil {
		return nil, err
	}
	t := &Table{}
	for i, r := range rows {
		if len(r) > MaxColumns {
			return nil, fmt.Errorf("line %d has %d columns, at most %d: %w", i+1, len(r), MaxColumns, ErrFormat)
		}
		blank := true
		for j := range r {
			r[j] = strings.TrimSpace(r[j])
			if len(r[j]) > MaxCellBytes {
				return nil, fmt.Errorf("line %d column %d: a cell holds at most %d bytes: %w", i+1, j+1, MaxCellBytes, ErrFormat)
			}
			if !utf8.ValidString(r[j]) {
				return nil, fmt.Errorf("line %d column %d: not UTF-8: %w", i+1, j+1, ErrFormat)
			}
			if r[j] != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		if t.Header == nil {
			t.Header = r
			continue
		}
		if len(t.Rows) >= MaxRows {
			return nil, fmt.Errorf("more than %d rows: %w", MaxRows, ErrFormat)
		}
		row := make([]string, len(t.Header))
		copy(row, r)
		t.Rows = append(t.Rows, row)
	}
	if t.Header == nil {
		return nil, fmt.Errorf("no header row: %w", ErrFormat)
	}
	return t, nil
}

func readCSV(b []byte) ([][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a BOM, as spreadsheet programs write
	r := csv.NewReader(bytes.NewReader(b))
	// Spreadsheets in a French locale write ";" between cells.
	first, _, _ := bytes.Cut(b, []byte("\n"))
	if bytes.IndexByte(first, ',') < 0 && bytes.IndexByte(first, ';') >= 0 {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = false
	r.ReuseRecord = false
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%v: %w", err, ErrFormat)
		}
		if len(rows) > MaxRows+1 {
			return nil, fmt.Errorf("more than %d rows: %w", MaxRows, ErrFormat)
		}
		rows = append(rows, rec)
	}
}

// readXLSX reads the first worksheet. Cells are read raw (numbers as
// written, not as displayed), and a date cell becomes YYYY-MM-DD.
func readXLSX(b []byte) (rows [][]string, err error) {
	defer func() {
		if v := recover(); v != nil {
			rows, err = nil, fmt.Errorf("unreadable workbook: %v: %w", v, ErrFormat)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrFormat)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("no worksheet: %w", ErrFormat)
	}
	name := sheets[0]
	it, err := f.Rows(name)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrFormat)
	}
	defer it.Close()
	for line := 1; it.Next(); line++ {
		if len(rows) > MaxRows+1 {
			return nil, fmt.Errorf("more than %d rows: %w", MaxRows, ErrFormat)
		}
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("row %d: %v: %w", line, err, ErrFormat)
		}
		if len(cols) > MaxColumns {
			return nil, fmt.Errorf("line %d has %d columns, at most %d: %w", line, len(cols), MaxColumns, ErrFormat)
		}
		for j, v := range cols {
			if v == "" {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(j+1, line)
			if err != nil {
				continue
			}
			if isDateCell(f, name, cell) {
				if d, ok := serialDate(v); ok {
					cols[j] = d
				}
			}
		}
		rows = append(rows, cols)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrFormat)
	}
	return rows, nil
}

// isDateCell reports whether the cell's number format shows a date.
func isDateCell(f *excelize.File, sheet, cell string) bool {
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil || id == 0 {
		return false
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	// Built-in date formats 14-22 and 45-47; custom formats naming
	// days, months or years.
	if (st.NumFmt >= 14 && st.NumFmt <= 22) || (st.NumFmt >= 45 && st.NumFmt <= 47) {
		return true
	}
	if st.CustomNumFmt != nil {
		s := strings.ToLower(*st.CustomNumFmt)
		return strings.Contains(s, "yy") || strings.Contains(s, "dd") || strings.Contains(s, "mm")
	}
	return false
}

// serialDate converts an Excel serial day number to YYYY-MM-DD.
func serialDate(v string) (string, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 || f > 2958465 { // 9999-12-31
		return "", false
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
