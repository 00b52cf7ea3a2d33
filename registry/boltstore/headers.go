package boltstore

import (
	"encoding/binary"

	"go.etcd.io/bbolt"
)

// The header table (format 7).
//
// Every entry a node signs with one key has the same JWS protected
// header ({"alg":"EdDSA","kid":"...","typ":"corfed-entry+jws"}, 92 bytes
// decoded), so storing it in each entry stored it a million times. A log
// keeps instead a small table of the headers its entries use, in its
// "jwsheaders" bucket (ref, 8 bytes, from 1 -> header bytes), and an
// entry with flagHeaderRef holds its header's ref as a uvarint. A log's
// table only grows, and holds at most maxHeaders headers: past that, an
// entry keeps its header inline, so a peer whose every entry has a header
// of its own costs what it did before, not a table as big as its log.
var bucketHeaders = []byte("jwsheaders")

// maxHeaders bounds a log's header table (a variable for tests).
var maxHeaders = 64

// headerTable is a log's header table as a write transaction reads it:
// the ref of each header.
type headerTable struct {
	b    *bbolt.Bucket
	refs map[string]uint64
}

// headerTable reads the table of the log's bucket b, creating the bucket.
func (l *Log) headerTable(b *bbolt.Bucket) (*headerTable, error) {
	hb, err := b.CreateBucketIfNotExists(bucketHeaders)
	if err != nil {
		return nil, l.errorf("header table: %w", err)
	}
	t := &headerTable{b: hb, refs: map[string]uint64{}}
	c := hb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return nil, l.errorf("header table key %x: %w", k, errCorrupt)
		}
		t.refs[string(v)] = binary.BigEndian.Uint64(k)
	}
	return t, nil
}

// ref returns the ref of header, adding it to the table if it is new and
// the table has room; 0 if it has none.
func (t *headerTable) ref(header []byte) (uint64, error) {
	if r, ok := t.refs[string(header)]; ok {
		return r, nil
	}
	if len(t.refs) >= maxHeaders {
		return 0, nil
	}
	r := uint64(len(t.refs)) + 1
	// bbolt keeps the value until the commit: a copy of the header, not
	// the entry value it sits in.
	h := string(header)
	if err := t.b.Put(u64(r), []byte(h)); err != nil {
		return 0, err
	}
	t.refs[h] = r
	return r, nil
}

// header returns the header of ref from the log's table. A Log keeps the
// headers it read for the transaction's life (a table is a handful).
func (l *Log) header(ref uint64) ([]byte, error) {
	for _, h := range l.headers {
		if h.ref == ref {
			return h.b, nil
		}
	}
	b, err := l.bucket(false)
	if b == nil || err != nil {
		return nil, errCorrupt
	}
	var v []byte
	if hb := b.Bucket(bucketHeaders); hb != nil {
		v = hb.Get(u64(ref))
	}
	if len(v) == 0 {
		return nil, errCorrupt
	}
	l.headers = append(l.headers, tableHeader{ref, v})
	return v, nil
}

// tableHeader is a header read from a log's table.
type tableHeader struct {
	ref uint64
	b   []byte
}
