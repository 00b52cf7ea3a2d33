package registry

import (
	"strconv"
	"time"
)

// Date is a calendar date with no time of day and no zone, written
// YYYY-MM-DD. COR terms, expiries and status changes are calendar dates:
// a certificate that expires on 2027-03-31 is valid through that whole day
// wherever the question is asked. Callers that start from an instant convert
// it with DateOf in the zone they document (corfed uses the issuing
// jurisdiction's civil date, see README "Dates").
//
// The zero Date means "unset".
type Date struct {
	// 8 bytes: a registry holds many (a certificate's history has two a
	// step), and the measurement model keeps every certificate's.
	y int32
	m uint8
	d uint8
}

// NewDate returns the date y-m-d. It does not normalise: use ParseDate for
// input that may be impossible.
func NewDate(y int, m time.Month, d int) Date { return Date{int32(y), uint8(m), uint8(d)} }

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	return NewDate(t.Date())
}

// ParseDate parses YYYY-MM-DD and rejects impossible dates (2027-02-30).
func ParseDate(s string) (Date, error) {
	if len(s) != 10 {
		return Date{}, Textf("date %q: want YYYY-MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Textf("date %q: want a real calendar date as YYYY-MM-DD", s)
	}
	if t.Year() < 1900 || t.Year() > 2999 {
		return Date{}, Textf("date %q: year out of range 1900-2999", s)
	}
	return DateOf(t), nil
}

// MustDate is ParseDate for constants in tests and examples; it panics on error.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d Date) IsZero() bool { return d.y == 0 }

func (d Date) Year() int         { return int(d.y) }
func (d Date) Month() time.Month { return time.Month(d.m) }
func (d Date) Day() int          { return int(d.d) }

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC) }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return string(d.appendTo(make([]byte, 0, 10)))
}

// appendTo appends YYYY-MM-DD (years 0 to 9999, as ParseDate allows less).
func (d Date) appendTo(b []byte) []byte {
	y, m, day := d.Year(), int(d.m), int(d.d)
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
	return b
}

// Compare returns -1, 0 or +1.
func (d Date) Compare(e Date) int {
	switch {
	case d.y != e.y:
		return cmp3(int(d.y), int(e.y))
	case d.m != e.m:
		return cmp3(int(d.m), int(e.m))
	default:
		return cmp3(int(d.d), int(e.d))
	}
}

func cmp3(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }
func (d Date) After(e Date) bool  { return d.Compare(e) > 0 }

// AddDays returns d plus n days (n may be negative).
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// AddMonths returns the same day n months later, clamped to the end of the
// target month (2026-01-31 + 1 month = 2026-02-28), the way terms and caps
// are counted on paper.
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return NewDate(first.Year(), first.Month(), min(d.Day(), last))
}

// Min returns the earlier of d and e, ignoring zero dates.
func Min(d, e Date) Date {
	switch {
	case d.IsZero():
		return e
	case e.IsZero():
		return d
	case e.Before(d):
		return e
	}
	return d
}

func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalJSON writes "" for the zero date so that omitempty-free structs
// stay readable; use `omitzero` on optional fields.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte(`""`), nil
	}
	b := make([]byte, 0, 12)
	b = append(b, '"')
	b = d.appendTo(b)
	return append(b, '"'), nil
}

var monthsFR = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// Words is d as a person reads it in a sentence: "December 5, 2026", or in
// French (fr) "5 décembre 2026" ("1er décembre" on the first). The zero
// date is "—". Machine-readable fields keep YYYY-MM-DD (String); this is
// for the sentences of both languages, the site's and the API's reasons.
func (d Date) Words(fr bool) string {
	if d.IsZero() {
		return "—"
	}
	t := d.Time()
	if fr {
		day := strconv.Itoa(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return day + " " + monthsFR[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
	return t.Format("January 2, 2006")
}
