package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/corfed/corfed/registry"
)

// entryEncodingV1 is the first byte of an entry value (see the package doc).
const entryEncodingV1 = 0x01

var errCorrupt = errors.New("boltstore: corrupt value")

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeEntry(e registry.Entry) []byte {
	n := 1 + 3*binary.MaxVarintLen64 + 5*binary.MaxVarintLen64 +
		len(e.Iss) + len(e.Kind) + len(e.ID) + len(e.Record) + len(e.JWS)
	b := make([]byte, 0, n)
	b = append(b, entryEncodingV1)
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendUvarint(b, e.Ver)
	b = binary.AppendVarint(b, e.Iat)
	b = appendBytes(b, string(e.Iss))
	b = appendBytes(b, string(e.Kind))
	b = appendBytes(b, e.ID)
	b = appendBytes(b, string(e.Record))
	b = appendBytes(b, e.JWS)
	if e.By != nil {
		// Optional trailer (entries written before attribution have none):
		// the author's role, CP id and token id.
		b = append(b, entryAuthor)
		b = appendBytes(b, e.By.Role)
		b = appendBytes(b, e.By.CP)
		b = appendBytes(b, e.By.Token)
	}
	return b
}

// entryAuthor marks the optional author trailer of an entry value.
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

// decodeEntry decodes an entry value. The result shares no memory with v.
func decodeEntry(v []byte) (registry.Entry, error) {
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

func encodeKeys(keys []IndexKey) []byte {
	var b []byte
	for _, k := range keys {
		b = appendBytes(b, k.Name)
		b = appendBytes(b, k.Value)
	}
	return b
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
