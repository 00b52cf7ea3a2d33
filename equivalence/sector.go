package equivalence

import (
	"strings"

	"github.com/corfed/corfed/registry"
)

// sectorWords is the one table of sector names a question may use: each
// sector's name (the name the rules data uses), its words in English and
// French (folded: lower case, no accents) and its NAICS 2-digit code, if
// the sector is one. A question naming a sector by a word or by its
// 2-digit code is asked about that sector by name; a longer code (236220)
// stays a code, under the sector's.
var sectorWords = []struct {
	name  string
	words []string
	naics string
}{
	{"construction", []string{"construction"}, "23"},
	{"energy", []string{"energy", "energie"}, ""},
}

// NormalizeSector returns the one form of sector input s that Decide
// compares: "" for any sector; a known sector's name for one of its words
// in English or French (any case, accents folded: "Énergie" is energy) or
// for its NAICS 2-digit code ("23" is construction); an industry code as
// given otherwise. ok is false for a word that names no known sector (or
// is not a word at all).
func NormalizeSector(s string) (string, bool) {
	switch {
	case s == "":
		return "", true
	case registry.IsIndustryCode(s):
		for _, w := range sectorWords {
			if w.naics != "" && s == w.naics {
				return w.name, true
			}
		}
		return s, true
	}
	f := foldSector(s)
	for _, w := range sectorWords {
		for _, x := range w.words {
			if f == x {
				return w.name, true
			}
		}
	}
	return "", false
}

// sectorKey is the form in which a sector name of a record (a
// certificate's, an agreement's, a rule's) is compared: a known sector's
// name for any of its words, else the word folded.
func sectorKey(s string) string {
	if n, ok := NormalizeSector(s); ok {
		return n
	}
	return foldSector(s)
}

// sameSector reports whether sector names a and b name the same sector.
func sameSector(a, b string) bool {
	return sectorKey(a) == sectorKey(b)
}

// foldSector lower-cases s and folds the accents of French letters.
func foldSector(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'à', 'â', 'ä':
			r = 'a'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'î', 'ï':
			r = 'i'
		case 'ô', 'ö':
			r = 'o'
		case 'ù', 'û', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		case 'ÿ':
			r = 'y'
		case '_', '-':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}
