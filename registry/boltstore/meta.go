package boltstore

import (
	"bytes"

	"github.com/corfed/corfed/registry"
)

func (l *Log) checkMetaKey(key string) error {
	if l.err != nil {
		return l.err
	}
	if key == "" {
		return l.errorf("meta key: must be non-empty: %w", registry.ErrInvalid)
	}
	return nil
}

// Meta returns a copy of the value stored under key in the log's meta area,
// or nil and no error if there is none. A stored empty value reads as a
// non-nil empty slice.
func (l *Log) Meta(key string) ([]byte, error) {
	if err := l.checkMetaKey(key); err != nil {
		return nil, err
	}
	meta, err := l.sub(bucketMeta)
	if meta == nil || err != nil {
		return nil, err
	}
	k, v := meta.Cursor().Seek([]byte(key))
	if k == nil || string(k) != key {
		return nil, nil
	}
	return append([]byte{}, v...), nil
}

// SetMeta stores value under key in the log's meta area, creating the log
// if needed. It needs a read-write transaction.
func (l *Log) SetMeta(key string, value []byte) error {
	if err := l.checkMetaKey(key); err != nil {
		return err
	}
	b, err := l.bucket(true)
	if err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	if err := b.Bucket(bucketMeta).Put([]byte(key), value); err != nil {
		return l.errorf("set meta %q: %w", key, err)
	}
	return nil
}

// DeleteMeta removes key from the log's meta area; a missing key or log is
// not an error. It needs a read-write transaction.
func (l *Log) DeleteMeta(key string) error {
	if err := l.checkMetaKey(key); err != nil {
		return err
	}
	meta, err := l.sub(bucketMeta)
	if meta == nil || err != nil {
		return err
	}
	if err := meta.Delete([]byte(key)); err != nil {
		return l.errorf("delete meta %q: %w", key, err)
	}
	return nil
}

// MetaKeys returns the keys of the log's meta area that start with prefix,
// in byte order.
func (l *Log) MetaKeys(prefix string) ([]string, error) {
	if l.err != nil {
		return nil, l.err
	}
	meta, err := l.sub(bucketMeta)
	if meta == nil || err != nil {
		return nil, err
	}
	var keys []string
	p := []byte(prefix)
	c := meta.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		keys = append(keys, string(k))
	}
	return keys, nil
}
