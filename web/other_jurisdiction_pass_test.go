package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOtherJurisdictionPassPointsToCheck: Prairie Steel's Alberta pass,
// checked on British Columbia's Verify page (a BC site gate), holds, but
// BC's own /check for the same employer, working in BC, says "Not
// recognized". The page must say the pass is valid in Alberta, that
// recognition in British Columbia is a separate question, and link to
// that check (EN and FR); Alberta's own page needs no such note.
func TestOtherJurisdictionPassPointsToCheck(t *testing.T) {
	c := fedSites(t, "CA-AB", "CA-BC")
	ab, bc := c["CA-AB"], c["CA-BC"]
	text := fedGet(t, ab.url+"/v1/certificates/ACSA-20250417/pass")
	page := fedGet(t, bc.url+"/verify?lang=en&pass="+url.QueryEscape(text))
	check := fedGet(t, bc.url+"/check?bn=812345676&host=CA-BC&use=work&sector=construction&on=2026-11-25")
	outcome := regexp.MustCompile(`<p class="outcome">.*?</span>`).FindString(check)
	verdict := regexp.MustCompile(`(?s)<h2 id="result">(.*?)</h2>`).FindStringSubmatch(page)
	t.Logf("BC /verify: %q; BC /check work in BC: %q", verdict, outcome)
	if !strings.Contains(outcome, "Not recognized") {
		t.Fatalf("setup: %s", outcome)
	}
	if strings.Contains(page, "The pass holds") && !strings.Contains(page, `/check?bn=812345676&amp;host=CA-BC`) {
		t.Errorf("BC's page shows an Alberta pass green, with no pointer to whether it counts in British Columbia")
	}
	for _, tc := range []struct{ lang, want string }{
		{"en", "valid in Alberta does not mean recognized in British Columbia"},
		{"fr", "valide en Alberta ne veut pas dire être reconnu en Colombie-Britannique"},
	} {
		page := fedGet(t, bc.url+"/verify?lang="+tc.lang+"&pass="+url.QueryEscape(text))
		if !strings.Contains(strings.ToLower(page), strings.ToLower(tc.want)) || !strings.Contains(page, `/check?bn=812345676&amp;host=CA-BC&amp;use=work`) {
			t.Errorf("%s: BC's page lacks %q or the link to /check for work in BC", tc.lang, tc.want)
		}
	}
	if own := fedGet(t, ab.url+"/verify?lang=en&pass="+url.QueryEscape(text)); strings.Contains(own, "does not mean recognized") || !strings.Contains(own, "The pass holds: the certificate is valid<") {
		t.Errorf("AB's own page should keep the plain verdict")
	}
}
