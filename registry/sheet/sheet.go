package sheet

import (
	"bufio"
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
	"golang.org/x/text/unicode/norm"
)

// Default bounds of what a Reader accepts (Options overrides them).
const (
	MaxRows      = 200_000
	MaxColumns   = 64
	MaxCellBytes = 1024
	// MaxUnzipBytes bounds what an XLSX workbook unzips to.
	MaxUnzipBytes = 64 << 20
)

// Formats.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// Table is a spreadsheet: its header and its data rows. Every row has
// exactly len(Header) cells (missing trailing cells are ""); cells are
// trimmed of surrounding space and in Unicode NFC.
type Table struct {
	Header []string
	Rows   [][]string
	// Overflow counts, by row (an index of Rows), the non-empty cells past
	// the header's last column, which Rows leaves out: most often a cell
	// holding an unquoted comma. A reader of the table reports them.
	Overflow map[int]int
	// Bad lists the cells Read could not take (not UTF-8, too long; a row
	// of too many columns), each left "" in Rows (or Header): the reader of
	// the table reports them as problems of their rows. Read goes on
	// reading after one.
	Bad []BadCell
	// Encoding is "" for UTF-8, or Windows1252 when Read decoded a CSV file
	// that is not UTF-8 (see Read).
	Encoding string
}

// BadCell is a cell Read could not take.
type BadCell struct {
	Row    int    // an index of Table.Rows; -1: the header
	Column int    // 1 = the first; 0 = the whole row
	Value  string // what it held, as far as it is text (invalid bytes shown as U+FFFD), at most 64 bytes
	Reason string
}

// Windows1252 is Table.Encoding for a CSV file Read decoded as Windows-1252
// (the "ANSI" code page Excel on Windows writes a "CSV" file in).
const Windows1252 = "windows-1252"

// RowError is a format error that stopped Read, numbered as an import
// report numbers rows: Row 1 is the first data row (after the header), 0
// the header; Column is the header of the cell concerned, if one is.
type RowError struct {
	Row    int
	Column string
	Err    error
}

func (e *RowError) Error() string {
	where := fmt.Sprintf("row %d", e.Row)
	if e.Row == 0 {
		where = "header"
	}
	if e.Column != "" {
		where += ", column " + e.Column
	}
	return where + ": " + e.Err.Error()
}

func (e *RowError) Unwrap() error { return e.Err }

// lineError is an error of the file's line Line (a spreadsheet's row
// number, blank rows counted), Column (1-based; 0: the row) if one.
type lineError struct {
	Line, Column int
	Err          error
}

func (e *lineError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("row %d column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("row %d: %v", e.Line, e.Err)
}

func (e *lineError) Unwrap() error { return e.Err }

// ErrFormat wraps every error about the file's content.
var ErrFormat = errors.New("malformed spreadsheet")

// formatError is an error about the file a person reads, kept with the
// English format it was printed from, so that a problem can say it in
// French (registry/msgfr keys its French by that format; openapi asks for
// it with TextFormat). It wraps kind (ErrFormat, or an error that wraps
// it; nil for a part of another error).
type formatError struct {
	format string
	args   []any
	kind   error
}

// formatErr returns a *formatError; format is an English sentence with a
// French entry in registry/msgfr (a test checks).
func formatErr(kind error, format string, args ...any) error {
	return &formatError{format: format, args: args, kind: kind}
}

func (e *formatError) Error() string { return fmt.Sprintf(e.format, e.args...) }
func (e *formatError) Unwrap() error { return e.kind }

// TextFormat is the English format of the error's text and its
// arguments (an argument that is an error is said in French as its own).
func (e *formatError) TextFormat() (string, []any) { return e.format, e.args }

// ErrTooManyRows wraps the error for a file with more rows than
// Options.MaxRows allows. It wraps ErrFormat.
var ErrTooManyRows = fmt.Errorf("too many rows: %w", ErrFormat)

// ErrNoSheet wraps the error for an XLSX workbook without the worksheet
// asked for (Options.Sheet, Options.Pick). It wraps ErrFormat.
var ErrNoSheet = fmt.Errorf("no such worksheet: %w", ErrFormat)

// Options steer a Reader. Zero values take the defaults.
type Options struct {
	// Sheet is the XLSX worksheet to read. Default: the first one Pick
	// accepts, or the first one.
	Sheet string
	// Pick, with no Sheet, chooses the first XLSX worksheet whose first
	// non-blank row (its header) Pick accepts.
	Pick func(header []string) bool
	// Prefer, with Pick, chooses among the worksheets Pick accepts the
	// first whose header Prefer accepts too, or else the first Pick
	// accepts: a workbook of several sheets of one layout (Alberta's:
	// each names EMP_KEY) is read from the sheet that has every column.
	Prefer func(header []string) bool
	// Bounds: at most MaxRows rows after the header, MaxColumns cells a
	// row, MaxCellBytes bytes a cell, MaxUnzipBytes unzipped.
	MaxRows, MaxColumns, MaxCellBytes int
	MaxUnzipBytes                     int64
	// AnyBytes accepts cells that are not UTF-8 (by default an error): for
	// a caller that checks every cell it keeps and ignores the others.
	AnyBytes bool
	// CellErrors: a cell that is not UTF-8 or too long, and a row of too
	// many columns, are not errors: the cell is left "" (the row cut to
	// MaxColumns) and listed by Reader.CellErrors, and reading goes on.
	CellErrors bool
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxRows, MaxRows)
	def(&o.MaxColumns, MaxColumns)
	def(&o.MaxCellBytes, MaxCellBytes)
	if o.MaxUnzipBytes <= 0 {
		o.MaxUnzipBytes = MaxUnzipBytes
	}
	return o
}

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

