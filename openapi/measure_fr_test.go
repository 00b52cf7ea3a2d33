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
	f := newFixture(t)
	st, _, b := f.do(t, "GET", "/v1/metrics/ohs", "", "")
	if st != 200 {
		t.Fatalf("GET /v1/metrics/ohs: %d %s", st, b)
	}
	var out struct {
		Definitions   map[string]string `json:"definitions"`
		DefinitionsFR map[string]string `json:"definitions_fr"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	en, fr := slices.Sorted(maps.Keys(out.Definitions)), slices.Sorted(maps.Keys(out.DefinitionsFR))
	if !slices.Equal(en, fr) {
		t.Fatalf("definitions keys %v, definitions_fr keys %v: want the same", en, fr)
	}
	for _, k := range en {
		if out.DefinitionsFR[k] == "" || out.DefinitionsFR[k] == out.Definitions[k] {
			t.Errorf("definitions_fr[%s] = %q: not a French text", k, out.DefinitionsFR[k])
		}
	}
	for _, tc := range []struct{ lang, text, want string }{
		{"en", out.Definitions["suppressed"], "at least two that together meet the minimum"},
		{"fr", out.DefinitionsFR["suppressed"], "au moins deux qui ensemble atteignent le minimum"},
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
	f := newFixture(t)
	st, _, b := f.do(t, "GET", "/v1/metrics/process?from=2025-01-01&to=2025-12-31", "", "")
	if st != 200 {
		t.Fatalf("GET /v1/metrics/process: %d %s", st, b)
	}
	var out struct {
		Definitions   map[string]string `json:"definitions"`
		DefinitionsFR map[string]string `json:"definitions_fr"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	en, fr := slices.Sorted(maps.Keys(out.Definitions)), slices.Sorted(maps.Keys(out.DefinitionsFR))
	if !slices.Equal(en, fr) || !slices.Contains(en, "open_at_end") || !slices.Contains(en, "open") {
		t.Fatalf("definitions keys %v, definitions_fr keys %v: want the same, with open and open_at_end", en, fr)
	}
	for _, k := range en {
		if out.DefinitionsFR[k] == "" || out.DefinitionsFR[k] == out.Definitions[k] {
			t.Errorf("definitions_fr[%s] = %q: not a French text", k, out.DefinitionsFR[k])
		}
	}
}
