package boltstore

import (
	"bytes"
	"slices"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/registry"
)

// IndexKey is registry.IndexKey, the secondary index key of a record
// version (kept under this name for callers written before the Store
// contract moved to package registry).
type IndexKey = registry.IndexKey

// RecordRef is registry.RecordRef.
type RecordRef = registry.RecordRef

// checkKeys validates keys and returns them without empty values and
// duplicates.
func (l *Log) checkKeys(kind registry.Kind, id string, keys []IndexKey) ([]IndexKey, error) {
	out := make([]IndexKey, 0, len(keys))
	for _, k := range keys {
		if k.Name == "" || strings.IndexByte(k.Name, 0) >= 0 || strings.IndexByte(k.Value, 0) >= 0 {
			return nil, l.errorf("%s %s: index key %q=%q: name must be non-empty, name and value must contain no NUL: %w",
				kind, id, k.Name, k.Value, registry.ErrInvalid)
		}
		if k.Value != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

func indexKey(k IndexKey, rk []byte) []byte {
	b := make([]byte, 0, len(k.Name)+len(k.Value)+len(rk)+2)
	b = append(b, k.Name...)
	b = append(b, 0)
	b = append(b, k.Value...)
	b = append(b, 0)
	return append(b, rk...)
}

// Keys returns the current index keys of the record (those given to the
// Append of its newest version, without empty values and duplicates), or
// an error wrapping registry.ErrNotFound if the record does not exist.
func (l *Log) Keys(kind registry.Kind, id string) ([]IndexKey, error) {
	ver, seq, err := l.latest(kind, id)
	if err != nil {
		return nil, err
	}
	if ver == 0 {
		return nil, l.errorf("%s %s: %w", kind, id, registry.ErrNotFound)
	}
	entries, err := l.sub(bucketEntries)
	if err != nil {
		return nil, err
	}
	v := entries.Get(u64(seq))
	if v == nil {
		return nil, l.errorf("%s %s: newest entry %d: %w", kind, id, seq, errCorrupt)
	}
	keys, err := entryKeys(v)
	if err != nil {
		return nil, l.errorf("%s %s: index keys: %w", kind, id, err)
	}
	return keys, nil
}

// Lookup returns the records whose current index key called name has the
// value value (prefix false) or a value starting with value (prefix true),
// at most limit of them (1 to registry.MaxScan), ordered by (value, kind, id)
// in byte order. A record that has several matching values appears once,
// at its first. It seeks to the first match and reads only matches.
// An empty or NUL-containing name, or a NUL in value, wraps
// registry.ErrInvalid; no match is not an error.
func (l *Log) Lookup(name, value string, prefix bool, limit int) ([]RecordRef, error) {
	if l.err != nil {
		return nil, l.err
	}
	if limit < 1 || limit > registry.MaxScan {
		return nil, l.errorf("lookup %q=%q: limit %d: must be 1 to %d: %w", name, value, limit, registry.MaxScan, registry.ErrInvalid)
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
		return nil, l.errorf("lookup %q=%q: name must be non-empty, name and value must contain no NUL: %w",
			name, value, registry.ErrInvalid)
	}
	p := make([]byte, 0, len(name)+len(value)+2)
	p = append(p, name...)
	p = append(p, 0)
	p = append(p, value...)
	if !prefix {
		p = append(p, 0)
	}
	runs, err := l.lookupRuns(p, prefix)
	if runs == nil || err != nil {
		return nil, err
	}
	var out []RecordRef
	var seen map[RecordRef]bool
	it := newMergedIter(runs, p, p)
	for k := it.nextLive(); k != nil; k = it.nextLive() {
		// k is name 0 value 0 kind 0 id; name, value and kind contain no NUL.
		// Cut rather than SplitN: no slice of parts per key.
		_, rest, ok1 := bytes.Cut(k[len(name)+1:], []byte{0})
		kind, id, ok2 := bytes.Cut(rest, []byte{0})
		if !ok1 || !ok2 {
			return nil, l.errorf("index key %q: %w", k, errCorrupt)
		}
		ref := RecordRef{Kind: registry.Kind(kind), ID: string(id)}
		if prefix {
			if seen[ref] {
				continue
			}
			if seen == nil {
				seen = make(map[RecordRef]bool)
			}
			seen[ref] = true
		}
		out = append(out, ref)
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// lookupRuns returns the runs a Lookup of p (name 0x00 value, and 0x00
// unless prefix) reads, newest first: for an exact value, only those whose
// filter (filter.go) may hold it. A million records' index has about a
// dozen runs, and an exact lookup (a business number, an audit a
// certificate rests on: every import row asks several) sought each.
func (l *Log) lookupRuns(p []byte, prefix bool) ([]*bbolt.Bucket, error) {
	if prefix || l.tx.filters == nil {
		return l.indexRuns()
	}
	prs, err := l.pointerRuns()
	if err != nil || len(prs) == 0 {
		return nil, err
	}
	h := l.tx.filters.hash(p)
	runs := make([]*bbolt.Bucket, 0, len(prs))
	for _, r := range prs {
		if r.f == nil || r.f.keys.mayHold(h) {
			runs = append(runs, r.b)
		}
	}
	return runs, nil
}

// Walk calls fn with each entry of the index called name whose value
// starts with prefix and that comes after after in (value, kind, id) byte
// order (from the first, when after is the zero IndexHit), in that order,
// until fn returns false or the entries run out. It seeks once and then
// reads only the entries it passes to fn. Errors are those of Lookup.
func (l *Log) Walk(name, prefix string, after registry.IndexHit, fn func(registry.IndexHit) bool) error {
	if l.err != nil {
		return l.err
	}
	if err := registry.CheckWalk(name, prefix, after); err != nil {
		return l.errorf("%w", err)
	}
	runs, err := l.indexRuns()
	if runs == nil || err != nil {
		return err
	}
	p := make([]byte, 0, len(name)+len(prefix)+1)
	p = append(p, name...)
	p = append(p, 0)
	p = append(p, prefix...)
	start := p
	var from []byte
	if after != (registry.IndexHit{}) {
		from = indexKey(IndexKey{Name: name, Value: after.Value}, recordKey(after.Ref.Kind, after.Ref.ID))
		if bytes.Compare(from, start) > 0 {
			start = from
		}
	}
	it := newMergedIter(runs, p, start)
	k := it.nextLive()
	if k != nil && from != nil && bytes.Equal(k, from) {
		k = it.nextLive()
	}
	for ; k != nil; k = it.nextLive() {
		parts := bytes.SplitN(k[len(name)+1:], []byte{0}, 3)
		if len(parts) != 3 {
			return l.errorf("index key %q: %w", k, errCorrupt)
		}
		if !fn(registry.IndexHit{Value: string(parts[0]), Ref: RecordRef{Kind: registry.Kind(parts[1]), ID: string(parts[2])}}) {
			return nil
		}
	}
	return nil
}