// Reader reads the rows of a CSV file or of one XLSX worksheet, one at a
// time: the one spreadsheet reader of corfed (bulk import, performance
// snapshots).
type Reader struct {
	o      Options
	format string
	sheet  string
	sheets []string                 // an XLSX workbook's worksheets
	next   func() ([]string, error) // the file's next row, io.EOF at the end
	close  func() error
	line   int       // rows of the file read so far, blank ones included
	rows   int       // non-blank rows returned
	zip    []byte    // an XLSX workbook's bytes (dateCells reads its worksheet)
	bad    []BadCell // the cells of the row last returned that check left "" (CellErrors)
	// date1904: the workbook counts days in the 1904 date system (its
	// <workbookPr date1904="1"/>: Excel for Mac's default up to 2011).
	date1904 bool
}

// NewReader opens r as format (CSV or XLSX). An XLSX workbook is read
// whole; a CSV file is read as Next asks.
func NewReader(r io.Reader, format string, o Options) (*Reader, error) {
	rd := &Reader{o: o.withDefaults(), format: format, close: func() error { return nil }}
	var err error
	switch format {
	case CSV:
		rd.next = csvRows(r, rd.o)
	case XLSX:
		err = rd.openXLSX(r)
	default:
		err = formatErr(ErrFormat, "format %q: want csv or xlsx: malformed spreadsheet", format)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Format is the reader's format (CSV or XLSX).
func (r *Reader) Format() string { return r.format }

// Sheet is the XLSX worksheet being read ("" for CSV).
func (r *Reader) Sheet() string { return r.sheet }

// Sheets lists the XLSX workbook's worksheets, in order (nil for CSV).
func (r *Reader) Sheets() []string { return r.sheets }

// Date1904 reports whether an XLSX workbook counts its serial day numbers
// in the 1904 date system (day 0 is 1904-01-01) rather than the 1900 one.
// A date cell is converted already; a caller reading a number as a date
// itself (a column of serials without a date format) needs it.
func (r *Reader) Date1904() bool { return r.date1904 }

// CellErrors lists the cells of the row Next returned last that it left ""
// (Options.CellErrors); their Row is that row's number in the file.
func (r *Reader) CellErrors() []BadCell { return r.bad }

// Close releases the workbook.
func (r *Reader) Close() error { return r.close() }

// Next returns the next row that has a non-blank cell, its cells trimmed
// of surrounding space and in Unicode NFC, and its number in the file as a spreadsheet
// numbers it (1 = the first row, blank rows counted; for CSV, the
// record's number, an empty line being no record). At the end it returns io.EOF; for a bad file, an error wrapping
// ErrFormat that names the row.
func (r *Reader) Next() (cells []string, row int, err error) {
	for {
		cells, err := r.next()
		if err != nil {
			if err == io.EOF {
				return nil, 0, io.EOF
			}
			return nil, 0, &lineError{Line: r.line + 1, Err: err}
		}
		r.line++
		if cells, err = r.check(cells); err != nil {
			return nil, 0, err
		}
		if cells == nil {
			continue
		}
		if r.rows++; r.rows > r.o.MaxRows+1 {
			return nil, 0, formatErr(ErrTooManyRows, "more than %d rows: too many rows: malformed spreadsheet", r.o.MaxRows)
		}
		return cells, r.line, nil
	}
}

// check trims a row's cells and checks them; a blank row is nil.
func (r *Reader) check(cells []string) ([]string, error) {
	r.bad = r.bad[:0]
	bad := func(j int, reason string) error {
		if !r.o.CellErrors {
			return &lineError{Line: r.line, Column: j + 1, Err: fmt.Errorf("%s: %w", reason, ErrFormat)}
		}
		v := strings.ToValidUTF8(cells[j], "\uFFFD")
		if len(v) > 64 {
			v = strings.ToValidUTF8(v[:64], "") + "…"
		}
		r.bad = append(r.bad, BadCell{Row: r.line, Column: j + 1, Value: v, Reason: reason})
		cells[j] = ""
		return nil
	}
	if len(cells) > r.o.MaxColumns {
		if !r.o.CellErrors {
			return nil, fmt.Errorf("row %d has %d columns, at most %d: %w", r.line, len(cells), r.o.MaxColumns, ErrFormat)
		}
		r.bad = append(r.bad, BadCell{Row: r.line, Reason: fmt.Sprintf("the row has %d columns, at most %d", len(cells), r.o.MaxColumns)})
		cells = cells[:r.o.MaxColumns]
	}
	blank := len(r.bad) == 0
	for j := range cells {
		cells[j] = strings.TrimSpace(cells[j])
		if cells[j] != "" {
			blank = false
		}
		if len(cells[j]) > r.o.MaxCellBytes {
			if err := bad(j, fmt.Sprintf("a cell holds at most %d bytes", r.o.MaxCellBytes)); err != nil {
				return nil, err
			}
			continue
		}
		if !r.o.AnyBytes && !utf8.ValidString(cells[j]) {
			if err := bad(j, notUTF8); err != nil {
				return nil, err
			}
			continue
		}
		if !norm.NFC.IsNormalString(cells[j]) && utf8.ValidString(cells[j]) {
			// Text as the JSON API stores it (openapi normalizes every
			// string): a name written decomposed (NFD, as macOS tools
			// write it) is the same name.
			cells[j] = norm.NFC.String(cells[j])
		}
	}
	if blank {
		return nil, nil
	}
	return cells, nil
}

// notUTF8 is the reason for a cell that is not UTF-8 text.
const notUTF8 = `not UTF-8 text: save the file as "CSV UTF-8" (Excel: File > Save As > CSV UTF-8 (Comma delimited))`

// Read reads a whole table in format (CSV or XLSX; the first worksheet)
// from b, with the default bounds. Blank rows are skipped; the first
// non-blank row is the header. A cell that is not UTF-8 or too long, or a
// row of too many columns, is listed in Bad and reading goes on; any
// other format error stops it, as a *RowError numbering rows as an import
// report does (1 = the first data row).
//
// A CSV file that is not UTF-8 as a whole (no UTF-8 byte-order mark, no
// UTF-8 sequence of two or more bytes, an invalid byte) is decoded as
// Windows-1252, what Excel on Windows writes for "CSV", and Encoding says
// so; unless it has a byte that Windows-1252 leaves unassigned or that
// would be a letter where another 8-bit encoding (Mac Roman) has its
// accented letters (é, è, à, ç): then its cells that are not UTF-8 are in
// Bad, with the advice to save the file as CSV UTF-8.
func Read(b []byte, format string) (*Table, error) {
	t := &Table{}
	if format == CSV && windows1252(b) {
		b, t.Encoding = decode1252(b), Windows1252
	}
	r, err := NewReader(bytes.NewReader(b), format, Options{CellErrors: true})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		cells, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			re := &RowError{Row: len(t.Rows) + 1, Err: err}
			var le *lineError
			if errors.As(err, &le) {
				re.Err = le.Err
			}
			if t.Header == nil {
				re.Row = 0
			} else if le != nil && le.Column > 0 && le.Column <= len(t.Header) {
				re.Column = t.Header[le.Column-1]
			}
			return nil, re
		}
		if t.Header == nil {
			t.Header = cells
			for _, c := range r.CellErrors() {
				c.Row = -1
				t.Bad = append(t.Bad, c)
			}
			continue
		}
		row := make([]string, len(t.Header))
		copy(row, cells)
		if extra := nonEmpty(cells[min(len(cells), len(row)):]); extra > 0 {
			if t.Overflow == nil {
				t.Overflow = map[int]int{}
			}
			t.Overflow[len(t.Rows)] = extra
		}
		for _, c := range r.CellErrors() {
			c.Row = len(t.Rows)
			t.Bad = append(t.Bad, c)
		}
		t.Rows = append(t.Rows, row)
	}
	if t.Header == nil {
		return nil, formatErr(ErrFormat, "no header row: malformed spreadsheet")
	}
	return t, nil
}

