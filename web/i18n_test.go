package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// TestCatalog: every word the pages use exists in both languages.
func TestCatalog(t *testing.T) {
	for k, m := range messages {
		if m[0] == "" || m[1] == "" {
			t.Errorf("%s: empty in a language: %q", k, m)
		}
	}
	files, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	uses := regexp.MustCompile(`\.[TF] "([a-z.]+)"|\.[TF]\("([a-z.]+)"|msg\([a-zA-Z.]+, "([a-z.]+)"\)|(?:errKey|key) = "([a-z.]+)"|return "", "([a-z.]+)"`)
	n := 0
	for _, f := range append(files, goFiles...) {
		if filepath.Ext(f) == ".go" && filepath.Base(f) == "i18n_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			for _, key := range m[1:] {
				if key == "" {
					continue
				}
				n++
				if _, ok := messages[key]; !ok {
					t.Errorf("%s uses %q, which the catalog lacks", f, key)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("found %d uses of the catalog; the pattern is broken", n)
	}
	for _, k := range []string{"auto", "bn", "name", "number", "wcb"} {
		if _, ok := messages["by."+k]; !ok {
			t.Errorf("by.%s missing", k)
		}
	}
	for _, j := range registry.Jurisdictions {
		if jurName("fr", j) == string(j) || jurName("en", j) == string(j) {
			t.Errorf("%s has no name", j)
		}
	}
}

// TestProgramWords: every value the program pages show through "word"
// has a catalog entry in both languages.
func TestProgramWords(t *testing.T) {
	groups := map[string][]string{
		"audit": registry.AuditTypes,
		"cred":  registry.CredentialKinds,
		"disc":  registry.DisciplineActions,
		"aud": {registry.AuditorCandidate, registry.AuditorCertified, registry.AuditorSuspended, registry.AuditorRevoked,
			registry.AuditorLapsed, registry.AuditorUncertified},
		"maint": {node.MaintenanceDone, node.MaintenanceDueSoon, node.MaintenanceOverdue},
		"basis": {registry.BasisAudit, registry.BasisEquivalency},
	}
	for g, vs := range groups {
		for _, v := range vs {
			if m, ok := messages[g+"."+v]; !ok || m[0] == "" || m[1] == "" || m[0] == m[1] && g != "disc" {
				t.Errorf("%s.%s: got %q, want an English and a French word", g, v, m)
			}
		}
	}
}

// TestDatesInSentencesAreInWords: a date a catalogue sentence takes is
// written as the pages write dates, in the page's language ("leur état le
// 5 décembre 2026", "1er" on the first), not as ISO 8601 (review s26-v).
func TestDatesInSentencesAreInWords(t *testing.T) {
	for _, tc := range []struct {
		lang equivalence.Lang
		d    string
		want string
	}{
		{equivalence.French, "2026-12-05", "leur état le 5 décembre 2026."},
		{equivalence.French, "2026-10-01", "leur état le 1er octobre 2026."},
		{equivalence.English, "2026-12-05", "their state on December 5, 2026."},
	} {
		p := &page{Lang: tc.lang}
		if got := p.F("maint.intro", "COR", registry.MustDate(tc.d)); !strings.HasSuffix(got, tc.want) {
			t.Errorf("%s %s: %q; want it to end %q", tc.lang, tc.d, got, tc.want)
		}
	}
}
