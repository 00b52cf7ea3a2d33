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
