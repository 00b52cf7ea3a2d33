// Package sheet reads a spreadsheet (CSV, or the first worksheet of an
// XLSX workbook) into a header row and data rows of strings. It knows
// nothing of what the columns mean: the importer maps them (see
// node.ParseImport). It imports nothing of corfed's; XLSX is read with
// github.com/xuri/excelize/v2.
//
// Every byte is hostile: sizes are bounded (MaxRows, MaxColumns,
// MaxCellBytes), a malformed file is an error naming the row, never a
// panic.
package sheet
