package registry_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestNameKey: the words "and" and "et" leave a name's search key, "&"
// folds away, and a word that only starts with them stays; the key always
// starts with the name's core (what bulk match reads by prefix).
func TestNameKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Paving and Grading Ltd.", "paving grading ltd"},
		{"Paving & Grading Ltd.", "paving grading ltd"},
		{"PAVING AND GRADING", "paving grading"},
		{"Pavage Tremblay et Fils Ltée", "pavage tremblay fils ltee"},
		{"Andover Roofing", "andover roofing"},
		{"Béton Etchemin", "beton etchemin"},
		{"Sandy Bay Metal", "sandy bay metal"},
		{"And", "and"},
		{"Et & And", "et and"},
		{"", ""},
	} {
		if got := registry.NameKey(c.in); got != c.want {
			t.Errorf("NameKey(%q) = %q; want %q", c.in, got, c.want)
		}
		if core := registry.SplitName(c.in).Core; !strings.HasPrefix(registry.NameKey(c.in), core) {
			t.Errorf("NameKey(%q) = %q does not start with its core %q", c.in, registry.NameKey(c.in), core)
		}
	}
}
