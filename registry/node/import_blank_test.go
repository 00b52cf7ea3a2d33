package node_test

import (
	"context"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestImportBlankCellKeepsTheStoredValue: in a re-import, a blank cell in
// a column the file has (sector, industry_code, wcb_account) is "not
// given", as a column the file lacks is: the certificate is unchanged.
// Before, it erased the stored value, and a certificate left with neither
// sector nor industry scope covered every sector (review s26-w, finding
// 2). A cell with a value still changes it.
func TestImportBlankCellKeepsTheStoredValue(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	const id = "ACSA-20240988"
	before, err := ab.Certificate(ctx, id, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	b := before.Certificate
	if b.Sector == "" || len(b.IndustryScope) == 0 || len(b.WCBAccounts) == 0 {
		t.Fatalf("fixture: %s has sector %q, industry scope %v, accounts %v", id, b.Sector, b.IndustryScope, b.WCBAccounts)
	}
	row := func(sector string, codes, accounts []string) node.ImportRow {
		return node.ImportRow{Row: 1, EmployerBN: b.EmployerBN, LegalName: "Béton Boréal Ltée", CP: b.Issuer, Number: b.Number,
			Program: b.Program, IssuedOn: b.IssuedOn, ExpiresOn: b.ExpiresOn, Status: registry.StatusActive,
			Sector: sector, IndustryCodes: codes, WCBAccounts: accounts,
			Has: map[string]bool{"sector": true, "industry_code": true, "wcb_account": true}}
	}
	for _, tc := range []struct {
		name    string
		row     node.ImportRow
		updated int
		sector  string
		codes   []string
	}{
		{"every cell blank", row("", nil, nil), 0, b.Sector, b.IndustryScope},
		{"sector blank, a new industry code", row("", []string{"238120"}, nil), 1, b.Sector, []string{"238120"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ab.Import(ctx, nodetest.Admin(), []node.ImportRow{tc.row}, nil, node.ImportOptions{})
			if err != nil || len(rep.Problems) > 0 {
				t.Fatalf("import: %v %+v", err, rep.Problems)
			}
			if rep.Certificates.Updated != tc.updated {
				t.Errorf("%d certificates updated, want %d", rep.Certificates.Updated, tc.updated)
			}
			got, err := ab.Certificate(ctx, id, registry.Date{})
			if err != nil {
				t.Fatal(err)
			}
			c := got.Certificate
			if c.Sector != tc.sector || !slices.Equal(c.IndustryScope, tc.codes) || !slices.Equal(c.WCBAccounts, b.WCBAccounts) {
				t.Errorf("stored: sector %q, industry scope %v, accounts %v; want %q, %v, %v", c.Sector, c.IndustryScope, c.WCBAccounts, tc.sector, tc.codes, b.WCBAccounts)
			}
		})
	}
}
