package equivalence

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
)

// How the sentences name a province or territory: by its name, never by
// its ISO 3166-2:CA code, with the article, preposition, elision and verb
// agreement each language asks ("La Colombie-Britannique reconnaît le
// certificat ... délivré en Alberta", "du Manitoba", "aux Territoires du
// Nord-Ouest"; "the Northwest Territories recognize"). This is the one
// table of names corfed has: the web site names jurisdictions with the
// exported functions below. A code not in the table (a peer's typo, a
// hostile record) is named by the code itself.

type place struct {
	en    string // "British Columbia"
	enThe bool   // named with "the" in a sentence: "the Northwest Territories"
	fr    string // "Colombie-Britannique"
	frArt string // the name with its article: "la Colombie-Britannique", "l'Alberta", "Terre-Neuve-et-Labrador"
	frIn  string // the name as a place: "en Colombie-Britannique", "au Manitoba"
	fem   bool   // French gender, for "elle", "seule", "retirée"
	plur  bool   // plural in both languages: "les Territoires du Nord-Ouest reconnaissent"
}

var places = map[registry.Jurisdiction]place{
	"CA-AB": {en: "Alberta", fr: "Alberta", frArt: "l'Alberta", frIn: "en Alberta", fem: true},
	"CA-BC": {en: "British Columbia", fr: "Colombie-Britannique", frArt: "la Colombie-Britannique", frIn: "en Colombie-Britannique", fem: true},
	"CA-MB": {en: "Manitoba", fr: "Manitoba", frArt: "le Manitoba", frIn: "au Manitoba"},
	"CA-NB": {en: "New Brunswick", fr: "Nouveau-Brunswick", frArt: "le Nouveau-Brunswick", frIn: "au Nouveau-Brunswick"},
	"CA-NL": {en: "Newfoundland and Labrador", fr: "Terre-Neuve-et-Labrador", frArt: "Terre-Neuve-et-Labrador", frIn: "à Terre-Neuve-et-Labrador", fem: true},
	"CA-NS": {en: "Nova Scotia", fr: "Nouvelle-Écosse", frArt: "la Nouvelle-Écosse", frIn: "en Nouvelle-Écosse", fem: true},
	"CA-ON": {en: "Ontario", fr: "Ontario", frArt: "l'Ontario", frIn: "en Ontario"},
	"CA-PE": {en: "Prince Edward Island", fr: "Île-du-Prince-Édouard", frArt: "l'Île-du-Prince-Édouard", frIn: "à l'Île-du-Prince-Édouard", fem: true},
	"CA-QC": {en: "Quebec", fr: "Québec", frArt: "le Québec", frIn: "au Québec"},
	"CA-SK": {en: "Saskatchewan", fr: "Saskatchewan", frArt: "la Saskatchewan", frIn: "en Saskatchewan", fem: true},
	"CA-NT": {en: "Northwest Territories", enThe: true, fr: "Territoires du Nord-Ouest", frArt: "les Territoires du Nord-Ouest", frIn: "aux Territoires du Nord-Ouest", plur: true},
	"CA-NU": {en: "Nunavut", fr: "Nunavut", frArt: "le Nunavut", frIn: "au Nunavut"},
	"CA-YT": {en: "Yukon", fr: "Yukon", frArt: "le Yukon", frIn: "au Yukon"},
}

// JurisdictionName is j's name in lang as a label, without article:
// "British Columbia", "Colombie-Britannique", "Northwest Territories";
// the code itself for a code corfed does not know.
func JurisdictionName(j registry.Jurisdiction, lang Lang) string {
	p, ok := places[j]
	switch {
	case !ok:
		return string(j)
	case lang == French:
		return p.fr
	}
	return p.en
}

// JurisdictionIn is j as a complement of place: "in British Columbia",
// "in the Northwest Territories"; in French with the preposition its
// gender and form take: "en Alberta", "au Manitoba", "aux Territoires du
// Nord-Ouest", "à l'Île-du-Prince-Édouard" ("dans CODE" for an unknown
// code).
func JurisdictionIn(j registry.Jurisdiction, lang Lang) string {
	if lang == French {
		if p, ok := places[j]; ok {
			return p.frIn
		}
		return "dans " + string(j)
	}
	return "in " + theName(j, false)
}

