package web_test

import (
	"net/url"
	"regexp"
	"testing"
)

// TestVerifyDetailSaysItsLanguage: a refused pass's technical detail (the
// verifier's own error, for whoever reports it) is English on either page;
// the French page says so and marks it lang="en", as WCAG 3.1.2 asks, so a
// screen reader does not read English words as French.
func TestVerifyDetailSaysItsLanguage(t *testing.T) {
	s := newSite(t)
	_, text := s.get(t, "/v1/certificates/ACSA-20250417/pass")
	bad := text[:len(text)-12] + "000000000000"
	_, body := s.get(t, "/verify?lang=fr&pass="+url.QueryEscape(bad))
	m := regexp.MustCompile(`(?s)<details><summary>([^<]*)</summary><p( lang="en")?>([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no detail: %s", excerpt(body))
	}
	if m[1] != "Détail technique (en anglais)" || m[2] == "" || m[3] == "" {
		t.Errorf("French page: summary %q, lang %q, detail %q; want the summary to say English and the detail marked lang=\"en\"", m[1], m[2], m[3])
	}
}
