package openapi

import (
	"testing"

	"github.com/corfed/corfed/registry/msgfr"
)

// TestEveryFixedProblemTextHasFrench: each title of kinds, each fixed
// detail and each of huma's messages with an argument has a French entry.
func TestEveryFixedProblemTextHasFrench(t *testing.T) {
	var texts []string
	for _, k := range kinds {
		texts = append(texts, k.title)
	}
	for d := range publicDetails {
		texts = append(texts, d)
	}
	texts = append(texts, humaFormats...)
	texts = append(texts, datePatternMessage, humaNoBody, "Request cancelled", "Internal Server Error", "Not found", "Method not allowed",
		"Bad Request", "Request body too large", "Cross-origin request refused", "Invalid import file", "Unauthenticated",
		"required: this operation takes a JSON body", "; GET it again")
	for _, raw := range []string{"\xff", `\uZZ`, `\udc00`} { // badString's formats
		f, _ := badString([]byte(raw))
		texts = append(texts, f)
	}
	for _, s := range texts {
		if !msgfr.Has(s) {
			t.Errorf("no French for %q", s)
		}
	}
	if len(humaPatterns) != len(humaFormats) {
		t.Errorf("%d of %d huma formats have a pattern", len(humaPatterns), len(humaFormats))
	}
}

// TestHumaMessagesInFrench: huma's messages with an argument keep it.
func TestHumaMessagesInFrench(t *testing.T) {
	for _, c := range []struct{ en, fr string }{
		{"expected required property legal_name to be present", "propriété obligatoire legal_name attendue"},
		{`expected value to be one of "small, standard"`, `valeur attendue parmi "small, standard"`},
		{"expected length <= 64", "longueur attendue <= 64"},
		{"expected number >= 0", "nombre attendu >= 0"},
		{"invalid character 'e' after top-level value", "caractère 'e' invalide après la valeur de premier niveau"},
		{"unexpected property", "propriété inattendue"},
		{"something huma never says", "something huma never says"},
	} {
		if got := frenchMessage(c.en); got != c.fr {
			t.Errorf("frenchMessage(%q) = %q, want %q", c.en, got, c.fr)
		}
	}
}
