package web

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
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
	for j := range jurisdictionNames {
		if jurName("fr", j) == "" || jurName("en", j) == "" {
			t.Errorf("%s has no name", j)
		}
	}
}
