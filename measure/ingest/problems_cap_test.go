package ingest_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/ingest"
)

// TestBadFileKeepsAtMostMaxProblems: a file of 200,000 rows that do not
// parse is refused with the first measure.MaxProblems problems, the
// report saying it was cut there, and reading stops: before, every
// problem of every row was kept (2 million such rows, 22 MB of file, took
// 4.9 GB of heap).
func TestBadFileKeepsAtMostMaxProblems(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("employer_bn,year,person_years,lost_time_claims,disabling_injury_claims,fatalities\n")
	b.WriteString(strings.Repeat("x,x,x,x,x,x\n", 200_000))
	res, err := ingest.ReadCSV(bytes.NewReader(b.Bytes()), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if res.Err() == nil || len(rep.Problems) != measure.MaxProblems || !rep.Truncated || rep.Rows >= 200_000 {
		t.Fatalf("problems %d, truncated %v, rows read %d, error %v; want %d problems, truncated, reading stopped",
			len(rep.Problems), rep.Truncated, rep.Rows, res.Err(), measure.MaxProblems)
	}
	if !strings.Contains(res.Err().Error(), "not read further") {
		t.Errorf("error %q does not say the file was not read further", res.Err())
	}
}