// windows1252 reports whether CSV file b is to be read as Windows-1252:
// not UTF-8 (no BOM, an invalid byte, no valid sequence of two or more
// bytes: a file mixing UTF-8 and another encoding is neither), and none
// of the bytes that Windows-1252 leaves unassigned or that are Mac Roman's
// accented letters of French (é 0x8E, è 0x8F, ê 0x90, à 0x88, ç 0x8D, É
// 0x83, ù 0x9D, û 0x9E, ü 0x9F), which in Windows-1252 would read as Ž,
// ˆ, ƒ and the like: read as Windows-1252, such a file would sign wrong
// names without a word.
func windows1252(b []byte) bool {
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || utf8.Valid(b) {
		return false
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError && n > 1 {
			return false // a UTF-8 sequence: a mixed file
		}
		switch c {
		case 0x81, 0x83, 0x88, 0x8A, 0x8D, 0x8E, 0x8F, 0x90, 0x98, 0x9A, 0x9D, 0x9E, 0x9F:
			return false
		}
		i++
	}
	return true
}

// cp1252 maps the bytes 0x80-0x9F of Windows-1252 (0xA0-0xFF are
// Latin-1's, which are Unicode's); windows1252 refuses the others.
var cp1252 = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
}

// decode1252 decodes Windows-1252 text to UTF-8.
func decode1252(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			out = append(out, c)
		case c < 0xA0:
			out = utf8.AppendRune(out, cp1252[c-0x80])
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

func nonEmpty(cells []string) int {
	n := 0
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

// csvRows reads CSV: RFC 4180 quoting, UTF-8 with or without a byte-order
// mark, cells separated by ',' or, when the first line has ';' and no
// ',' (spreadsheets in a French locale write that), by ';'.
func csvRows(r io.Reader, o Options) func() ([]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(br.Size())
	first, _, _ := bytes.Cut(head, []byte("\n"))
	g := &recordGuard{r: br, comma: ',', maxSeps: 4 * o.MaxColumns, maxBytes: 4 * o.MaxColumns * (2*o.MaxCellBytes + 3)}
	cr := csv.NewReader(g)
	if bytes.IndexByte(first, ',') < 0 && bytes.IndexByte(first, ';') >= 0 {
		cr.Comma, g.comma = ';', ';'
	}
	cr.FieldsPerRecord = -1
	return func() ([]string, error) {
		rec, err := cr.Read()
		if err != nil && err != io.EOF {
			return nil, csvError(err)
		}
		return rec, err
	}
}

// csvError is an error of encoding/csv (or of recordGuard) as a format
// error, with the text encoding/csv gives it (csv.ParseError.Error).
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case pe.Err == csv.ErrFieldCount:
			return formatErr(ErrFormat, "record on line %d: %v: malformed spreadsheet", pe.Line, pe.Err)
		case pe.StartLine != pe.Line:
			return formatErr(ErrFormat, "record on line %d; parse error on line %d, column %d: %v: malformed spreadsheet", pe.StartLine, pe.Line, pe.Column, pe.Err)
		}
		return formatErr(ErrFormat, "parse error on line %d, column %d: %v: malformed spreadsheet", pe.Line, pe.Column, pe.Err)
	}
	return formatErr(ErrFormat, "%v: malformed spreadsheet", err)
}

