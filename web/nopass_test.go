package web_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestRevokedCertificateHasNoPass: the letter of a revoked certificate
// says why it carries no pass (it silently had none), and the API's 409
// says it too (its problem said only "conflicts").
func TestRevokedCertificateHasNoPass(t *testing.T) {
	s := newSite(t)
	if _, err := s.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "No pass is issued: the certificate is", "fr": "Aucun laissez-passer n&#39;est délivré"} {
		if _, body := s.get(t, "/letters/ACSA-20250417?lang="+lang); !strings.Contains(body, want) {
			t.Errorf("%s letter: %s", lang, excerpt(body))
		}
	}
	resp, body := s.get(t, "/v1/certificates/ACSA-20250417/pass")
	if resp.StatusCode != 409 || !strings.Contains(body, "a pass is issued only for a certificate that may still hold") {
		t.Errorf("the pass of a revoked certificate: %d %s", resp.StatusCode, body)
	}
}

// TestFrenchProvinceNames: French pages name a province with its article
// ("le registre de l'Alberta", not "de Alberta") and put a space before a
// colon.
func TestFrenchProvinceNames(t *testing.T) {
	s := newSite(t)
	_, letter := s.get(t, "/letters/ACSA-20250417?lang=fr")
	_, cert := s.get(t, "/certificates/ACSA-20250417?lang=fr")
	_, emp := s.get(t, "/employers/812345676?lang=fr")
	_, aud := newSiteWith(t, nodetest.Options{Seed: true, Rules: true, Program: true}).get(t, "/auditors/AUD-0001?lang=fr")
	for _, c := range []struct{ page, body, want string }{
		{"employer", emp, "Dossier publié par le registre de l&#39;Alberta"},
		{"auditor", aud, "Statut aujourd&#39;hui (<time datetime=\"2026-11-25\">25 novembre 2026</time>) :"},
		{"letter", letter, "Le registre de l&#39;Alberta atteste"},
		{"letter", letter, "Nœud du registre de l&#39;Alberta"},
		{"letter", letter, "Date :"},
		{"certificate", cert, "Servi par le nœud du registre de l&#39;Alberta"},
		{"certificate", cert, "Signé par le nœud du registre de l&#39;Alberta"},
		{"certificate", cert, ") :"},
	} {
		if !strings.Contains(c.body, c.want) {
			t.Errorf("%s: no %q", c.page, c.want)
		}
	}
	for _, bad := range []string{"de Alberta", "par Alberta", "):"} {
		if strings.Contains(letter+cert+emp+aud, bad) {
			t.Errorf("French pages say %q", bad)
		}
	}
}

// TestMalformedQueryIsRefused: a page whose query string does not decode
// says so (400) instead of answering another question: /check with
// on=2026-06-01% answered for today.
func TestMalformedQueryIsRefused(t *testing.T) {
	s := newSite(t)
	for _, path := range []string{"/check?bn=812345676&host=CA-AB&use=work&on=2026-06-01%", "/?q=%", "/verify?pass=%zz"} {
		resp, body := s.get(t, path)
		if resp.StatusCode != 400 || strings.Contains(body, `id="answer"`) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, excerpt(body))
		}
	}
}

// TestDefaultReasonInFrench: the reason corfed writes on a new certificate
// reads in French on a French page (it showed in English).
func TestDefaultReasonInFrench(t *testing.T) {
	s := newSite(t)
	if _, err := s.n.CreateCertificate(t.Context(), nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "20261202", Program: registry.ProgramCOR,
		EmployerBN: "812345676", IssuedOn: registry.MustDate("2026-11-20"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	if _, body := s.get(t, "/certificates/ACSA-20261202?lang=fr"); !strings.Contains(body, "audit de certification réussi") {
		t.Errorf("French history: %s", excerpt(body))
	}
}
