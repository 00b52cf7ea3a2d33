package node_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestNameSearchFoldsLigatures: "Main-d'Œuvre" is found as "main d'oeuvre"
// and the other way round: French names are written with œ and with oe
// alike.
func TestNameSearchFoldsLigatures(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	admin := nodetest.Admin()
	for i, name := range []string{"Main-d'Œuvre Boréale Ltée", "Coeur de Chantier Inc."} {
		bn := nodetest.BN(700 + i)
		if _, err := ab.PutEmployer(ctx, admin, registry.Employer{BN: bn, LegalName: name}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: fmt.Sprint("LIG", i), Program: "COR",
			EmployerBN: bn, IssuedOn: registry.MustDate("2026-01-10")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ q, want string }{
		{"main d'oeuvre", "ACSA-LIG0"}, {"MAIN-D'ŒUVRE", "ACSA-LIG0"}, {"cœur de", "ACSA-LIG1"}, {"coeur", "ACSA-LIG1"},
	} {
		vs, err := ab.SearchCertificates(ctx, node.Query{Name: tc.q})
		if err != nil || len(vs) != 1 || vs[0].Certificate.ID != tc.want {
			var ids []string
			for _, v := range vs {
				ids = append(ids, v.Certificate.ID)
			}
			t.Errorf("name %q: %v (%v), want %s", tc.q, ids, err, tc.want)
		}
	}
}
