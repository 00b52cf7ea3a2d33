package registry

import (
	"slices"
	"strings"
)

// legalForms maps each folded legal-form word (see FoldName) to its
// canonical abbreviation: English and French forms of the same thing are
// the same form.
var legalForms = map[string]string{
	"ltd": "ltd", "limited": "ltd", "ltee": "ltd", "limitee": "ltd", "lte": "ltd",
	"inc": "inc", "incorporated": "inc", "incorporee": "inc", "incorporation": "inc",
	"corp": "corp", "corporation": "corp", "corpo": "corp",
	"co": "co", "company": "co", "compagnie": "co", "cie": "co",
	"llp": "llp", "lp": "lp", "ulc": "ulc", "plc": "plc", "llc": "llc",
	"senc": "senc", "sencrl": "sencrl", "enr": "enr", "enrg": "enr", "enregistree": "enr",
}

// NameForm is a name split for matching: its core (the folded name without
// trailing legal-form words) and its legal form, canonical ("ltd", "inc",
// "corp", "co", ...; "" when it has none).
type NameForm struct {
	Core string
	Form string
}

// Canonical is the name with its legal form abbreviated: "prairie steel
// ltd" for "Prairie Steel Limited" and "Prairie Steel Ltée.".
func (f NameForm) Canonical() string {
	if f.Form == "" {
		return f.Core
	}
	if f.Core == "" {
		return f.Form
	}
	return f.Core + " " + f.Form
}

// NameKey is the form of a name that name searches read by prefix: folded
// (FoldName), without the words "and" and "et", so that "Paving & Grading",
// "Paving and Grading" and "Paving Grading" are one name, as they are to
// SplitName ("&" folds away). A name made only of those words keeps them.
func NameKey(s string) string {
	f := FoldName(s)
	if !strings.Contains(f, "and") && !strings.Contains(f, "et") {
		return f // most names: no word to drop, nothing to allocate
	}
	words := strings.Fields(f)
	kept := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return w == "and" || w == "et" })
	if len(kept) == 0 || len(kept) == len(words) {
		return f
	}
	return strings.Join(kept, " ")
}

// SplitName folds s (FoldName) and splits off its trailing legal-form
// words: "Béton Boréal Ltée" -> {"beton boreal", "ltd"}; "Acme Co. Ltd" ->
// {"acme", "co ltd"}. The words "and" and "et" are dropped (FoldName drops
// "&"). A name made only of legal-form words keeps them as
// its core.
func SplitName(s string) NameForm {
	words := strings.Fields(FoldName(s))
	// "&" folds away: "and" and "et" go too, so "Paving & Grading" and
	// "Paving and Grading" are one name.
	words = slices.DeleteFunc(words, func(w string) bool { return w == "and" || w == "et" })
	var forms []string
	i := len(words)
	for i > 1 {
		f, ok := legalForms[words[i-1]]
		k := 1
		if !ok {
			// A form written with dots folds to single letters
			// ("S.E.N.C." to "s e n c", "L.L.P." to "l l p"): the
			// longest run of them that spells a form is that form.
			f, k = dottedForm(words[1:i])
			ok = k > 0
		}
		if !ok {
			break
		}
		forms = append([]string{f}, forms...)
		i -= k
	}
	return NameForm{Core: strings.Join(words[:i], " "), Form: strings.Join(forms, " ")}
}

// dottedForm returns the legal form that the longest run (of two or more)
// of single-letter words at the end of words spells, and the run's length;
// 0 when none does.
func dottedForm(words []string) (form string, n int) {
	run := 0
	for run < len(words) && len(words[len(words)-1-run]) == 1 {
		run++
	}
	for k := run; k >= 2; k-- {
		if f, ok := legalForms[strings.Join(words[len(words)-k:], "")]; ok {
			return f, k
		}
	}
	return "", 0
}

// FoldWCB returns the form of a WCB account number used to index and match
// it: lower case, dashes and spaces removed ("45-12876" -> "4512876").
func FoldWCB(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != '-' && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidCode reports whether s may be a CP id (CodePattern).
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// ValidNumber reports whether s may be a certificate number (NumberPattern).
func ValidNumber(s string) bool { return numberRE.MatchString(s) }

// ValidWCBNumber reports whether s may be a WCB account number.
func ValidWCBNumber(s string) bool { return wcbRE.MatchString(s) }

// CheckIndustryCode validates one industry code, as records carry them.
func CheckIndustryCode(field, s string) error { return checkIndustryCode(field, s) }
