package ingest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/corfed/corfed/registry"
)

// MaxXLSXBytes bounds the size of an XLSX file read (and, through
// excelize's limits, of what it unzips to).
const MaxXLSXBytes = 512 << 20

// ReadXLSX reads one sheet of an XLSX workbook: opt.Sheet, or the first
// sheet whose first row is a recognized header. Cell values are read raw
// (not as displayed), so "1,234" formatting does not reach the parser and
// a date cell arrives as its serial number.
func ReadXLSX(r io.Reader, opt Options) (Result, error) {
	f, err := excelize.OpenReader(io.LimitReader(r, MaxXLSXBytes), excelize.Options{UnzipSizeLimit: 4 * MaxXLSXBytes})
	if err != nil {
		return Result{}, fmt.Errorf("xlsx: %v: %w", err, registry.ErrInvalid)
	}
	defer f.Close()
	sheet := opt.Sheet
	if sheet == "" {
		for _, name := range f.GetSheetList() {
			rows, err := f.Rows(name)
			if err != nil {
				continue
			}
			var header []string
			if rows.Next() {
				header, _ = rows.Columns(excelize.Options{RawCellValue: true})
			}
			rows.Close()
			if _, _, err := recognize(header); err == nil {
				sheet = name
				break
			}
		}
		if sheet == "" {
			return Result{}, fmt.Errorf("xlsx: no sheet has a header row naming employer_bn or EMP_KEY (sheets: %s): %w",
				strings.Join(f.GetSheetList(), ", "), registry.ErrInvalid)
		}
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		return Result{}, fmt.Errorf("xlsx: no sheet %q (sheets: %s): %w", sheet, strings.Join(f.GetSheetList(), ", "), registry.ErrInvalid)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return Result{}, fmt.Errorf("xlsx: sheet %q: %v: %w", sheet, err, registry.ErrInvalid)
	}
	defer rows.Close()
	return read(func() ([]string, bool, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, false, fmt.Errorf("xlsx: %v: %w", err, registry.ErrInvalid)
			}
			return nil, false, nil
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, false, fmt.Errorf("xlsx: %v: %w", err, registry.ErrInvalid)
		}
		return cells, true, nil
	}, opt, true)
}

// ReadFile reads path as CSV or XLSX, by its extension.
func ReadFile(path string, opt Options) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return ReadCSV(f, opt)
	case ".xlsx":
		return ReadXLSX(f, opt)
	}
	return Result{}, fmt.Errorf("%s: %w", path, ErrFormat)
}

// ErrFormat is returned for a file that is neither .csv nor .xlsx.
var ErrFormat = fmt.Errorf("not a .csv or .xlsx file: %w", registry.ErrInvalid)