// JurisdictionOf is j as the complement of a noun: in English its name
// ("the registry of British Columbia", "of the Northwest Territories", the
// "of" left to the sentence); in French with "de" and its article,
// contracted or elided: "de l'Alberta", "du Manitoba", "de la
// Colombie-Britannique", "des Territoires du Nord-Ouest", "de
// Terre-Neuve-et-Labrador".
func JurisdictionOf(j registry.Jurisdiction, lang Lang) string {
	if lang == French {
		return ofFR(j)
	}
	return theName(j, false)
}

// JurisdictionThe is j's name as a sentence names it, article included:
// "Alberta", "the Northwest Territories"; "l'Alberta", "le Manitoba", "la
// Colombie-Britannique" (after a preposition that does not contract with
// it: "par l'Alberta").
func JurisdictionThe(j registry.Jurisdiction, lang Lang) string { return theName(j, lang == French) }

// theName is j's name as a sentence names it, article included: "British
// Columbia", "the Northwest Territories"; "la Colombie-Britannique",
// "l'Alberta", "le Manitoba".
func theName(j registry.Jurisdiction, fr bool) string {
	p, ok := places[j]
	switch {
	case !ok:
		return string(j)
	case fr:
		return p.frArt
	case p.enThe:
		return "the " + p.en
	}
	return p.en
}

// subject is theName at the start of a sentence: "The Northwest
// Territories", "La Colombie-Britannique", "L'Alberta".
func subject(j registry.Jurisdiction, fr bool) string { return capFirst(theName(j, fr)) }

// ofFR is "de" and j's name, contracted: "du Manitoba", "de l'Alberta".
func ofFR(j registry.Jurisdiction) string {
	s := theName(j, true)
	switch {
	case strings.HasPrefix(s, "le "):
		return "du " + s[len("le "):]
	case strings.HasPrefix(s, "les "):
		return "des " + s[len("les "):]
	}
	return "de " + s
}

// possEN is j's English possessive: "British Columbia's", "the Northwest
// Territories'".
func possEN(j registry.Jurisdiction) string {
	s := theName(j, false)
	if strings.HasSuffix(s, "s") && places[j].plur {
		return s + "'"
	}
	return s + "'s"
}

// verb picks the singular or plural form of a verb whose subject is j.
func verb(j registry.Jurisdiction, one, many string) string {
	if places[j].plur {
		return many
	}
	return one
}

// agreeFR picks the masculine, feminine or plural form of a French word
// that agrees with j: il/elle/ils, seul/seule/seuls, retiré/retirée/retirés.
func agreeFR(j registry.Jurisdiction, m, f, pl string) string {
	p := places[j]
	switch {
	case p.plur:
		return pl
	case p.fem:
		return f
	}
	return m
}

// its is the possessive of j: its/their, son/leur, ses/leurs (many: the
// thing possessed is plural, for French).
func its(j registry.Jurisdiction, fr, many bool) string {
	pl := places[j].plur
	switch {
	case !fr:
		return pick(pl, "its", "their")
	case many:
		return pick(pl, "ses", "leurs")
	}
	return pick(pl, "son", "leur")
}

// namesOf lists js's names in a sentence: "Alberta, Manitoba".
func namesOf(js []registry.Jurisdiction, fr bool) string {
	var s strings.Builder
	for i, j := range js {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(JurisdictionName(j, langOf(fr)))
	}
	return s.String()
}

// inEach names js as places: "in Alberta, Manitoba"; in French each with
// its own preposition: "en Alberta, au Manitoba".
func inEach(js []registry.Jurisdiction, fr bool) string {
	if !fr {
		var s strings.Builder
		s.WriteString("in ")
		for i, j := range js {
			if i > 0 {
				s.WriteString(", ")
			}
			s.WriteString(theName(j, false))
		}
		return s.String()
	}
	parts := make([]string, len(js))
	for i, j := range js {
		parts[i] = JurisdictionIn(j, French)
	}
	return strings.Join(parts, ", ")
}

// ofEach is the French "de X, de Y" of js.
func ofEach(js []registry.Jurisdiction) string {
	parts := make([]string, len(js))
	for i, j := range js {
		parts[i] = ofFR(j)
	}
	return strings.Join(parts, ", ")
}

func langOf(fr bool) Lang {
	if fr {
		return French
	}
	return English
}

// capFirst upper-cases s's first letter ("l'Alberta" -> "L'Alberta").
func capFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
