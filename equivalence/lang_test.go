package equivalence_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// checkFrench decides q again in French: the same decision (codes,
// outcome, dates, evidence, met flags), and every sentence written in
// French: present, different from the English one, never the "Code x."
// fallback of a code with no sentence.
func checkFrench(t *testing.T, q equivalence.Question, f equivalence.Facts, en equivalence.Decision) {
	t.Helper()
	q.Lang = equivalence.French
	fr := equivalence.Decide(q, f)
	if g, w := mustJSON(t, summarize(fr)), mustJSON(t, summarize(en)); g != w {
		t.Fatalf("French decision differs:\n got %s\nwant %s", g, w)
	}
	check := func(code, enText, frText string) {
		t.Helper()
		switch {
		case frText == "":
			t.Errorf("%s: no French text", code)
		case frText == enText:
			t.Errorf("%s: French text is the English one: %q", code, frText)
		case strings.HasPrefix(frText, "Code ") || strings.HasPrefix(frText, "Condition "):
			t.Errorf("%s: no French sentence for the code: %q", code, frText)
		}
	}
	for i := range fr.Reasons {
		check(fr.Reasons[i].Code, en.Reasons[i].Text, fr.Reasons[i].Text)
	}
	for i := range fr.Conditions {
		check(fr.Conditions[i].Code, en.Conditions[i].Text, fr.Conditions[i].Text)
	}
}

func TestMatchLang(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   equivalence.Lang
	}{
		{"", equivalence.English},
		{"fr", equivalence.French},
		{"fr-CA,fr;q=0.9,en;q=0.8", equivalence.French},
		{"en-CA,en;q=0.9,fr-CA;q=0.8", equivalence.English},
		{"de-DE,fr;q=0.5,en;q=0.4", equivalence.French},
		{"de-DE", equivalence.English},
		{"en;q=0.2,fr;q=0.7", equivalence.French},
		{"fr;q=0", equivalence.English},
		{"FR-ca", equivalence.French},
		{"*;q=0.5,fr;q=0.4", equivalence.English},
		{"fr;q=abc,en", equivalence.English},
		{";;;,,,=", equivalence.English},
	} {
		if got := equivalence.MatchLang(tc.header); got != tc.want {
			t.Errorf("MatchLang(%q): got %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestQuestionLangValidated(t *testing.T) {
	q := equivalence.Question{BN: "123456782", Host: "CA-BC", On: registry.MustDate("2026-01-15"), Use: equivalence.UseBid, Lang: "de"}
	d := equivalence.Decide(q, equivalence.Facts{})
	if d.Reasons[0].Code != equivalence.ReasonInvalidQuestion || !strings.Contains(d.Reasons[0].Text, "lang") {
		t.Errorf("got %+v, want invalid_question naming lang", d.Reasons[0])
	}
}

func FuzzMatchLang(f *testing.F) {
	for _, s := range []string{"fr-CA,fr;q=0.9,en;q=0.8", "en", "*;q=0.1", "fr;q=1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := equivalence.MatchLang(s)
		if l != equivalence.English && l != equivalence.French {
			t.Fatalf("MatchLang(%q) = %q", s, l)
		}
	})
}
