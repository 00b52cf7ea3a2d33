package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
)

const goodCSV = "\ufeffemployer_bn,wcb_account,year,as_of,industry_code,person_years,lost_time_claims,disabling_injury_claims,fatalities,claim_costs\n" +
	"723456786,1234567,2024,,42100,12.5,1,2,0,1500.25\n" +
	"\n" +
	"812345676,,2024,2025-03-31,42100,40,0,0,0,\n"

func TestReadCSV(t *testing.T) {
	res, err := ReadCSV(strings.NewReader(goodCSV), Options{})
	if err != nil || res.Err() != nil {
		t.Fatalf("ReadCSV: %v %v", err, res.Err())
	}
	if res.Layout != LayoutCorfed || len(res.Rows) != 2 {
		t.Fatalf("layout %s, %d rows", res.Layout, len(res.Rows))
	}
	a, b := res.Rows[0], res.Rows[1]
	if a.EmployerBN != "723456786" || a.WCBAccount != "1234567" || a.PersonYears != 12.5 || a.DisablingInjuryClaims != 2 ||
		a.ClaimCosts == nil || *a.ClaimCosts != 1500.25 || !a.AsOf.IsZero() || a.EffectiveAsOf() != registry.MustDate("2024-12-31") {
		t.Errorf("row 2 = %+v", a)
	}
	if b.ClaimCosts != nil || b.AsOf != registry.MustDate("2025-03-31") || b.Key() != "bn:812345676" {
		t.Errorf("row 4 = %+v (an empty claim_costs cell is not reported, not zero)", b)
	}
}

