package web_test

import (
	"strings"
	"testing"
)

// TestCheckFormNamesEveryProblem: the recognition check form names every
// wrong field at once, each in its own message and in the summary, in
// both languages: an impossible date, a BN whose check digit is wrong, a
// host that is not a province and a use that is not a choice. Before,
// the date alone was named; fixed, the BN alone; and so on.
func TestCheckFormNamesEveryProblem(t *testing.T) {
	s := newSite(t)
	for _, lang := range []string{"en", "fr"} {
		resp, body := s.get(t, "/check?bn=123456789&host=CA-XX&use=zzz&on=2026-02-30&lang="+lang)
		if resp.StatusCode != 422 {
			t.Fatalf("%s: got %d, want 422", lang, resp.StatusCode)
		}
		for _, id := range []string{`id="e-on"`, `id="e-bn"`, `id="e-host"`, `id="e-use"`} {
			if !strings.Contains(body, id) {
				t.Errorf("%s: the page has no message %s for its field", lang, id)
			}
		}
		i := strings.Index(body, `class="errors"`)
		if i < 0 {
			t.Fatalf("%s: no error summary", lang)
		}
		summary := body[i:]
		summary = summary[:strings.Index(summary, "</ul>")]
		for _, f := range []string{"#f-on", "#f-bn", "#f-host", "#f-use"} {
			if !strings.Contains(summary, f) {
				t.Errorf("%s: the error summary does not link %s: %s", lang, f, summary)
			}
		}
	}
	// One field wrong: the others are not named.
	resp, body := s.get(t, "/check?bn=123456789&host=CA-AB&use=bid")
	if resp.StatusCode != 422 || !strings.Contains(body, `id="e-bn"`) || strings.Contains(body, `id="e-host"`) || strings.Contains(body, `id="e-on"`) {
		t.Errorf("a bad BN alone: got %d, messages %v", resp.StatusCode, []bool{strings.Contains(body, `id="e-bn"`), strings.Contains(body, `id="e-host"`), strings.Contains(body, `id="e-on"`)})
	}
}
