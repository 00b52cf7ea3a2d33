package main

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRuleFile: whatever bytes a rules FILE holds, parsing never panics,
// and what it accepts is valid.
func FuzzRuleFile(f *testing.F) {
	for _, p := range []string{"hosts/CA-BC.json", "hosts/CA-ON.json", "agreements/cfcsa-construction-2021.json"} {
		b, err := os.ReadFile(filepath.Join(testdata, "rules", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"x","jurisdiction":"CA-AB","effective_from":"2026-01-01","programs":[],"recognizes_foreign_secor":false,"equivalency":[],"sources":["s"]}`))
	f.Add([]byte(`{"parties":["CA-AB"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rf, err := parseRuleFile("fuzz", b)
		if err != nil {
			return
		}
		for _, r := range rf.hosts {
			if err := r.Validate(); err != nil {
				t.Fatalf("accepted invalid host rules: %v", err)
			}
		}
		if rf.terms != nil {
			if err := rf.terms.Validate(); err != nil {
				t.Fatalf("accepted invalid terms: %v", err)
			}
		}
	})
}