// Every kind of bad row is reported, all at once, naming row and column.
func TestReadCSVBadRows(t *testing.T) {
	csv := "employer_bn,wcb_account,year,as_of,industry_code,person_years,lost_time_claims,disabling_injury_claims,fatalities,claim_costs\n" +
		"123456789,1,2024,,42100,10,1,1,0,0\n" + // 2: BN fails Luhn
		"723456786,2,20x4,,42100,10,1,1,0,0\n" + // 3: year not a number
		"723456786,3,2024,2024-02-30,42100,10,1,1,0,0\n" + // 4: impossible date
		"723456786,4,2024,,42100,\"1,000\",1,1,0,0\n" + // 5: thousands separator
		"723456786,5,2024,,42100,10,1.5,2,0,0\n" + // 6: fractional count
		"723456786,6,2024,,42100,10,3,2,0,0\n" + // 7: DI < LTC
		"723456786,7,2024,,42100,-1,0,0,-1,-3\n" + // 8: negatives (3 problems)
		"723456786,8,2024,,42100,,0,0,0,0\n" + // 9: person_years empty
		"723456786,1,2024,,42100,10,1,1,0,0\n" + // 10: duplicate of row 2's account
		"723456786,9,2024,2023-06-30,bad code!,10,1,1,0,0\n" + // 11: as_of before the year, bad industry code
		"723456786,10,2024,,42100,0,1,1,0,0\n" + // 12: claims with no person-years
		"723456786,bad account!,2024,,42100,1,0,0,0,0\n" // 13: bad account
	res, err := ReadCSV(strings.NewReader(csv), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Report.Problems {
		got = append(got, fmt.Sprintf("%d:%s", p.Row, p.Column))
	}
	want := []string{"2:employer_bn", "3:year", "4:as_of", "5:person_years", "6:lost_time_claims", "7:disabling_injury_claims",
		"8:person_years", "8:fatalities", "8:claim_costs", "9:person_years", "10:wcb_account", "11:as_of", "11:industry_code",
		"12:person_years", "13:wcb_account"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems\n got %v\nwant %v", got, want)
	}
	if !errors.Is(res.Err(), registry.ErrInvalid) || res.Report.Rows != 12 {
		t.Errorf("Err = %v, rows %d", res.Err(), res.Report.Rows)
	}
}

// The reader is registry/sheet's: a French locale's ';' file, and rows
// numbered as in the file when blank rows come before the header.
func TestReadCSVAsSpreadsheetsWriteIt(t *testing.T) {
	semi := strings.ReplaceAll(goodCSV, ",", ";")
	res, err := ReadCSV(strings.NewReader(semi), Options{})
	if err != nil || res.Err() != nil || len(res.Rows) != 2 {
		t.Fatalf("';' file: %v %+v", err, res)
	}
	bad := ",,\n" + strings.Replace(goodCSV, "723456786", "123456789", 1)
	res, err = ReadCSV(strings.NewReader(bad), Options{})
	if err != nil || len(res.Report.Problems) != 1 || res.Report.Problems[0].Row != 3 {
		t.Errorf("row numbers: %v %+v", err, res.Report)
	}
	if _, err := ReadCSV(strings.NewReader(goodCSV+"\"open"), Options{}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a bad file: %v", err)
	}
}

func TestReadCSVHeaderProblems(t *testing.T) {
	for _, tc := range []struct{ name, csv, want string }{
		{"no header", "a,b,c\n1,2,3\n", "no header row"},
		{"empty file", "", "no header row"},
		{"missing and unknown columns", "employer_bn,year,colour\n", "row 1, colour: unknown column"},
		{"duplicate column", "employer_bn,employer_bn,year,person_years,lost_time_claims,disabling_injury_claims,fatalities\n", "appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ReadCSV(strings.NewReader(tc.csv), Options{})
			if err == nil {
				err = res.Err()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

const albertaHeader = "EMP_KEY,EMPLOYER_NAME,TRADE_NAME,CITY_NAME,WCB_INDUSTRY_NAME,WCB_INDUSTRY_CODE,COR_YEAR,YEAR_NO,PERSON_YEARS_COUNT,LOST_TIME_CLAIM_COUNT,LOST_TIME_CLAIM_RATE,ANNUAL_FATALITY_COUNT,ANNUAL_DISABLING_INJURIES_COUNT,DISABLING_INJURIES_RATE\n"

func TestReadAlberta(t *testing.T) {
	csv := albertaHeader +
		"E1,Prairie Steel Ltd,,Calgary,Steel Fabrication,42100,,2023,55.3,2,3.62,0,3,5.42\n" +
		"E2,Unmapped Co,,Edmonton,Trucking,70101,,2023,10,0,0,0,0,0\n"
	mapping, err := ReadMapping(strings.NewReader("emp_key,employer_bn,wcb_account\nE1,812345676,7654321\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ReadCSV(strings.NewReader(csv), Options{Mapping: mapping})
	if err != nil {
		t.Fatal(err)
	}
	if res.Layout != LayoutAlberta || len(res.Report.Problems) != 1 || res.Report.Problems[0].Column != "EMP_KEY" || res.Report.Problems[0].Row != 3 {
		t.Fatalf("report = %+v", res.Report)
	}
	res, err = ReadCSV(strings.NewReader(csv), Options{Mapping: mapping, SkipUnmapped: true})
	if err != nil || res.Err() != nil || res.Skipped != 1 || len(res.Rows) != 1 {
		t.Fatalf("skip unmapped: %v %v skipped %d rows %d", err, res.Err(), res.Skipped, len(res.Rows))
	}
	// as_of: Alberta's snapshot of 2023 is taken on 31 March 2024 (DOMAIN.md; review s27-s finding 8).
	want := measure.Snapshot{EmployerBN: "812345676", WCBAccount: "7654321", Year: 2023, AsOf: registry.MustDate("2024-03-31"), IndustryCode: "42100",
		PersonYears: 55.3, LostTimeClaims: 2, DisablingInjuryClaims: 3}
	if got := res.Rows[0]; got != want {
		t.Errorf("row = %+v, want %+v", got, want)
	}
	// Years that split fatalities by cause: the split columns are summed.
	split := "EMP_KEY,YEAR_NO,PERSON_YEARS_COUNT,LOST_TIME_CLAIM_COUNT,ANNUAL_DISABLING_INJURIES_COUNT,MV_FATALITY_COUNT,WI_FATALITY_COUNT,OD_FATALITY_COUNT\n" +
		"E1,2019,100,4,6,1,0,2\n"
	res, err = ReadCSV(strings.NewReader(split), Options{Mapping: mapping})
	if err != nil || res.Err() != nil || res.Rows[0].Fatalities != 3 {
		t.Errorf("split fatalities: %v %v %+v", err, res.Err(), res.Rows)
	}
	if _, err := ReadMapping(strings.NewReader("emp_key,employer_bn\nE1,123456789\nE2,812345676\nE2,812345676\n")); err == nil ||
		!strings.Contains(err.Error(), "2 problem") {
		t.Errorf("a bad mapping: %v", err)
	}
}

// xlsxOf builds a workbook with the given rows on a sheet named sheet (the
// first sheet is a cover sheet without a header).
func xlsxOf(t *testing.T, sheet string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "About this file")
	if _, err := f.NewSheet(sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	// A number format that displays 1234.5 as "1,235": raw values are read.
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 3})
	f.SetCellStyle(sheet, "F2", "F9", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSX(t *testing.T) {
	header := []any{"employer_bn", "wcb_account", "year", "as_of", "industry_code", "person_years", "lost_time_claims", "disabling_injury_claims", "fatalities", "claim_costs"}
	b := xlsxOf(t, "injury", [][]any{header,
		{"723456786", "1234567", 2024, 45747, "42100", 1234.5, 10, 15, 1, 250000.75}, // as_of as a date serial: 2025-03-31
		{"812345676", "", 2024, "", "42100", 40, 0, 0, 0, ""},
	})
	res, err := ReadXLSX(bytes.NewReader(b), Options{})
	if err != nil || res.Err() != nil {
		t.Fatalf("ReadXLSX: %v %v", err, res.Err())
	}
	a := res.Rows[0]
	if a.PersonYears != 1234.5 || a.AsOf != registry.MustDate("2025-03-31") || *a.ClaimCosts != 250000.75 || a.Fatalities != 1 {
		t.Errorf("row 2 = %+v", a)
	}
	bad := xlsxOf(t, "injury", [][]any{header,
		{"723456786", "1", 2024, "", "42100", "ten", 1, 1, 0, 0},
		{"723456786", "2", 2024, "", "42100", 10, 2, 1, 0, 0},
	})
	res, err = ReadXLSX(bytes.NewReader(bad), Options{})
	if err != nil || len(res.Report.Problems) != 2 || res.Report.Problems[0].Row != 2 || res.Report.Problems[1].Column != "disabling_injury_claims" {
		t.Errorf("bad rows: %v %+v", err, res.Report)
	}
	// A date cell (number format 14) reads as its date; so does a serial
	// number in a date column without one (above).
	dated := xlsxOf(t, "injury", [][]any{header, {"723456786", "1", 2024, 45747, "42100", 10, 1, 1, 0, ""}})
	x, err := excelize.OpenReader(bytes.NewReader(dated))
	if err != nil {
		t.Fatal(err)
	}
	style, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	_ = x.SetCellStyle("injury", "D2", "D2", style)
	buf, _ := x.WriteToBuffer()
	res, err = ReadXLSX(bytes.NewReader(buf.Bytes()), Options{})
	if err != nil || res.Err() != nil || res.Rows[0].AsOf != registry.MustDate("2025-03-31") {
		t.Errorf("date cell: %v %v %+v", err, res.Err(), res.Rows)
	}
	if _, err := ReadXLSX(bytes.NewReader(b), Options{Sheet: "nope"}); err == nil || !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a missing sheet: %v", err)
	}
	if _, err := ReadXLSX(strings.NewReader("not a zip"), Options{}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("not an xlsx: %v", err)
	}
}

// checkRow restates the rules a stored row must meet.
func checkRow(r measure.Snapshot) string {
	switch {
	case registry.CheckBN("bn", r.EmployerBN) != nil:
		return "bad BN"
	case r.PersonYears < 0 || r.PersonYears > measure.MaxPersonYears || r.PersonYears != r.PersonYears:
		return "bad person-years"
	case r.LostTimeClaims < 0 || r.DisablingInjuryClaims < r.LostTimeClaims || r.Fatalities < 0:
		return "bad counts"
	case r.Year < measure.MinYear || r.Year > measure.MaxYear:
		return "bad year"
	}
	return ""
}

// TestReadXLSXDate1904: in a workbook of the 1904 date system, a serial
// number in a date column (no date format) counts from 1904-01-01, as the
// workbook shows it: 44285 is 2025-03-31 there, not 2021-03-30.
func TestReadXLSXDate1904(t *testing.T) {
	header := []any{"employer_bn", "wcb_account", "year", "as_of", "industry_code", "person_years", "lost_time_claims", "disabling_injury_claims", "fatalities", "claim_costs"}
	x, err := excelize.OpenReader(bytes.NewReader(xlsxOf(t, "injury", [][]any{header,
		{"723456786", "1234567", 2024, 45747 - 1462, "42100", 10, 1, 1, 0, ""}})))
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ReadXLSX(bytes.NewReader(buf.Bytes()), Options{})
	if err != nil || res.Err() != nil {
		t.Fatalf("ReadXLSX: %v %v", err, res.Err())
	}
	if got := res.Rows[0].AsOf; got != registry.MustDate("2025-03-31") {
		t.Errorf("as_of = %s, want 2025-03-31 (1904 date system)", got)
	}
}
