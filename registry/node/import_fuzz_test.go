package node_test

import (
	"testing"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/sheet"
)

// FuzzParseImport parses hostile CSV as an import file: every problem
// names a row of the file (0 for the header) and a column, never a panic;
// a row without problems has what Import needs.
func FuzzParseImport(f *testing.F) {
	f.Add(goodHeader + goodRows(0, 3))
	f.Add("certificate_number,BN,certified_entity_name,certification_body,program,issue_date\nX,123456789,,,iso,2026-13-01\n")
	f.Add("employer_bn,employer_bn\n1,2\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := sheet.Read([]byte(s), sheet.CSV)
		if err != nil {
			return
		}
		rows, problems, _ := node.ParseImport(tab, 1)
		bad := map[int]bool{}
		for _, p := range problems {
			if p.Row < 0 || p.Row > len(rows) || p.Column == "" || p.Message == "" {
				t.Fatalf("problem %+v: want a row in 0..%d, a column and a message", p, len(rows))
			}
			bad[p.Row] = true
		}
		for _, r := range rows {
			if bad[r.Row] || bad[0] {
				continue
			}
			if r.EmployerBN == "" || r.CP == "" || r.Number == "" || r.Program == "" || r.IssuedOn.IsZero() || r.LegalName == "" {
				t.Fatalf("row %d has no problem but misses a required value: %+v", r.Row, r)
			}
		}
	})
}
