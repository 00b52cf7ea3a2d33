// Package ingest reads performance snapshots from CSV and XLSX files into
// measure.Snapshot rows, with a validation report that names every
// problem of every row (row, column, value, message) at once.
//
// # Layouts
//
// The layout is recognized from the header row (the first row that is not
// blank).
//
// corfed layout: one column per member of the snapshot's JSON form, in any
// order, names case-insensitive: employer_bn, wcb_account, year, as_of,
// industry_code, person_years, lost_time_claims, disabling_injury_claims,
// fatalities, claim_costs. employer_bn, year, person_years,
// lost_time_claims, disabling_injury_claims and fatalities are required;
// an empty claim_costs cell means "not reported" (not zero); an unknown
// column is a problem.
//
// Alberta layout (the injury sheet of Alberta's OHS employer-records open
// data, recognized by its EMP_KEY column): EMP_KEY, WCB_INDUSTRY_CODE,
// YEAR_NO, PERSON_YEARS_COUNT, LOST_TIME_CLAIM_COUNT,
// ANNUAL_FATALITY_COUNT (or, in years that split it, the sum of every
// column whose name contains FATALITY and ends in _COUNT),
// ANNUAL_DISABLING_INJURIES_COUNT. The file names employers by EMP_KEY
// only, so a mapping (MappingFile) gives each key its BN and WCB account;
// a row whose key has no mapping is a problem (or skipped, with
// Options.SkipUnmapped). EMPLOYER_NAME, TRADE_NAME, CITY_NAME,
// WCB_INDUSTRY_NAME, COR_YEAR and the published rates are not kept (corfed
// computes rates itself, and keeps no names with claims). The layout has
// no claim costs and no snapshot date: as_of is 31 March of the next year,
// the day Alberta takes its snapshot (DOMAIN.md; informational only: it
// decides nothing).
//
// Numbers are plain decimals with a point ("12.5"); thousands separators
// and decimal commas are refused rather than guessed. Counts are whole
// numbers ("3" or "3.0"). Dates are YYYY-MM-DD, or in XLSX a date cell, or
// a serial day number (in the workbook's date system, 1900 or 1904) in a
// date column. Rows are numbered as a spreadsheet numbers them (the first row is 1; blank rows
// count but are skipped).
//
// Files are read by registry/sheet, the spreadsheet reader bulk import
// uses too (CSV with ',' or ';', XLSX through excelize). Besides it, only
// the standard library and packages measure and registry are imported.
package ingest
