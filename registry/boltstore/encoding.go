package boltstore

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
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
	flagEnvelope              // format 7: the payload is not stored: it is the envelope of the entry's fields and Record (appendEnvelope)
	flagHeaderRef             // format 7: the JWS header is a reference into the log's header table (headers.go)
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
	jws := len(b)
	b, parts, split := appendSplitJWS(b, e.JWS)
	switch {
	case !split:
		b = appendBytes(b, e.JWS)
	case len(e.Record) > 0 && envelopeMatches(e, parts[1]):
		// The payload is the envelope of the fields stored above and of
		// Record: keep the header and the signature, then Record.
		b[1] |= flagSplitJWS | flagEnvelope
		hdr := binary.AppendUvarint(nil, uint64(len(parts[0])))
		rest := len(hdr) + len(parts[0])
		// The signature moves left over the payload: append copies
		// with memmove, so the overlap is safe.
		b = appendRaw(b[:jws+rest], parts[2])
	default:
		b[1] |= flagSplitJWS
		if len(e.Record) > 0 && bytes.Equal(payloadRecord(parts[1]), e.Record) {
			b[1] |= flagRecordJWS
		}
	}
	if b[1]&flagRecordJWS == 0 {
		b = appendBytes(b, string(e.Record))
	}
	return b
}

// envelopeMatches reports whether payload is the envelope appendEnvelope
// makes of e's fields and Record, byte for byte.
func envelopeMatches(e registry.Entry, payload []byte) bool {
	if !e.Envelope().Plain() {
		return false
	}
	var buf [1024]byte
	return bytes.Equal(appendEnvelope(buf[:0], e, e.Record), payload)
}

// appendEnvelope appends the canonical JSON envelope of e's fields (Seq
// included) with record as its "record" member, as registry's
// EncodeCanonicalEnvelope writes one whose strings need no escaping. It
// is part of the format: an entry with flagEnvelope stores no payload,
// and reading it back writes the payload with this function, so its
// output for given fields may never change (registry's encoder may; an
// append checks the two agree before it sets the flag, and
// TestAppendEnvelopeMatchesRegistry and FuzzAppendEnvelope check them
// against each other).
func appendEnvelope(b []byte, e registry.Entry, record []byte) []byte {
	b = append(b, `{"iss":"`...)
	b = append(b, e.Iss...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"kind":"`...)
	b = append(b, e.Kind...)
	b = append(b, `","id":"`...)
	b = append(b, e.ID...)
	b = append(b, `","ver":`...)
	b = strconv.AppendUint(b, e.Ver, 10)
	b = append(b, `,"iat":`...)
	b = strconv.AppendInt(b, e.Iat, 10)
	if e.By != nil {
		b = append(b, `,"by":{"role":"`...)
		b = append(b, e.By.Role...)
		b = append(b, '"')
		if e.By.CP != "" {
			b = append(b, `,"cp":"`...)
			b = append(b, e.By.CP...)
			b = append(b, '"')
		}
		if e.By.Token != "" {
			b = append(b, `,"jti":"`...)
			b = append(b, e.By.Token...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, `,"record":`...)
	b = append(b, record...)
	return append(b, '}')
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

// decodeEntry decodes the format-3 value v of the entry seq, which has
// no header reference (flagHeaderRef). The result shares no memory with v.
func decodeEntry(seq uint64, v []byte) (registry.Entry, error) {
	return decodeEntryWith(seq, v, nil)
}

// headerFunc returns the JWS header of a log's header table reference.
type headerFunc func(ref uint64) ([]byte, error)

// decodeEntryWith is decodeEntry reading header references with headers
// (nil: a reference is corrupt).
func decodeEntryWith(seq uint64, v []byte, headers headerFunc) (registry.Entry, error) {
	e, _, flags, d, err := entryHead(v, false)
	if err != nil {
		return registry.Entry{}, err
	}
	e.Seq = seq
	switch {
	case flags&flagSplitJWS == 0:
		if flags&(flagEnvelope|flagHeaderRef) != 0 {
			return registry.Entry{}, errCorrupt
		}
		e.JWS = string(d.bytes())
	case flags&flagEnvelope != 0:
		if flags&flagRecordJWS != 0 {
			return registry.Entry{}, errCorrupt
		}
		hdr := d.header(flags, headers)
		sig := d.bytes()
		rec := d.bytes()
		if d.err == nil && len(rec) == 0 {
			d.err = errCorrupt
		}
		if d.err == nil {
			e.Record = append([]byte(nil), rec...)
			// The payload is written once, into a buffer on the stack for
			// the usual sizes, and encoded straight into the JWS.
			var buf [1536]byte
			e.JWS = joinJWS([3][]byte{hdr, appendEnvelope(buf[:0], e, rec), sig})
		}
	default:
		var parts [3][]byte
		parts[0] = d.header(flags, headers)
		parts[1] = d.bytes()
		parts[2] = d.bytes()
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
	}
	if flags&(flagRecordJWS|flagEnvelope) == 0 {
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

// header reads a split JWS's header: the bytes, or with flagHeaderRef a
// reference read through headers.
func (d *decoder) header(flags byte, headers headerFunc) []byte {
	if flags&flagHeaderRef == 0 {
		return d.bytes()
	}
	ref := d.uvarint()
	if d.err != nil {
		return nil
	}
	if headers == nil {
		d.err = errCorrupt
		return nil
	}
	h, err := headers(ref)
	if err != nil {
		d.err = err
	}
	return h
}

// headerSpan returns where a format-3 value's JWS header field (its
// length and bytes) starts and ends, if the value holds the header's
// bytes (a split JWS, without flagHeaderRef).
func headerSpan(v []byte) (start, end int, ok bool) {
	_, _, flags, d, err := entryHead(v, false)
	if err != nil || flags&flagSplitJWS == 0 || flags&flagHeaderRef != 0 {
		return 0, 0, false
	}
	start = len(v) - len(d.b)
	if d.bytes(); d.err != nil {
		return 0, 0, false
	}
	return start, len(v) - len(d.b), true
}

// withHeaderRef returns a copy of the value v whose header field, at
// v[start:end] (headerSpan), is replaced by the reference ref.
func withHeaderRef(v []byte, start, end int, ref uint64) []byte {
	out := make([]byte, 0, len(v)-(end-start)+binary.MaxVarintLen64)
	out = append(out, v[:start]...)
	out[1] |= flagHeaderRef
	out = binary.AppendUvarint(out, ref)
	return append(out, v[end:]...)
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
