package node_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestISOEquivalencyCORFollowsTheProvincesOwnRules: a COR on basis
// iso_equivalency rests only on an equivalency the province's own rules in
// force on the issue date accept for the certificate's sector, as its
// recognition engine judges the same record: BC accepts no ISO equivalency
// (DOMAIN.md [15]); AB wants a designated, accredited body and a scope
// covering the operations [2]; ON the IAF mark and not CSA Z1000:14. A
// refusal is at body.basis_ref, with the engine's reason code and its
// sentence in English and in French. An equivalency accepted with
// scope_aligned false where the rules require the scope to cover the
// operations is refused when it is recorded, at body.scope_aligned.
func TestISOEquivalencyCORFollowsTheProvincesOwnRules(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, tc := range []struct {
		name     string
		j        registry.Jurisdiction
		bn, cp   string
		standard string
		accBody  string
		iaf      bool
		aligned  bool
		eqvField string // the PutEquivalency refusal's field, or ""
		code     string // the certificate's refusal code, or "" (issued)
	}{
		{"BC accepts no ISO equivalency", "CA-BC", "833445562", "BCCSA", "ISO 45001:2018", "SCC", true, true, "", "iso_not_accepted"},
		{"AB without an accreditation body", "CA-AB", "812345676", "ACSA", "ISO 45001:2018", "", false, true, "", "certification_body_not_designated"},
		{"AB scope not covering the operations", "CA-AB", "812345676", "ACSA", "ISO 45001:2018", "SCC", true, false, "body.scope_aligned", ""},
		{"AB accepted", "CA-AB", "812345676", "ACSA", "ISO 45001:2018", "SCC", true, true, "", ""},
		{"ON not CSA Z1000:14", "CA-ON", "877889907", "IHSA", "CSA Z1000:14", "ANAB", true, true, "", "standard_not_accepted"},
		{"ON without the IAF mark", "CA-ON", "877889907", "IHSA", "ISO 45001:2018", "ANAB", false, true, "", "iaf_mark_missing"},
		{"ON accepted", "CA-ON", "877889907", "IHSA", "ISO 45001:2018", "ANAB", true, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := nodetest.New(t, tc.j, nodetest.Options{Seed: true, Rules: true})
			q := registry.Equivalency{EmployerBN: tc.bn, Standard: tc.standard, ExternalNumber: "ISO-T1", CertificationBody: "Some Registrar",
				AccreditationBody: tc.accBody, IAFAccredited: tc.iaf, ValidFrom: registry.MustDate("2026-01-01"), ValidTo: registry.MustDate("2029-01-01"),
				ScopeAligned: tc.aligned, Decision: registry.DecisionAccepted}
			qe, err := n.PutEquivalency(ctx, admin, q, true)
			if tc.eqvField != "" {
				var ve *registry.ValidationError
				if !errors.As(err, &ve) || ve.Field != tc.eqvField {
					t.Fatalf("equivalency accepted with scope_aligned %v: got %v, want a problem at %s", tc.aligned, err, tc.eqvField)
				}
				return
			}
			if err != nil {
				t.Fatalf("equivalency: %v", err)
			}
			cp := node.Principal{Subject: "cp:" + tc.cp, Role: node.RoleCP, CP: tc.cp, Scopes: []string{node.ScopeCertificates}}
			ce, err := n.CreateCertificate(ctx, cp, node.NewCertificate{Issuer: tc.cp, Number: "ISO-COR-1", Program: "COR", EmployerBN: tc.bn,
				Sector: "construction", Basis: registry.BasisEquivalency, BasisRef: qe.ID, IssuedOn: registry.MustDate("2026-11-20")})
			if tc.code == "" {
				if err != nil {
					t.Fatalf("COR on an equivalency the rules accept: %v", err)
				}
				return
			}
			if err == nil {
				c, _ := node.Decode[registry.Certificate](ce)
				t.Fatalf("COR %s issued on equivalency %s, status %s; want a problem at body.basis_ref (%s)", c.ID, qe.ID, c.Status, tc.code)
			}
			var ve *registry.ValidationError
			if !errors.As(err, &ve) || ve.Field != "body.basis_ref" || !strings.Contains(ve.Reason, "("+tc.code+")") {
				t.Fatalf("got %v, want a problem at body.basis_ref naming %s", err, tc.code)
			}
			var said *registry.BilingualText
			for _, a := range ve.Args {
				if b, ok := a.(*registry.BilingualText); ok {
					said = b
				}
			}
			if said == nil || said.EN == "" || said.FR == "" || said.FR == said.EN || !strings.Contains(ve.Reason, said.EN) {
				t.Fatalf("problem %q: want the engine's sentence in English and in French, got %+v", ve.Reason, said)
			}
		})
	}
}
