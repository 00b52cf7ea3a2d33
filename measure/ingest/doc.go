// Package ingest reads performance snapshots from CSV and XLSX files into
// measure.Snapshot rows, with a validation report that names every
// problem of every row (row, column, value, message) at once.
//
// # Layouts
//
// The layout is recognized from the header row (row 1).
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
// no claim costs and no snapshot date (as_of defaults to 31 December).
//
// Numbers are plain decimals with a point ("12.5"); thousands separators
// and decimal commas are refused rather than guessed. Counts are whole
// numbers ("3" or "3.0"). Dates are YYYY-MM-DD, or in XLSX a date cell
// (its serial number in the 1900 date system). Rows are numbered as a
// spreadsheet numbers them: the header is row 1. Entirely empty rows are
// skipped.
//
// Only the standard library, excelize (github.com/xuri/excelize/v2) and
// package measure are imported.
package ingest
