package equivalence

import (
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// sectorWords is the one table of sector names a question may use: each
// sector's name (the name the rules data uses), its words in English and
// French (folded: lower case, no accents, no apostrophes) and its NAICS
// 2-digit codes, if the sector is a NAICS sector (Statistics Canada,
// NAICS Canada 2022). A question naming a sector by a word or by one of its
// 2-digit codes is asked about that sector by name; a longer code (236220)
// stays a code, under the sector's. Energy is not a NAICS sector: the
// rules that name it give its codes (Alberta's energy rule: 211, 2131,
// 486). A sector no rule or agreement names is bridged to certificates
// named by codes through its NAICS codes here.
var sectorWords = []struct {
	name  string
	words []string
	naics []string
}{
	{"construction", []string{"construction"}, []string{"23"}},
	{"energy", []string{"energy", "energie", "oil and gas", "petrole et gaz"}, nil},
	{"agriculture", []string{"agriculture", "forestry", "foresterie", "fishing", "peche", "agriculture forestry fishing and hunting", "agriculture foresterie peche et chasse"}, []string{"11"}},
	{"mining", []string{"mining", "mines", "extraction miniere", "mining quarrying and oil and gas extraction"}, []string{"21"}},
	{"utilities", []string{"utilities", "services publics"}, []string{"22"}},
	{"manufacturing", []string{"manufacturing", "fabrication"}, []string{"31", "32", "33"}},
	{"wholesale trade", []string{"wholesale trade", "wholesale", "commerce de gros"}, []string{"41"}},
	{"retail trade", []string{"retail trade", "retail", "commerce de detail"}, []string{"44", "45"}},
	{"transportation", []string{"transportation", "transportation and warehousing", "transport", "transport et entreposage"}, []string{"48", "49"}},
	{"information", []string{"information", "information and cultural industries", "industrie de linformation et industrie culturelle"}, []string{"51"}},
	{"finance", []string{"finance", "finance and insurance", "finance et assurances"}, []string{"52"}},
	{"real estate", []string{"real estate", "real estate and rental and leasing", "services immobiliers"}, []string{"53"}},
	{"professional services", []string{"professional services", "professional scientific and technical services", "services professionnels", "services professionnels scientifiques et techniques"}, []string{"54"}},
	{"management of companies", []string{"management of companies", "management of companies and enterprises", "gestion de societes et dentreprises"}, []string{"55"}},
	{"administrative and support", []string{"administrative and support", "waste management", "administrative and support waste management and remediation services", "services administratifs", "gestion des dechets"}, []string{"56"}},
	{"educational services", []string{"educational services", "education", "services denseignement", "enseignement"}, []string{"61"}},
	{"health care", []string{"health care", "health care and social assistance", "soins de sante", "soins de sante et assistance sociale"}, []string{"62"}},
	{"arts and recreation", []string{"arts and recreation", "arts entertainment and recreation", "arts spectacles et loisirs"}, []string{"71"}},
	{"accommodation and food services", []string{"accommodation and food services", "hebergement et restauration", "services dhebergement et de restauration"}, []string{"72"}},
	{"other services", []string{"other services", "autres services"}, []string{"81"}},
	{"public administration", []string{"public administration", "administration publique", "administrations publiques"}, []string{"91"}},
}

// NormalizeSector returns the one form of sector input s that Decide
// compares: "" for any sector; a known sector's name for one of its words
// in English or French (any case, accents folded: "Énergie" is energy) or
// for one of its NAICS 2-digit codes ("23" is construction); an industry
// code as given otherwise. ok is false for a word that names no known
// sector (or is not a word at all).
func NormalizeSector(s string) (string, bool) {
	switch {
	case s == "":
		return "", true
	case registry.IsIndustryCode(s):
		if len(s) == 2 {
			for _, w := range sectorWords {
				if slices.Contains(w.naics, s) {
					return w.name, true
				}
			}
		}
		return s, true
	}
	f := foldSector(s)
	for _, w := range sectorWords {
		if slices.Contains(w.words, f) {
			return w.name, true
		}
	}
	return "", false
}

// sectorCodes returns the NAICS 2-digit codes that bridge the sector a
// name names to certificates named by codes: nil for a sector whose codes
// the rules data gives (construction: an agreement's, cited as evidence;
// energy: Alberta's rule's), or a name no sector has.
func sectorCodes(name string) []string {
	k := sectorKey(name)
	for _, w := range sectorWords {
		if w.name == k && !ruledSectors[k] {
			return w.naics
		}
	}
	return nil
}

// ruledSectors are the sectors the rules data names, whose codes come from
// the agreements and rules that name them (recorded, signed and cited),
// not from this table.
var ruledSectors = map[string]bool{"construction": true, "energy": true}

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
		case '_', '-', ',':
			r = ' '
		case '\'', '’':
			continue
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