// recordGuard passes a CSV file to encoding/csv, counting the separators
// and bytes of the record being read (outside quotes): a record of more
// than maxSeps separators or maxBytes bytes is an error before
// encoding/csv has built it (8 MB of commas had made 8 million fields,
// 505 MB). Its bounds are four times what check allows, so that a row a
// little too wide gets check's message, naming its columns.
type recordGuard struct {
	r                 io.Reader
	comma             byte
	maxSeps, maxBytes int
	inQuote           bool
	seps, n           int // of the record being read
}

func (g *recordGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		g.n++
		switch {
		case c == '"':
			g.inQuote = !g.inQuote
		case g.inQuote:
		case c == g.comma:
			g.seps++
		case c == '\n':
			g.seps, g.n = 0, 0
		}
		if g.seps > g.maxSeps || g.n > g.maxBytes {
			return 0, formatErr(nil, "a row of more than %d columns or %d bytes", g.maxSeps, g.maxBytes)
		}
	}
	return n, err
}

// openXLSX opens the workbook and chooses its worksheet. Cells are read
// raw (numbers as written, not as displayed), and a date cell (a date
// number format) becomes YYYY-MM-DD.
func (r *Reader) openXLSX(in io.Reader) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = formatErr(ErrFormat, "unreadable workbook: %v: malformed spreadsheet", v)
		}
	}()
	if r.zip, err = io.ReadAll(in); err != nil {
		return formatErr(ErrFormat, "%v: malformed spreadsheet", err)
	}
	if err := guardParts(r.zip, r.o.MaxUnzipBytes); err != nil {
		return formatErr(ErrFormat, "%v: malformed spreadsheet", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.zip), excelize.Options{UnzipSizeLimit: r.o.MaxUnzipBytes, UnzipXMLSizeLimit: min(r.o.MaxUnzipBytes, 32<<20)})
	if err != nil {
		return formatErr(ErrFormat, "%v: malformed spreadsheet", err)
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		r.date1904 = *props.Date1904
	}
	list := f.GetSheetList()
	r.sheets = list
	switch {
	case r.o.Sheet != "":
		if idx, err := f.GetSheetIndex(r.o.Sheet); err == nil && idx >= 0 {
			r.sheet = r.o.Sheet
		}
	case r.o.Pick != nil:
		for _, name := range list {
			pick, prefer := r.picks(f, name)
			if pick && r.sheet == "" {
				r.sheet = name
			}
			if pick && (prefer || r.o.Prefer == nil) {
				r.sheet = name
				break
			}
		}
	case len(list) > 0:
		r.sheet = list[0]
	}
	if r.sheet == "" {
		f.Close()
		if r.o.Sheet != "" {
			return formatErr(ErrNoSheet, "no worksheet %q (worksheets: %s): no such worksheet: malformed spreadsheet", r.o.Sheet, strings.Join(list, ", "))
		}
		return formatErr(ErrNoSheet, "no worksheet with a header row the reader accepts (worksheets: %s): no such worksheet: malformed spreadsheet", strings.Join(list, ", "))
	}
	next, closeRows, err := r.xlsxRows(f, r.sheet)
	if err != nil {
		f.Close()
		return err
	}
	r.next = next
	r.close = func() error { closeRows(); return f.Close() }
	return nil
}

