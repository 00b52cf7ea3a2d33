package ingest

import (
	"strings"
	"testing"
)

// FuzzReadCSV: any input gives rows or a report, never a panic; a file
// read without problems gives rows that validate.
func FuzzReadCSV(f *testing.F) {
	f.Add(goodCSV)
	f.Add(albertaHeader + "E1,a,b,c,d,42100,,2023,55.3,2,3.62,0,3,5.42\n")
	f.Add("employer_bn,year,person_years,lost_time_claims,disabling_injury_claims,fatalities\n723456786,2024,1e308,0,0,0\n")
	f.Add("employer_bn,year\n\"unterminated\n")
	mapping := map[string]Account{"E1": {BN: "812345676", WCBAccount: "1"}}
	f.Fuzz(func(t *testing.T, s string) {
		res, err := ReadCSV(strings.NewReader(s), Options{Mapping: mapping})
		if err != nil || res.Err() != nil {
			return
		}
		for i, r := range res.Rows {
			if err := checkRow(r); err != "" {
				t.Fatalf("row %d accepted but %s: %+v", i, err, r)
			}
		}
	})
}
