package web_test

import (
	"strings"
	"testing"
)

// TestRefusalsInBothLanguages: a refused value is explained in the page's
// language: an English page gives the validator's own reason, a French
// page the catalog's French message for the field (never the English
// one): field errors of the recognition check, the search box's error
// and the error page.
func TestRefusalsInBothLanguages(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct{ path, english, french string }{
		{"/check?bn=123456789&host=CA-AB", "fails its Luhn check digit", "numéro d'entreprise (NE9) compte 9 chiffres"},
		{"/check?bn=812345676&host=CA-AB&on=2026-02-30", "real calendar date", "date réelle du calendrier"},
		{"/check?bn=812345676&host=CA-AB&sector=!!!", "want a sector name such as", "nom de secteur comme"},
		{"/check?bn=812345676&host=CA-AB&use=zzz", "bidding only", "Soumissionner ou exécuter les travaux"},
		{"/?q=12&by=bn", "a Business Number (BN9) has 9 digits", "numéro d'entreprise (NE9) compte 9 chiffres"},
		{"/?q=%25&by=name", "the name has no letters or digits", "Le nom ne contient aucune lettre"},
		{"/employers/12", "a Business Number (BN9) has 9 digits", "numéro d'entreprise (NE9) compte 9 chiffres"},
	} {
		for _, lang := range []string{"en", "fr"} {
			sep := "&"
			if !strings.Contains(tc.path, "?") {
				sep = "?"
			}
			resp, body := s.get(t, tc.path+sep+"lang="+lang)
			if resp.Header.Get("Content-Language") != lang || !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Fatalf("%s: not a page in %s", tc.path, lang)
			}
			want, not := tc.english, tc.french
			if lang == "fr" {
				want, not = tc.french, tc.english
			}
			body = strings.ReplaceAll(body, "&#39;", "'")
			body = strings.ReplaceAll(body, "&#34;", `"`)
			if !strings.Contains(body, want) || strings.Contains(body, not) {
				t.Errorf("%s in %s (%d): want %q, not %q, on the page", tc.path, lang, resp.StatusCode, want, not)
			}
		}
	}
}
