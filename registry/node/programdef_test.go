package node_test

import (
	"context"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestCertificateProgramDefinition: a certificate records the program
// definition it was issued under: taken from its basis audit (an ECOR
// audit leads to a COR issued under ECOR), or given and checked against
// the node's programs; the certificate's own program is stored as none.
func TestCertificateProgramDefinition(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	acsa := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeAudits, node.ScopeCertificates}}
	audit := func(program, end string) string {
		t.Helper()
		a := testAudit("certification", 92, "AUD-0001")
		a.Program = program
		a.OnsiteEnd = registry.MustDate(end)
		a.Elements = []registry.ElementScore{{Element: "hazard assessment", Score: 75}}
		e, err := ab.RecordAudit(ctx, nodetest.Admin(), a) // received in March: the administrator records it
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := node.Decode[registry.Audit](e); !got.Passed {
			t.Fatalf("%s audit did not pass: %+v", program, got.Reasons)
		}
		return e.ID
	}
	// An audit backs one certificate: each case issuing one has its own.
	ecor, ecor2, cor, cor2 := audit("ECOR", "2026-03-06"), audit("ECOR", "2026-03-04"), audit("COR", "2026-03-05"), audit("COR", "2026-03-03")
	for _, tc := range []struct {
		name, number, basis, def string
		program                  string
		want                     string // stored program_definition, or the refused field
		mention                  string
	}{
		{"from an ECOR audit", "E1", ecor, "", "COR", "ECOR", ""},
		{"ECOR audit, ECOR given", "E2", ecor2, "ECOR", "COR", "ECOR", ""},
		{"from a COR audit: none", "E3", cor, "", "COR", "", ""},
		{"COR audit, COR given: stored as none", "E4", cor2, "COR", "COR", "", ""},
		{"given without a recorded audit", "E5", "", "ECOR", "COR", "ECOR", ""},
		{"ECOR audit, another definition given", "E6", ecor, "SMALL", "COR", "body.program_definition", "under program ECOR"},
		{"unknown program", "E7", "", "NOPE", "COR", "body.program_definition", `no program "NOPE"`},
		{"definition leading to another program", "E8", "", "SMALL", "COR", "body.program_definition", "leads to SECOR"},
		{"not a program id", "E9", "", "ecor!", "COR", "body.program_definition", "program id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := node.NewCertificate{Issuer: "ACSA", Number: tc.number, Program: tc.program, EmployerBN: "812345676",
				BasisRef: tc.basis, ProgramDefinition: tc.def}
			if tc.basis == "" {
				in.IssuedOn = registry.MustDate("2026-01-05")
			}
			before := feedSize(t, ab)
			e, err := ab.CreateCertificate(ctx, acsa, in)
			if strings.HasPrefix(tc.want, "body.") {
				if fieldOf(err) != tc.want || !strings.Contains(err.Error(), tc.mention) {
					t.Errorf("got %v, want %s mentioning %q", err, tc.want, tc.mention)
				}
				if got := feedSize(t, ab); got != before {
					t.Errorf("a refused certificate wrote %d entries", got-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, _ := node.Decode[registry.Certificate](e)
			if c.ProgramDefinition != tc.want || c.Program != tc.program {
				t.Errorf("got program %s, program_definition %q; want %s, %q", c.Program, c.ProgramDefinition, tc.program, tc.want)
			}
		})
	}
}
