package boltstore

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/corfed/corfed/registry"
)

// entryEncodingV1 is the first byte of a format-2 entry value (read only
// to migrate); entryEncodingV3 that of a format-3 one (see the package doc).
const (
	entryEncodingV1 = 0x01
	entryEncodingV3 = 0x03
)

// Flags of a format-3 entry value.
const (
	flagAuthor    = 1 << iota // the author trailer follows the flags
	flagSplitJWS              // the JWS is stored as its three decoded parts
	flagRecordJWS             // Record is the envelope's "record" member, read from the JWS payload
	flagKeyRefs               // format 4: a key's value may end with an earlier key's value (keyRefs)
)

var errCorrupt = errors.New("boltstore: corrupt value")

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendRaw(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// splitJWS returns the decoded header, payload and signature of a compact
// JWS, and ok only if encoding them again gives jws back byte for byte
// (unpadded, canonical base64url): only then is it stored split.
func splitJWS(jws string) (parts [3][]byte, ok bool) {
	_, parts, ok = appendSplitJWS(nil, jws)
	return parts, ok
}

// appendSplitJWS is splitJWS that appends each decoded part to b as a
// length-prefixed field (appendRaw), in place: an entry value holds the
// parts, and decoding them straight into it saves a copy and three
// allocations per append. parts alias the result. If !ok the result is b
// as it was (its spare capacity may have been written).
func appendSplitJWS(b []byte, jws string) (out []byte, parts [3][]byte, ok bool) {
	start, rest := len(b), jws
	for i := range parts {
		seg := rest
		if i < 2 {
			dot := strings.IndexByte(rest, '.')
			if dot < 0 {
				return b[:start], parts, false
			}
			seg, rest = rest[:dot], rest[dot+1:]
		} else if strings.IndexByte(rest, '.') >= 0 {
			return b[:start], parts, false
		}
		// Strict decoding refuses padding and non-zero trailing bits, so a
		// segment it decodes encodes back to itself, unless it skipped a
		// line break, which it does in any mode (FuzzSplitJWS checks this
		// against encoding again, which cost a 1 KB string per append).
		if strings.ContainsAny(seg, "\r\n") {
			return b[:start], parts, false
		}
		n := jwsEncoding.DecodedLen(len(seg))
		b = binary.AppendUvarint(b, uint64(n))
		b = slices.Grow(b, n)
		// Decode only reads its source: seg's bytes are never written.
		m, err := jwsEncoding.Decode(b[len(b):len(b)+n], unsafe.Slice(unsafe.StringData(seg), len(seg)))
		if err != nil || m != n {
			return b[:start], parts, false
		}
		parts[i] = b[len(b) : len(b)+n : len(b)+n]
		b = b[:len(b)+n]
	}
	return b, parts, true
}

// jwsEncoding is strict unpadded base64url, as a split JWS's parts are
// stored only when they encode back to the token byte for byte.
var jwsEncoding = base64.RawURLEncoding.Strict()

// joinJWS is the compact JWS of its decoded parts.
func joinJWS(parts [3][]byte) string {
	enc := base64.RawURLEncoding
	b := make([]byte, 0, enc.EncodedLen(len(parts[0]))+enc.EncodedLen(len(parts[1]))+enc.EncodedLen(len(parts[2]))+2)
	b = enc.AppendEncode(b, parts[0])
	b = append(b, '.')
	b = enc.AppendEncode(b, parts[1])
	b = append(b, '.')
	b = enc.AppendEncode(b, parts[2])
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
}

// recordMember is how the envelope's last member starts in its canonical
// JSON (registry.Envelope): no member before it can hold this text outside
// a string, and inside a JSON string every quote is escaped.
var recordMember = []byte(`,"record":`)

// payloadRecord returns the "record" member of an envelope payload: the
// bytes after the first ,"record": up to the closing brace. The result
// aliases payload. Append stores Record this way only when this gives
// Record back exactly, so reading it back is always exact.
func payloadRecord(payload []byte) []byte {
	i := bytes.Index(payload, recordMember)
	if i < 0 || len(payload) == 0 || payload[len(payload)-1] != '}' {
		return nil
	}
	return payload[i+len(recordMember) : len(payload)-1]
}

// encodeEntry encodes e, with the record's index keys, as a format-3 entry
// value. The seq is the value's key, not part of it. The JWS is stored
// once, decoded (its payload is the envelope, which holds the record), and
// Record beside it only when it is not the payload's record member.
func encodeEntry(e registry.Entry, keys []IndexKey) []byte {
	flags := byte(0)
	if e.By != nil {
		flags |= flagAuthor
	}
	// Room for the JWS decoded (its parts decode to at most this), not for
	// a record beside it: a record is nearly always the payload's.
	size := len(e.Iss) + len(e.Kind) + len(e.ID) + base64.RawURLEncoding.DecodedLen(len(e.JWS)) + 10*binary.MaxVarintLen64
	refs := keyRefs(keys)
	if refs != nil {
		flags |= flagKeyRefs
	}
	for _, k := range keys {
		size += len(k.Name) + len(k.Value) + 3*binary.MaxVarintLen64
	}
	b := make([]byte, 0, size)
	b = append(b, entryEncodingV3, flags)
	b = binary.AppendUvarint(b, e.Ver)
	b = binary.AppendVarint(b, e.Iat)
	b = appendBytes(b, string(e.Iss))
	b = appendBytes(b, string(e.Kind))
	b = appendBytes(b, e.ID)
	if e.By != nil {
		b = appendBytes(b, e.By.Role)
		b = appendBytes(b, e.By.CP)
		b = appendBytes(b, e.By.Token)
	}
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for i, k := range keys {
		b = appendBytes(b, k.Name)
		if refs == nil {
			b = appendBytes(b, k.Value)
			continue
		}
		r := refs[i]
		b = binary.AppendUvarint(b, uint64(r))
		if r > 0 {
			b = appendBytes(b, k.Value[:len(k.Value)-len(keys[r-1].Value)])
		} else {
			b = appendBytes(b, k.Value)
		}
	}
	b, parts, split := appendSplitJWS(b, e.JWS)
	if split {
		b[1] |= flagSplitJWS
		if len(e.Record) > 0 && bytes.Equal(payloadRecord(parts[1]), e.Record) {
			b[1] |= flagRecordJWS
		}
	} else {
		b = appendBytes(b, e.JWS)
	}
	if b[1]&flagRecordJWS == 0 {
		b = appendBytes(b, string(e.Record))
	}
	return b
}

// keyRefs returns, for each key, 1 + the index of the earlier key whose
// value is the longest proper suffix of its value (at least 4 bytes), or 0;
// nil if no key has one. (A certificate's "stp" key was its program, a
// slash and its "st" key, stored this way at the cost of its program,
// until the node stopped writing "st" keys; the encoding stays.)
func keyRefs(keys []IndexKey) []int {
	var refs []int
	for i, k := range keys {
		best := 0
		for j := range i {
			v := keys[j].Value
			if len(v) >= 4 && len(v) < len(k.Value) && (best == 0 || len(v) > len(keys[best-1].Value)) && strings.HasSuffix(k.Value, v) {
				best = j + 1
			}
		}
		if best > 0 {
			if refs == nil {
				refs = make([]int, len(keys))
			}
			refs[i] = best
		}
	}
	return refs
}

// entryAuthor marks the optional author trailer of a format-2 entry value.
const entryAuthor = 0x01

// decoder reads the fields of a value; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes returns the next length-prefixed field, aliasing the value.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// entryHead reads a format-3 value up to and including its index keys:
// the entry without JWS and Record, the keys if withKeys, and a decoder at
// the JWS.
func entryHead(v []byte, withKeys bool) (e registry.Entry, keys []IndexKey, flags byte, d decoder, err error) {
	if len(v) < 2 || v[0] != entryEncodingV3 {
		return e, nil, 0, d, fmt.Errorf("%w: unknown entry encoding", errCorrupt)
	}
	flags = v[1]
	d = decoder{b: v[2:]}
	e.Ver = d.uvarint()
	e.Iat = d.varint()
	e.Iss = registry.Jurisdiction(d.bytes())
	e.Kind = registry.Kind(d.bytes())
	e.ID = string(d.bytes())
	if flags&flagAuthor != 0 {
		e.By = &registry.Author{Role: string(d.bytes()), CP: string(d.bytes()), Token: string(d.bytes())}
	}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = errCorrupt
	}
	if withKeys && n > 0 && d.err == nil {
		keys = make([]IndexKey, 0, n)
	}
	for i := range n {
		if d.err != nil {
			break
		}
		name := d.bytes()
		var ref uint64
		if flags&flagKeyRefs != 0 {
			if ref = d.uvarint(); ref > i {
				d.err = errCorrupt // a key refers only to an earlier one
				break
			}
		}
		value := d.bytes()
		if withKeys {
			k := IndexKey{Name: string(name), Value: string(value)}
			if ref > 0 {
				k.Value += keys[ref-1].Value
			}
			keys = append(keys, k)
		}
	}
	return e, keys, flags, d, d.err
}

