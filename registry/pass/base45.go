package pass

import (
	"errors"
	"strings"
)

// base45Alphabet is RFC 9285's alphabet: the 45 characters of the QR
// alphanumeric mode, so a pass fills a QR code at 5.5 bits per character.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// Base45Encode encodes b (RFC 9285 §4): each two bytes n = a*256+b become
// three characters c + d*45 + e*45*45, a last single byte two characters.
func Base45Encode(b []byte) string {
	var s strings.Builder
	s.Grow(len(b)/2*3 + 2)
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])<<8 | int(b[i+1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45%45])
		s.WriteByte(base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45])
	}
	return s.String()
}

var errBase45 = errors.New("not base45 (RFC 9285)")

// Base45Decode decodes s (RFC 9285 §4.2), refusing characters outside the
// alphabet, a length of 1 modulo 3 and groups whose value does not fit.
func Base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, errBase45
	}
	out := make([]byte, 0, len(s)/3*2+1)
	val := func(c byte) (int, bool) {
		i := strings.IndexByte(base45Alphabet, c)
		return i, i >= 0
	}
	for i := 0; i < len(s); i += 3 {
		c, ok1 := val(s[i])
		d, ok2 := val(s[i+1])
		if !ok1 || !ok2 {
			return nil, errBase45
		}
		if i+2 == len(s) {
			n := c + d*45
			if n > 0xff {
				return nil, errBase45
			}
			out = append(out, byte(n))
			break
		}
		e, ok3 := val(s[i+2])
		if !ok3 {
			return nil, errBase45
		}
		n := c + d*45 + e*2025
		if n > 0xffff {
			return nil, errBase45
		}
		out = append(out, byte(n>>8), byte(n))
	}
	return out, nil
}
