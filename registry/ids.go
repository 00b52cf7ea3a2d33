package registry

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Jurisdiction is an ISO 3166-2:CA subdivision code such as "CA-AB".
type Jurisdiction string

// Jurisdictions lists every Canadian province and territory.
var Jurisdictions = []Jurisdiction{
	"CA-AB", "CA-BC", "CA-MB", "CA-NB", "CA-NL", "CA-NS", "CA-ON",
	"CA-PE", "CA-QC", "CA-SK", "CA-NT", "CA-NU", "CA-YT",
}

// Valid reports whether j is one of Jurisdictions.
func (j Jurisdiction) Valid() bool {
	for _, k := range Jurisdictions {
		if j == k {
			return true
		}
	}
	return false
}

// ParseJurisdiction validates s as a jurisdiction code (upper case).
func ParseJurisdiction(s string) (Jurisdiction, error) {
	j := Jurisdiction(s)
	if !j.Valid() {
		return "", Textf("%q is not an ISO 3166-2:CA code (one of CA-AB, CA-BC, ... CA-YT)", s)
	}
	return j, nil
}

// ValidBN reports whether s is a Business Number (BN9): nine digits whose
// last is the Luhn check digit of the first eight, as python-stdnum's
// ca/bn.py validates it.
func ValidBN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		// Luhn: double every second digit counting from the right, the
		// check digit itself being position 1 (not doubled).
		if (8-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// BNCheckDigit returns the Luhn check digit that completes the eight-digit
// prefix p into a valid BN9.
func BNCheckDigit(p string) (byte, error) {
	if len(p) != 8 {
		return 0, fmt.Errorf("BN prefix %q: want 8 digits", p)
	}
	for c := byte('0'); c <= '9'; c++ {
		if ValidBN(p + string(c)) {
			return c, nil
		}
	}
	return 0, fmt.Errorf("BN prefix %q: not digits", p)
}

// CheckBN validates a BN9, explaining what is wrong.
func CheckBN(field, s string) error {
	if len(s) != 9 {
		return Invalid(field, "a Business Number (BN9) has 9 digits, got %d characters", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return Invalid(field, "a Business Number (BN9) has only digits")
		}
	}
	if !ValidBN(s) {
		return Invalid(field, "Business Number %s fails its Luhn check digit", s)
	}
	return nil
}

var (
	codeRE   = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,15}$`)
	numberRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
	idRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	wcbRE    = regexp.MustCompile(`^[A-Za-z0-9-]{3,20}$`)
	naicsRE  = regexp.MustCompile(`^[0-9]{2,6}$`)
)

// CodeRE is the pattern of short codes: CP ids ("ACSA", "IHSA").
const CodePattern = `^[A-Z][A-Z0-9]{1,15}$`

// NumberPattern is the pattern of certificate numbers.
const NumberPattern = `^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`

// IDPattern is the pattern of record ids.
const IDPattern = `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`

// ValidID reports whether s may be a record id.
func ValidID(s string) bool { return idRE.MatchString(s) }

// MaxEntryIDLength is the longest id of an entry, in bytes.
const MaxEntryIDLength = 64

// ValidEntryID reports whether id may name the record of an entry, this
// node's or a peer's: 1 to MaxEntryIDLength bytes of [A-Za-z0-9._-]. That
// is the one id rule of entries: it covers IDPattern (record ids) and key
// ids (RFC 7638 thumbprints in base64url, which may start with - or _).
func ValidEntryID(id string) bool {
	if id == "" || len(id) > MaxEntryIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CertificateID is the id of the certificate that CP cp numbered n. Together
// with the issuing node's jurisdiction it is unique in the federation.
func CertificateID(cp, number string) string { return cp + "-" + number }

// FoldName returns the form of a name used for case- and accent-insensitive
// prefix search: accents removed, the ligatures œ, æ and ß written out
// (oe, ae, ss), lower case, runs of space and punctuation folded to one
// space, trimmed. "Béton  Québec Ltée." -> "beton quebec ltee",
// "Main-d'Œuvre" -> "main d oeuvre".
func FoldName(s string) string {
	// Invalid UTF-8 would make the transform fail half way: such bytes
	// are separators, like punctuation.
	s = strings.ToValidUTF8(s, " ")
	out := s
	if !isASCII(s) {
		// A transform.Chain keeps state: each call gets its own.
		t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		if o, _, err := transform.String(t, s); err == nil {
			out = o
		}
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(out) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if l, ok := ligatures[r]; ok {
				b.WriteString(l)
			} else {
				b.WriteRune(r)
			}
			continue
		}
		space = true
	}
	return b.String()
}

// ligatures are the letters FoldName writes out: no decomposition removes
// them, and a French name is written with œ or with oe alike.
var ligatures = map[rune]string{'œ': "oe", 'æ': "ae", 'ß': "ss"}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
