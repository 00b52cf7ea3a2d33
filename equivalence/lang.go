package equivalence

import (
	"strconv"
	"strings"
)

// Lang is the language of the sentences in a Decision: English or French,
// Canada's two official languages. Codes never change with the language;
// only Reason.Text and Condition.Text do.
type Lang string

// Languages.
const (
	English Lang = "en"
	French  Lang = "fr"
)

// Langs lists the languages Decide writes, the default first.
var Langs = []Lang{English, French}

// Valid reports whether l is a language Decide writes ("" is English).
func (l Lang) Valid() bool { return l == "" || l == English || l == French }

// MatchLang picks English or French from an HTTP Accept-Language header
// value (RFC 9110 §12.5.4): the language range with the highest q-value
// among en*, fr* and *, the first one listed on a tie; English when none
// matches or the header is empty or malformed. It is pure string work so
// that every edge (API, pages, command line) chooses the same way.
func MatchLang(header string) Lang {
	best, bestQ := English, -1.0
	if len(header) > 1024 {
		header = header[:1024]
	}
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		var l Lang
		switch {
		case tag == "fr" || strings.HasPrefix(tag, "fr-"):
			l = French
		case tag == "en" || strings.HasPrefix(tag, "en-"), tag == "*":
			l = English
		default:
			continue
		}
		if q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

// ParseLang returns the Lang a short code names ("en", "fr", any case, or a
// tag such as "fr-CA"), and false for anything else.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "en" || strings.HasPrefix(s, "en-"):
		return English, true
	case s == "fr" || strings.HasPrefix(s, "fr-"):
		return French, true
	}
	return "", false
}

// StatusWord is a record status ("suspended") as a word of lang
// ("suspendu"); unknown statuses are returned unchanged.
func StatusWord(status string, lang Lang) string {
	if lang != French {
		return status
	}
	switch status {
	case "active":
		return "actif"
	case "pending":
		return "en attente"
	case "suspended":
		return "suspendu"
	case "cancelled":
		return "annulé"
	case "revoked":
		return "révoqué"
	case "expired":
		return "expiré"
	case "superseded":
		return "remplacé"
	case "withdrawn":
		return "retiré"
	case "not_issued":
		return "non délivré"
	case "accepted":
		return "accepté"
	case "refused", "rejected":
		return "refusé"
	}
	return status
}

// OutcomeText is an outcome (Recognized, Conditional, NotRecognized) in
// plain words of lang.
func OutcomeText(outcome string, lang Lang) string {
	fr := lang == French
	switch outcome {
	case Recognized:
		return pick(fr, "Recognized", "Reconnu")
	case Conditional:
		return pick(fr, "Recognized on conditions", "Reconnu sous conditions")
	case NotRecognized:
		return pick(fr, "Not recognized", "Non reconnu")
	}
	return outcome
}

// UseText is a question's use (UseBid, UseWork) in plain words of lang,
// as it follows "for" ("pour"); an unknown use is returned unchanged.
func UseText(use string, lang Lang) string {
	fr := lang == French
	switch use {
	case UseBid:
		return pick(fr, "bidding", "soumissionner")
	case UseWork:
		return pick(fr, "work", "exécuter des travaux")
	}
	return use
}

// BasisText is a basis (BasisHostCOR, ...) in plain words of lang.
func BasisText(basis string, lang Lang) string {
	fr := lang == French
	switch basis {
	case BasisHostCOR:
		return pick(fr, "the host's own certificate", "le certificat de l'hôte lui-même")
	case BasisAgreement:
		return pick(fr, "a home certificate under a reciprocity agreement", "un certificat d'origine en vertu d'une entente de réciprocité")
	case BasisISO:
		return pick(fr, "an ISO/CSA 45001 certification the host accepts", "une certification ISO/CSA 45001 acceptée par l'hôte")
	}
	return basis
}

func pick(fr bool, en, f string) string {
	if fr {
		return f
	}
	return en
}
