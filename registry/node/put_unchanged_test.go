package node_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestPutSameRecordWritesNoVersion: a PUT that states a record exactly as
// its current version is answered with that version and writes nothing
// (PUT is idempotent, as an import row that changes nothing is): no seq,
// no version, no webhook event. A PUT that changes one field writes the
// next version.
func TestPutSameRecordWritesNoVersion(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	bn := nodetest.BN(811)
	emp := registry.Employer{BN: bn, LegalName: "Boréal Échafaudage Ltée", OperatingNames: []string{"Boréal"}}
	first, err := ab.PutEmployer(ctx, admin, emp, true)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: "PUT-1", Program: "COR",
		EmployerBN: bn, IssuedOn: registry.MustDate("2026-01-10"), IndustryScope: []string{"42"}})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ab.Record(ctx, registry.KindCP, "ACSA")
	if err != nil {
		t.Fatal(err)
	}
	var acsa registry.CertifyingPartner
	if err := json.Unmarshal(cp.Record, &acsa); err != nil {
		t.Fatal(err)
	}
	aud, err := ab.Auditor(ctx, "AUD-0001", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	before := feedSize(t, ab)
	for _, tc := range []struct {
		name string
		put  func() (registry.Entry, error)
		want registry.Entry
	}{
		{"employer", func() (registry.Entry, error) { return ab.PutEmployer(ctx, admin, emp, false) }, first},
		{"certifying partner", func() (registry.Entry, error) { return ab.PutCP(ctx, admin, acsa, false) }, cp},
		{"auditor", func() (registry.Entry, error) { return ab.PutAuditor(ctx, admin, aud.Auditor, false) }, aud.Entry},
		{"certificate's descriptive fields", func() (registry.Entry, error) {
			return ab.UpdateCertificate(ctx, admin, cert.ID, node.CertificateUpdate{IndustryScope: []string{"42"}})
		}, cert},
	} {
		got, err := tc.put()
		if err != nil {
			t.Errorf("%s: PUT of the current version: %v", tc.name, err)
			continue
		}
		if got.Seq != tc.want.Seq || got.Ver != tc.want.Ver || got.JWS != tc.want.JWS {
			t.Errorf("%s: PUT of the current version answered seq %d ver %d, want the current seq %d ver %d", tc.name, got.Seq, got.Ver, tc.want.Seq, tc.want.Ver)
		}
	}
	if after := feedSize(t, ab); after != before {
		t.Errorf("PUTs that changed nothing wrote %d entries", after-before)
	}
	emp.OperatingNames = append(emp.OperatingNames, "Boréal Scaffolding")
	second, err := ab.PutEmployer(ctx, admin, emp, false)
	if err != nil {
		t.Fatal(err)
	}
	if second.Ver != first.Ver+1 || second.Seq != before+1 {
		t.Errorf("a changed employer: ver %d seq %d, want ver %d seq %d", second.Ver, second.Seq, first.Ver+1, before+1)
	}
}
