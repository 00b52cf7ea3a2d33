package web_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/web"
)

// TestFrenchBasisAndProvincePrepositions: the certificate page's basis line read
// "Délivré sur le fondement de un audit" (want "d'un audit"; likewise "de
// une équivalence"), and the "Issued in" line "Délivré dans Alberta" (want
// "en Alberta", "au Manitoba", "en Colombie-Britannique").
func TestFrenchBasisAndProvincePrepositions(t *testing.T) {
	s := newSiteWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	_, body := s.get(t, "/certificates/ACSA-20250314?lang=fr")
	for _, bad := range []string{"fondement de</dt><dd>un audit", "fondement de un", "Délivré dans</dt><dd>Alberta"} {
		if strings.Contains(body, bad) {
			t.Errorf("French page has %q", bad)
		}
	}
	for _, want := range []string{"fondement</dt><dd>d&#39;un audit", "Délivré</dt><dd>en Alberta (CA-AB)"} {
		if !strings.Contains(body, want) {
			t.Errorf("French page lacks %q", want)
		}
	}
	for _, tc := range []struct{ j, want string }{
		{"CA-AB", "en Alberta"}, {"CA-MB", "au Manitoba"}, {"CA-BC", "en Colombie-Britannique"}, {"CA-NT", "aux Territoires du Nord-Ouest"}, {"CA-PE", "à l'Île-du-Prince-Édouard"},
	} {
		if got := web.JurIn(equivalence.French, registry.Jurisdiction(tc.j)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.j, got, tc.want)
		}
	}
}
