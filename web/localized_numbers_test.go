package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/web"
)

// TestLocalizedNumbers: French pages wrote numbers the English way. The
// certificate page of a log past 999 entries said "d'un journal de 1044
// entrées" (French: "1 044", with a narrow no-break space; English
// "1,044"), and an audit's overall score "86.5 %" (French: "86,5 %", a
// no-break space before the sign; English "86.5%").
func TestLocalizedNumbers(t *testing.T) {
	s := newSiteWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	for i := range 1000 {
		if _, err := s.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: nodetest.BN(i), LegalName: fmt.Sprintf("Filler %d", i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	_, body := s.get(t, "/certificates/ACSA-20230616?lang=fr")
	logpos := regexp.MustCompile(`entrée [^<]*? entrées`).FindString(body)
	score := regexp.MustCompile(`[0-9.,]+(\s|\x{a0}|\x{202f})?%`).FindString(body)
	t.Logf("fr: %q, %q", logpos, score)
	if regexp.MustCompile(`\d{4} entrées`).MatchString(logpos) {
		t.Errorf("French page: %q; want the thousands separated by a (narrow) no-break space", logpos)
	}
	if score != "86,5\u00a0%" {
		t.Errorf("French page: score %q; want a decimal comma and a no-break space (86,5 %%)", score)
	}
	if !regexp.MustCompile(`journal de 1\x{202f}0\d\d entrées`).MatchString(logpos) {
		t.Errorf("French page: %q; want 1 0xx with U+202F", logpos)
	}
	_, body = s.get(t, "/certificates/ACSA-20230616?lang=en")
	if m := regexp.MustCompile(`of a log of [0-9,]+ entries`).FindString(body); !regexp.MustCompile(`1,0\d\d entries`).MatchString(m) {
		t.Errorf("English page: %q; want 1,0xx", m)
	}
	if score := regexp.MustCompile(`[0-9.,]+(\s|\x{a0})?%`).FindString(body); score != "86.5%" {
		t.Errorf("English page: score %q; want 86.5%%", score)
	}
}

// TestLongDates: the letter and the certificate page wrote dates as ISO
// (a formal French letter says "le 25 novembre 2026"); they now write
// them in words, with ISO kept in <time datetime>.
func TestLongDates(t *testing.T) {
	s := newSite(t)
	for lang, want := range map[string][]string{
		"en": {`Date: <time datetime="2026-11-25">November 25, 2026</time>`, `<time datetime="2028-03-14">March 14, 2028</time>`},
		"fr": {`Date : <time datetime="2026-11-25">25 novembre 2026</time>`, `<time datetime="2028-03-14">14 mars 2028</time>`},
	} {
		_, body := s.get(t, "/letters/ACSA-20250417?lang="+lang)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s letter lacks %q", lang, w)
			}
		}
	}
	if got := web.LongDate(equivalence.French, registry.MustDate("2026-12-01")); got != "1er décembre 2026" {
		t.Errorf("French first of the month: %q", got)
	}
}
