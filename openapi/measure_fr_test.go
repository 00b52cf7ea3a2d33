package openapi_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Review s27-s (finding 7): GET /v1/metrics/ohs answered "definitions",
// the words that say what each figure means, in English only (common
// brief: every text a person reads exists in English and French), and
// its definition of "suppressed" described a rule measure/doc.go no
// longer states. The answer now carries definitions_fr, with the same
// keys, and "suppressed" states the line rule.
func TestOHSDefinitionsInFrench(t *testing.T) {
	en, fr := bilingualDefinitions(t, "/v1/metrics/ohs")
	for _, tc := range []struct{ lang, text, want string }{
		{"en", en["suppressed"], "at least two that together meet the minimum"},
		{"fr", fr["suppressed"], "au moins deux qui ensemble atteignent le minimum"},
	} {
		if !strings.Contains(tc.text, tc.want) {
			t.Errorf("suppressed (%s) does not state the line rule (%q): %q", tc.lang, tc.want, tc.text)
		}
	}
}

// GET /v1/metrics/process says what its cycle counts mean, open_at_end
// (the backlog at the period's end, whatever its start) beside open
// (started in the period), in English and French under the same keys.
func TestProcessDefinitionsInBothLanguages(t *testing.T) {
	en, _ := bilingualDefinitions(t, "/v1/metrics/process?from=2025-01-01&to=2025-12-31")
	if _, ok := en["open_at_end"]; !ok {
		t.Errorf("definitions %v: want open_at_end", slices.Sorted(maps.Keys(en)))
	}
	if _, ok := en["open"]; !ok {
		t.Errorf("definitions %v: want open", slices.Sorted(maps.Keys(en)))
	}
}

// bilingualDefinitions GETs path (200 expected) and returns its answer's
// definitions and definitions_fr, failing the test unless both have the
// same keys and every French text is given and differs from the English.
func bilingualDefinitions(t *testing.T, path string) (en, fr map[string]string) {
	t.Helper()
	f := newFixture(t)
	st, _, b := f.do(t, "GET", path, "", "")
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, b)
	}
	var out struct {
		Definitions   map[string]string `json:"definitions"`
		DefinitionsFR map[string]string `json:"definitions_fr"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	ek, fk := slices.Sorted(maps.Keys(out.Definitions)), slices.Sorted(maps.Keys(out.DefinitionsFR))
	if !slices.Equal(ek, fk) {
		t.Fatalf("GET %s: definitions keys %v, definitions_fr keys %v: want the same", path, ek, fk)
	}
	for _, k := range ek {
		if out.DefinitionsFR[k] == "" || out.DefinitionsFR[k] == out.Definitions[k] {
			t.Errorf("GET %s: definitions_fr[%s] = %q: not a French text", path, k, out.DefinitionsFR[k])
		}
	}
	return out.Definitions, out.DefinitionsFR
}