// decodeEntry decodes the format-3 value v of the entry seq. The result
// shares no memory with v.
func decodeEntry(seq uint64, v []byte) (registry.Entry, error) {
	e, _, flags, d, err := entryHead(v, false)
	if err != nil {
		return registry.Entry{}, err
	}
	e.Seq = seq
	if flags&flagSplitJWS != 0 {
		var parts [3][]byte
		for i := range parts {
			parts[i] = d.bytes()
		}
		if d.err == nil {
			e.JWS = joinJWS(parts)
			if flags&flagRecordJWS != 0 {
				// The envelope's record, copied out of the value.
				if rec := payloadRecord(parts[1]); len(rec) > 0 {
					e.Record = append([]byte(nil), rec...)
				} else {
					d.err = errCorrupt
				}
			}
		}
	} else {
		e.JWS = string(d.bytes())
	}
	if flags&flagRecordJWS == 0 {
		if rec := d.bytes(); len(rec) > 0 {
			e.Record = append([]byte(nil), rec...)
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return registry.Entry{}, d.err
	}
	return e, nil
}

// entryKeys returns the index keys stored in a format-3 entry value.
func entryKeys(v []byte) ([]IndexKey, error) {
	_, keys, _, _, err := entryHead(v, true)
	return keys, err
}

// decodeEntryV2 decodes a format-2 entry value (only migration reads them).
func decodeEntryV2(v []byte) (registry.Entry, error) {
	if len(v) == 0 || v[0] != entryEncodingV1 {
		return registry.Entry{}, fmt.Errorf("%w: unknown entry encoding", errCorrupt)
	}
	d := decoder{b: v[1:]}
	var e registry.Entry
	e.Seq = d.uvarint()
	e.Ver = d.uvarint()
	e.Iat = d.varint()
	e.Iss = registry.Jurisdiction(d.bytes())
	e.Kind = registry.Kind(d.bytes())
	e.ID = string(d.bytes())
	if rec := d.bytes(); len(rec) > 0 {
		e.Record = append([]byte(nil), rec...)
	}
	e.JWS = string(d.bytes())
	if d.err == nil && len(d.b) > 0 && d.b[0] == entryAuthor {
		d.b = d.b[1:]
		e.By = &registry.Author{Role: string(d.bytes()), CP: string(d.bytes()), Token: string(d.bytes())}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return registry.Entry{}, d.err
	}
	return e, nil
}

func decodeKeys(v []byte) ([]IndexKey, error) {
	d := decoder{b: v}
	var keys []IndexKey
	for len(d.b) > 0 && d.err == nil {
		name := string(d.bytes())
		value := string(d.bytes())
		keys = append(keys, IndexKey{Name: name, Value: value})
	}
	return keys, d.err
}
