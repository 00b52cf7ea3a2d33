package node_test

import (
	"context"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestCPSuspensionBarsItsDays: ACSA is suspended on 2026-12-01 and
// reinstated on 2026-12-10. Once reinstated, it may not record an audit
// on site, or a certificate issued, on a day in between: its record
// carries no dates, but its versions on the node do. The two end days are
// the CP's, and so is every day outside.
func TestCPSuspensionBarsItsDays(t *testing.T) {
	ctx := context.Background()
	ab, clock := clockedNode(t)
	admin := nodetest.Admin()
	acsa := registry.CertifyingPartner{ID: "ACSA", Name: "Alberta Construction Safety Association", Sectors: []string{"construction"}}
	for _, step := range []struct{ on, status string }{{"2026-12-01", registry.CPSuspended}, {"2026-12-10", registry.CPActive}} {
		clock.set(step.on)
		acsa.Status = step.status
		if _, err := ab.PutCP(ctx, admin, acsa, false); err != nil {
			t.Fatal(err)
		}
	}
	clock.set("2026-12-12")

	for _, tc := range []struct {
		start, end string
		refused    bool
	}{
		{"2026-11-20", "2026-11-21", false},
		{"2026-11-30", "2026-12-01", false}, // the day it was suspended is the CP's
		{"2026-11-30", "2026-12-02", true},
		{"2026-12-05", "2026-12-05", true},
		{"2026-12-09", "2026-12-10", true},
		{"2026-12-10", "2026-12-11", false}, // and so is the day it was reinstated
	} {
		t.Run(tc.start+"_"+tc.end, func(t *testing.T) {
			before := feedSize(t, ab)
			_, err := ab.RecordAudit(ctx, acsaAuditor, maintenanceAudit("742662331", "ACSA-20250314", tc.start, tc.end, tc.end))
			if got := slices.Contains(registry.Fields(err), "body.cp"); got != tc.refused {
				t.Errorf("on site %s to %s: refused at body.cp %v (%v), want %v", tc.start, tc.end, got, err, tc.refused)
			}
			if tc.refused && feedSize(t, ab) != before {
				t.Error("a refused audit was stored")
			}
		})
	}

	for i, tc := range []struct {
		issued  string
		refused bool
	}{{"2026-11-28", false}, {"2026-12-04", true}, {"2026-12-10", false}} {
		_, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: "SUSP" + string(rune('A'+i)), Program: "COR", EmployerBN: "812345676",
			Sector: "construction", IssuedOn: registry.MustDate(tc.issued)})
		if got := slices.Contains(registry.Fields(err), "body.issuer"); got != tc.refused {
			t.Errorf("issued on %s: refused at body.issuer %v (%v), want %v", tc.issued, got, err, tc.refused)
		}
	}
}
