// Package msgfr says in French what the node's problems say in English:
// the titles and details of RFC 9457 problems and each errors[].message
// (registry.Invalid, registry.Conflict, registry.Precondition,
// registry.Textf, import and snapshot problems). The catalogue (fr.go) is
// keyed by the English format string, as gettext keys by msgid: a call
// site keeps its format and args, and Sprintf prints the French entry of
// the format with the same args. A format with no entry prints in
// English (a test lists every format of the module and fails on one
// without an entry).
//
// Values stay as they are: an argument prints as fmt prints it (a year
// is 2026, not 2 026), since what a value says (a BN, an id, a date, a
// count) is the same in both languages. An argument with a French method
// (registry.Word: an action or a status the sentence names) is a word,
// not a value: it prints as its French.
package msgfr

import (
	"fmt"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// printer prints the French of a catalogued format; built once.
var printer = func() *message.Printer {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for en, fr := range fr {
		if err := b.SetString(language.French, en, fr); err != nil {
			panic("msgfr: " + en + ": " + err.Error())
		}
	}
	return message.NewPrinter(language.French, message.Catalog(b))
}()

// Has reports whether format has a French entry.
func Has(format string) bool {
	_, ok := fr[format]
	return ok
}

// Entry is the French entry of format ("" and false when it has none).
func Entry(format string) (string, bool) {
	s, ok := fr[format]
	return s, ok
}

// Formats returns every English format of the catalogue.
func Formats() []string {
	out := make([]string, 0, len(fr))
	for en := range fr {
		out = append(out, en)
	}
	return out
}

// Sprintf prints format in French with args (in English, as
// fmt.Sprintf, when the catalogue has no entry for it).
func Sprintf(format string, args ...any) string {
	if _, ok := fr[format]; !ok {
		return fmt.Sprintf(format, args...)
	}
	if len(args) == 0 {
		return printer.Sprintf(format)
	}
	plain := make([]any, len(args))
	for i, a := range args {
		if w, ok := a.(frenchWord); ok {
			a = w.French()
		}
		plain[i] = asIs{a}
	}
	return printer.Sprintf(format, plain...)
}

// frenchWord is an argument that is a word of the sentence rather than a
// value (an action, a status: registry.Word): Sprintf prints its French.
type frenchWord interface{ French() string }

// String is the French of a sentence with no verbs (s itself when the
// catalogue has none).
func String(s string) string {
	if f, ok := fr[s]; ok {
		return f
	}
	return s
}

// asIs prints its value as fmt does, verb and flags included, where the
// message printer would format a number by the locale's rules.
type asIs struct{ v any }

func (a asIs) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), a.v)
}