// picks reports whether Pick, and Prefer, accept the worksheet's first
// non-blank row.
func (r *Reader) picks(f *excelize.File, name string) (pick, prefer bool) {
	next, closeRows, err := r.xlsxRows(f, name)
	if err != nil {
		return false, false
	}
	defer closeRows()
	probe := &Reader{o: r.o, next: next}
	cells, _, err := probe.Next()
	if err != nil || !r.o.Pick(cells) {
		return false, false
	}
	return true, r.o.Prefer != nil && r.o.Prefer(cells)
}

// xlsxRows iterates over a worksheet's rows.
func (r *Reader) xlsxRows(f *excelize.File, name string) (func() ([]string, error), func(), error) {
	styles := map[int]cellFormat{} // style id -> what its number format does
	dates, err := dateCells(r.zip, name, r.o.MaxColumns, r.o.MaxUnzipBytes, func(id int) cellFormat { return styleFormat(f, id, styles) })
	if err != nil {
		return nil, nil, formatErr(ErrFormat, "%v: malformed spreadsheet", err)
	}
	it, err := f.Rows(name)
	if err != nil {
		return nil, nil, formatErr(ErrFormat, "worksheet %q: %v: malformed spreadsheet", name, err)
	}
	line := 0
	next := func() (cells []string, err error) {
		defer func() {
			if v := recover(); v != nil {
				cells, err = nil, formatErr(ErrFormat, "unreadable worksheet: %v: malformed spreadsheet", v)
			}
		}()
		if !it.Next() {
			if err := it.Error(); err != nil {
				return nil, formatErr(ErrFormat, "%v: malformed spreadsheet", err)
			}
			return nil, io.EOF
		}
		line++
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, formatErr(ErrFormat, "%v: malformed spreadsheet", err)
		}
		if len(cols) > r.o.MaxColumns {
			return cols, nil // check refuses it, naming the row
		}
		for j, v := range cols {
			if _, err := strconv.ParseFloat(v, 64); v == "" || err != nil {
				continue // only a number can be a date cell
			}
			switch fm := dates[cellAt{line, j + 1}]; {
			case fm == fmtBool:
				// A boolean's raw value is 1 or 0: read as the sheet shows
				// it, it is no number (a count of TRUE is refused).
				cols[j] = "FALSE"
				if v != "0" {
					cols[j] = "TRUE"
				}
			case fm == fmtDate:
				if d, ok := serialDate(v, r.date1904); ok {
					cols[j] = d
				}
			case fm > 0 && len(v) < int(fm) && strings.Trim(v, "0123456789") == "":
				// A whole number shown zero-padded (format 000000: a
				// certificate number 000266, a WCB account 0123456) is
				// read as the sheet shows it.
				cols[j] = strings.Repeat("0", int(fm)-len(v)) + v
			}
		}
		return cols, nil
	}
	return next, func() { _ = it.Close() }, nil
}

