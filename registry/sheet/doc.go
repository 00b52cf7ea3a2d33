// Package sheet is corfed's one spreadsheet reader: CSV, or a worksheet of
// an XLSX workbook (inline or shared strings; a date cell becomes
// YYYY-MM-DD), row by row (Reader) or whole (Read: a header row and data
// rows of strings). It knows nothing of what the columns mean: bulk import
// (node.ParseImport) and performance snapshots (measure/ingest) map them.
// It imports nothing of corfed's, so both can import it; XLSX is read with
// github.com/xuri/excelize/v2.
//
// Every byte is hostile: sizes are bounded (MaxRows, MaxColumns,
// MaxCellBytes, MaxUnzipBytes, or a caller's Options), a malformed file is
// an error naming the row, never a panic (FuzzRead).
package sheet
