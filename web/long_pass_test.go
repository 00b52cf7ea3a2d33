package web_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestLongHonestCertificateGetsAPass: an honest Nunavut-style certificate
// (an Inuktitut legal name in syllabics, a 16-letter CP code and a long
// certificate number, all legal) made a pass over pass.MaxSize: the API
// answered 422 with no errors list and the letter page was a 400 error.
// It now gets a pass (the name shortened further), its letter shows it,
// and the pass holds on /verify: the log check accepts the shorter name.
func TestLongHonestCertificateGetsAPass(t *testing.T) {
	s := newSite(t)
	id := longCertificate(t, s)
	resp, text := s.get(t, "/v1/certificates/"+id+"/pass")
	if resp.StatusCode != 200 {
		t.Fatalf("pass: %d %s", resp.StatusCode, text)
	}
	for _, lang := range []string{"en", "fr"} {
		resp, body := s.get(t, "/letters/"+id+"?lang="+lang)
		if resp.StatusCode != 200 || !strings.Contains(body, `<code id="pass">COR1:`) {
			t.Errorf("%s letter: %d %s", lang, resp.StatusCode, excerpt(body))
		}
	}
	_, page := s.get(t, "/verify?lang=en&pass="+url.QueryEscape(text))
	if v := regexp.MustCompile(`(?s)<h2 id="result">(.*?)</h2>`).FindString(page); !strings.Contains(v, "The pass holds") {
		t.Errorf("the long honest pass on /verify: %s", excerpt(page))
	}
}

// TestPassThatCannotFit: behind a public URL with a long path, not even
// the shortest name and scope fit a pass. The API says so with a 422 that
// lists the field (its problem had no errors), and the letter still
// renders, without a QR code and saying why, in EN and FR (it was a 400).
func TestPassThatCannotFit(t *testing.T) {
	s := newSitePublic(t, nodetest.Options{Seed: true}, "/"+noisePath(300))
	id := longCertificate(t, s)
	resp, body := s.get(t, "/v1/certificates/"+id+"/pass")
	var prob struct {
		Errors []struct{ Location, Message string }
	}
	if err := json.Unmarshal([]byte(body), &prob); resp.StatusCode != 422 || err != nil || len(prob.Errors) == 0 {
		t.Errorf("pass API: %d %s", resp.StatusCode, body)
	}
	for lang, want := range map[string]string{"en": "No pass can be issued for this certificate", "fr": "Aucun laissez-passer ne peut être délivré pour ce certificat"} {
		resp, body := s.get(t, "/letters/"+id+"?lang="+lang)
		if resp.StatusCode != 200 || !strings.Contains(body, want) || strings.Contains(body, `<code id="pass">`) {
			t.Errorf("%s letter: %d %s", lang, resp.StatusCode, excerpt(body))
		}
	}
}

// noisePath is n characters of a URL path that do not compress.
func noisePath(n int) string {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)]
	}
	return string(b)
}

func longCertificate(t *testing.T, s *site) string {
	t.Helper()
	ctx, admin := t.Context(), nodetest.Admin()
	if _, err := s.n.PutCP(ctx, admin, registry.CertifyingPartner{ID: "NUCORSAFETYASSOC", Name: "Nunavut COR Safety Association", Sectors: []string{"construction", "23"}, Status: "active"}, true); err != nil {
		t.Fatal(err)
	}
	const bn = "900000019"
	if _, err := s.n.PutEmployer(ctx, admin, registry.Employer{BN: bn, LegalName: "ᓄᓇᕗᑦ ᐃᓪᓗᓕᐅᕐᓂᒃᑯᑦ ᑎᒥᖓ ᑲᑎᒪᔨᖏᑦ ᐃᖃᓗᐃᑦ ᓴᓇᔨᑦ ᓯᕗᓕᖅᑎᖏᑦ ᐃᖃᓗᐃᑦ"}, true); err != nil {
		t.Fatal(err)
	}
	e, err := s.n.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "NUCORSAFETYASSOC", Number: "2026-NU-0004711-RECERT-AUDIT-B2", Program: "COR",
		EmployerBN: bn, Sector: "construction", IndustryScope: []string{"236220", "237310", "238110", "238120", "238910"}, IssuedOn: registry.MustDate("2026-06-28")})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}
