package strictjson

import (
	"slices"
	"testing"
)

// TestScannerSliceStrings: with SliceStrings, String gives the same
// strings (escaped or not, empty, null) as without it, and an unescaped
// one is a slice of one copy of the document, not of the caller's bytes.
func TestScannerSliceStrings(t *testing.T) {
	doc := []byte(`["plain", "", "esc\naped\u00e9", null, "last"]`)
	read := func(slice bool) []string {
		sc, err := NewScanner(doc)
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Release()
		if slice {
			sc.SliceStrings()
		}
		var out []string
		if err := sc.Array(func() error {
			s, err := sc.String()
			out = append(out, s)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := sc.End(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want, got := read(false), read(true)
	if !slices.Equal(got, want) || len(got) != 5 || got[0] != "plain" || got[2] != "esc\naped\u00e9" {
		t.Fatalf("SliceStrings: %q, without: %q", got, want)
	}
	doc[2] = 'X' // the caller's bytes change; the strings read must not
	if got[0] != "plain" || got[4] != "last" {
		t.Fatalf("strings alias the caller's bytes: %q", got)
	}
}