// cellFormat is what a cell's number format (or type) does to the raw
// value read: fmtPlain nothing, fmtDate show a date, fmtBool show TRUE or
// FALSE (a boolean cell, t="b", whose raw value is 1 or 0), n > 0 pad a
// whole number with zeros to n digits.
type cellFormat int

const (
	fmtPlain cellFormat = 0
	fmtDate  cellFormat = -1
	fmtBool  cellFormat = -2
)

// styleFormat returns style id's cellFormat; formats caches it by style.
func styleFormat(f *excelize.File, id int, formats map[int]cellFormat) cellFormat {
	if id == 0 {
		return fmtPlain
	}
	if d, ok := formats[id]; ok {
		return d
	}
	d := fmtPlain
	if st, err := f.GetStyle(id); err == nil && st != nil {
		// Built-in date formats 14-22 and 45-47; custom formats naming
		// days, months or years; custom formats of zeros only.
		if (st.NumFmt >= 14 && st.NumFmt <= 22) || (st.NumFmt >= 45 && st.NumFmt <= 47) {
			d = fmtDate
		}
		if st.CustomNumFmt != nil {
			s := strings.ToLower(*st.CustomNumFmt)
			switch {
			case strings.Contains(s, "yy") || strings.Contains(s, "dd") || strings.Contains(s, "mm"):
				d = fmtDate
			case s != "" && len(s) <= 32 && strings.Trim(s, "0") == "":
				d = cellFormat(len(s))
			default:
				d = fmtPlain
			}
		}
	}
	formats[id] = d
	return d
}

// serialDate converts an Excel serial day number to YYYY-MM-DD, in the
// 1904 date system (day 0 is 1904-01-01) or the 1900 one (day 1 is
// 1900-01-01).
func serialDate(v string, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(v, 64)
	lo, hi := 1.0, 2958465.0 // 9999-12-31
	if date1904 {
		lo, hi = 0, hi-1462
	}
	if err != nil || f < lo || f > hi {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
