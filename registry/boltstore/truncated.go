package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	"github.com/corfed/corfed/registry"
)

// bbolt's meta page, as bbolt 1.x lays it out (go.etcd.io/bbolt/internal/
// common): a page header of 16 bytes (id, flags, count, overflow), then
// magic, version, page size, flags (4 bytes each), the root bucket (root
// page, sequence), the freelist page, the high water mark (pgid: the
// number of pages in use), the transaction id and an FNV-64a checksum of
// the bytes before it, in the machine's byte order.
const (
	metaHeader    = 16
	metaMagic     = 0xED0CDAED
	metaVersion   = 2
	metaOffPage   = 8
	metaOffPgid   = 40
	metaOffTxid   = 48
	metaOffSum    = 56
	metaSize      = 64
	metaReadBytes = metaHeader + metaSize
)

// CheckNotTruncated refuses a bbolt file (an error wrapping
// registry.ErrInvalid) shorter than the pages its meta page says are in
// use, before bbolt maps it; Open calls it, and any other bbolt file
// should be checked with it before bbolt.Open: bbolt does not compare the two,
// and a read of a page past the file's end is a SIGBUS that kills the
// process (in Open when the freelist is past the end, else at the first
// read that touches a missing page). The meta page is the one bbolt would
// use: the valid one (magic, version, checksum) with the larger
// transaction id. A file that does not exist, is empty, or has no valid
// meta page is left to bbolt (which creates it, or refuses it).
//
// The check is made once, at Open: a file that another process cuts
// while it is open is not guarded against (a file's owner can do worse).
func CheckNotTruncated(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	type meta struct{ pageSize, pgid, txid uint64 }
	read := func(off int64) (meta, bool) {
		var b [metaReadBytes]byte
		if _, err := f.ReadAt(b[:], off); err != nil && !errors.Is(err, io.EOF) {
			return meta{}, false
		} else if off+metaReadBytes > size {
			return meta{}, false
		}
		m := b[metaHeader:]
		e := binary.NativeEndian
		if e.Uint32(m) != metaMagic || e.Uint32(m[4:]) != metaVersion {
			return meta{}, false
		}
		h := fnv.New64a()
		h.Write(m[:metaOffSum])
		if h.Sum64() != e.Uint64(m[metaOffSum:]) {
			return meta{}, false
		}
		return meta{pageSize: uint64(e.Uint32(m[metaOffPage:])), pgid: e.Uint64(m[metaOffPgid:]), txid: e.Uint64(m[metaOffTxid:])}, true
	}
	m0, ok0 := read(0)
	var m1 meta
	ok1 := false
	if ok0 {
		m1, ok1 = read(int64(m0.pageSize))
	} else {
		// Page 0 is damaged: find page 1 as bbolt does, trying page
		// sizes from 1 KiB.
		for i := range 15 {
			if m1, ok1 = read(1024 << i); ok1 && m1.pageSize == 1024<<i {
				break
			}
			ok1 = false
		}
	}
	var m meta
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		m = m1
	case ok0:
		m = m0
	default:
		return nil
	}
	if m.pageSize == 0 || m.pgid > uint64(size)/m.pageSize {
		return fmt.Errorf("%s is truncated: its meta page (transaction %d) names %d pages of %d bytes (%d bytes), the file holds %d bytes: it is a partial copy (a copy or restore that did not finish, a full disk); restore it from a complete backup: %w",
			path, m.txid, m.pgid, m.pageSize, m.pgid*m.pageSize, size, registry.ErrInvalid)
	}
	return nil
}
