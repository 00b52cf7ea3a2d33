package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEchoedQueryIsValidUTF8: invalid UTF-8 in a query was echoed raw into
// charset=utf-8 pages (review s21-b 8b).
func TestEchoedQueryIsValidUTF8(t *testing.T) {
	s := newSite(t)
	for _, path := range []string{"/?q=%ff%fe", "/check?bn=%ff", "/verify?pass=COR1:%ff%ff"} {
		if _, body := s.get(t, path); !utf8.ValidString(body) {
			t.Errorf("%s: the page is not valid UTF-8", path)
		}
	}
}

// TestAssetsDirectoryIsNotListed: GET /assets/ listed the directory.
func TestAssetsDirectoryIsNotListed(t *testing.T) {
	s := newSite(t)
	if resp, body := s.get(t, "/assets/"); resp.StatusCode != 404 || strings.Contains(body, "scan.js") {
		t.Errorf("/assets/: %d %s", resp.StatusCode, excerpt(body))
	}
	if resp, _ := s.get(t, "/assets/scan.js"); resp.StatusCode != 200 {
		t.Errorf("/assets/scan.js: %d", resp.StatusCode)
	}
}

// TestVerifyAfterPostKeepsResultInOtherLanguage: after POST /verify the
// language switch was /verify?lang=fr, which lost the result (8c); and the
// status list time was RFC 3339 UTC in both languages (8a).
func TestVerifyAfterPostKeepsResultInOtherLanguage(t *testing.T) {
	s := newSite(t)
	_, text := s.get(t, "/v1/certificates/ACSA-20250417/pass")
	resp, err := http.PostForm(s.url+"/verify?lang=en", url.Values{"pass": {text}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	want := `href="/verify?lang=fr&amp;pass=` + url.QueryEscape(text)[:20]
	if !strings.Contains(body, want) {
		t.Errorf("the switch after POST does not carry the pass: %s", excerpt(body))
	}
	if strings.Contains(body, "T") && strings.Contains(body, "Z, index") {
		t.Errorf("the status list time is RFC 3339: %s", excerpt(body))
	}
	_, fr := s.get(t, "/verify?lang=fr&pass="+url.QueryEscape(text))
	if !strings.Contains(fr, "produite le 24 novembre 2026 à ") && !strings.Contains(fr, "produite le 25 novembre 2026 à ") {
		t.Errorf("French status list time: %s", excerpt(fr))
	}
}

// TestPeerLetterPointerHeadedByThisNode: Manitoba's letter page of an
// Alberta certificate (a pointer to Alberta's node) was headed "Registry
// node of Alberta", like a letter from Alberta (8d).
func TestPeerLetterPointerHeadedByThisNode(t *testing.T) {
	c := fedSites(t, "CA-AB", "CA-MB")
	page := fedGet(t, c["CA-MB"].url+"/letters/ACSA-20250417?lang=fr")
	if !strings.Contains(page, `<p class="from">Nœud du registre du Manitoba</p>`) {
		t.Errorf("MB's pointer letter: %s", excerpt(page))
	}
}

// TestOverlongQuerySaysSo: a search over 200 characters and a pass in the
// URL over 4,096 gave the empty form with no word (review s24-o 9).
func TestOverlongQuerySaysSo(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct{ path, en, fr string }{
		{"/?q=" + strings.Repeat("a", 201), "That search is too long", "Cette recherche est trop longue"},
		{"/verify?pass=COR1:" + strings.Repeat("A", 4100), "That is too long to be a pass", "trop long pour être un laissez-passer"},
	} {
		for lang, want := range map[string]string{"en": tc.en, "fr": tc.fr} {
			if _, body := s.get(t, tc.path+"&lang="+lang); !strings.Contains(body, want) {
				t.Errorf("%s %s: no %q: %s", tc.path[:12], lang, want, excerpt(body))
			}
		}
	}
}
