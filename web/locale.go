package web

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// Numbers and dates as a person reads them in each language: English
// "1,044", "86.5%", "December 5, 2026"; French "1 044" (a narrow no-break
// space, U+202F, as CLDR has it), "86,5 %" (a no-break space before the
// sign), "5 décembre 2026". Machine-readable attributes keep ISO 8601.

var printers = map[equivalence.Lang]*message.Printer{
	equivalence.English: message.NewPrinter(language.English),
	equivalence.French:  message.NewPrinter(language.French),
}

func printer(l equivalence.Lang) *message.Printer {
	if p, ok := printers[l]; ok {
		return p
	}
	return printers[equivalence.English]
}

// num is an integer with the language's thousands separator (French: the
// narrow no-break space, where x/text gives a no-break space).
func num(l equivalence.Lang, v any) string {
	s := printer(l).Sprintf("%d", v)
	if l == equivalence.French {
		s = strings.ReplaceAll(s, "\u00a0", "\u202f")
	}
	return s
}

// localInt formats an integer argument of a catalog message with num for
// the verb d, and as fmt does otherwise.
type localInt struct {
	l equivalence.Lang
	v any
}

func (n localInt) Format(f fmt.State, verb rune) {
	if verb == 'd' {
		_, _ = io.WriteString(f, num(n.l, n.v))
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), n.v)
}

// localArgs wraps the integers among args in localInt.
func localArgs(l equivalence.Lang, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case int, int64, uint64, int32, uint32, uint:
			out[i] = localInt{l, a}
		case registry.Date:
			out[i] = longDate(l, a) // a date in a sentence is in words: "le 5 décembre 2026"
		default:
			out[i] = a
		}
	}
	return out
}

// pct is a percentage: its shortest decimal form with the language's
// decimal mark, and the sign as the language writes it.
func pct(l equivalence.Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if l == equivalence.French {
		return strings.Replace(s, ".", ",", 1) + "\u00a0%"
	}
	return s + "%"
}

// longDate is a date in words: "December 5, 2026", "5 décembre 2026"
// ("1er décembre" on the first); registry.Date.Words, which the API's
// reasons use too. The zero date is "—".
func longDate(l equivalence.Lang, d registry.Date) string {
	return d.Words(l == equivalence.French)
}

// when is a date for a person, in a <time> element whose datetime keeps
// ISO 8601 for machines: <time datetime="2026-12-05">5 décembre 2026</time>.
// A value that is not a registry.Date (or its pointer) shows as it is.
func when(l equivalence.Lang, v any) template.HTML {
	var d registry.Date
	switch x := v.(type) {
	case registry.Date:
		d = x
	case *registry.Date:
		if x == nil {
			return ""
		}
		d = *x
	default:
		return template.HTML(template.HTMLEscapeString(fmt.Sprint(v)))
	}
	if d.IsZero() {
		return "—"
	}
	return template.HTML(`<time datetime="` + d.String() + `">` + template.HTMLEscapeString(longDate(l, d)) + `</time>`)
}

// longTime is an instant for a person, in the zone t is in: "December 4,
// 2026, 20:00 MST", "4 décembre 2026 à 20 h 00 (MST)".
func longTime(l equivalence.Lang, t time.Time) string {
	d := registry.DateOf(t)
	if l == equivalence.French {
		return longDate(l, d) + " à " + t.Format("15") + " h " + t.Format("04") + " (" + t.Format("MST") + ")"
	}
	return longDate(l, d) + ", " + t.Format("15:04 MST")
}
