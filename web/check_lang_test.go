package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/web"
)

// typedReason is a suspension's reason as an administrator typed it, in
// English (no reason_fr).
const typedReason = "Employer Review after a serious injury"

// suspendedSite is the seed site with ACSA-20250417 suspended for
// typedReason.
func suspendedSite(t *testing.T) *site {
	t.Helper()
	s := newSite(t)
	if _, err := s.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417",
		node.StatusRequest{Action: registry.ActionSuspend, Reason: typedReason}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCheckMarksTypedTextLanguage: the French recognition check quotes a
// status reason an administrator typed in English; that text is marked
// lang="en" (WCAG 3.1.2: a screen reader reads it as English), and only
// that text; the English page marks nothing. The reasons name the province,
// not its code. Before, the reason was one French-tagged string.
func TestCheckMarksTypedTextLanguage(t *testing.T) {
	s := suspendedSite(t)
	on := registry.DateOf(nodetest.Now).String()
	reasons := regexp.MustCompile(`(?s)<ul class="reasons">(.*?)</ul>`)
	for _, tc := range []struct {
		lang string
		want []string
		not  []string
	}{
		{"fr", []string{`n&#39;est pas reconnu en Alberta pour exécuter des travaux`,
			`(depuis le ` + on + ` : <span lang="en">` + typedReason + `</span>), et non actif.`}, []string{"CA-AB"}},
		{"en", []string{"is not recognized in Alberta for work", "(since " + on + ": " + typedReason + "), not active."}, []string{"CA-AB", "<span"}},
	} {
		resp, body := s.get(t, "/check?bn=812345676&host=CA-AB&use=work&on="+on+"&lang="+tc.lang)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.lang, resp.StatusCode)
		}
		m := reasons.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no reasons on the page", tc.lang)
		}
		for _, w := range tc.want {
			if !strings.Contains(m[1], w) {
				t.Errorf("%s: the reasons lack %q:\n%s", tc.lang, w, m[1])
			}
		}
		for _, n := range tc.not {
			if strings.Contains(m[1], n) {
				t.Errorf("%s: the reasons have %q:\n%s", tc.lang, n, m[1])
			}
		}
	}
}

// TestBrowserCheckTypedTextLanguage: the same in a browser: in the French
// page's reasons, the one element in English is the typed reason, and
// axe-core finds no violation.
func TestBrowserCheckTypedTextLanguage(t *testing.T) {
	ctx, axe := browser(t)
	s := suspendedSite(t)
	on := registry.DateOf(nodetest.Now).String()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/check?bn=812345676&host=CA-AB&use=work&on="+on+"&lang=fr"),
		chromedp.WaitVisible(chromedp.ID("answer"))); err != nil {
		t.Fatalf("check: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll('.answer [lang]')].map(e => e.lang + ':' + e.textContent))`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `["en:` + typedReason + `"]`; got != want {
		t.Errorf("elements of the answer with a lang: %s, want %s", got, want)
	}
	wantIn(t, "check", text(t, ctx, ".reasons"), "n'est pas reconnu en Alberta", "suspendu", typedReason)
	checkAxe(t, ctx, axe, "check-typed-reason")
}

// TestReasonHTMLMarksEachQuote: each quoted part is marked where it is
// quoted, even when the typed text repeats a word the sentence said before
// it (an issuer's name); everything is escaped; a quote the text does not
// hold is left out; a reason with no quotes is its escaped text.
func TestReasonHTMLMarksEachQuote(t *testing.T) {
	en := equivalence.English
	for _, c := range []struct {
		r    equivalence.Reason
		want string
	}{
		{equivalence.Reason{Text: "Le certificat COR 1 (ACSA) est suspendu (depuis le 2026-01-01 : ACSA), et non actif.",
			Quoted: []equivalence.Quote{{Text: "ACSA", Lang: en}}},
			`Le certificat COR 1 (ACSA) est suspendu (depuis le 2026-01-01 : <span lang="en">ACSA</span>), et non actif.`},
		{equivalence.Reason{Text: "a (x <b>) b (y & z) c", Quoted: []equivalence.Quote{{Text: "x <b>", Lang: en}, {Text: "y & z", Lang: en}}},
			`a (<span lang="en">x &lt;b&gt;</span>) b (<span lang="en">y &amp; z</span>) c`},
		{equivalence.Reason{Text: "rien <ici>", Quoted: []equivalence.Quote{{Text: "absent", Lang: en}, {Text: "", Lang: en}}},
			`rien &lt;ici&gt;`},
		{equivalence.Reason{Text: "L'Alberta"}, `L&#39;Alberta`},
	} {
		if got := string(web.ReasonHTML(c.r)); got != c.want {
			t.Errorf("%q %v:\n got %s\nwant %s", c.r.Text, c.r.Quoted, got, c.want)
		}
	}
}
