package tiles

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gocloud.dev/blob"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

// SnapshotPolicy says when a publisher writes bulk copies of the log
// beside its tiles, for those who want the whole registry as one file
// (GLEIF's golden copy and deltas, for example):
//
//	snapshot/<size>.jsonl.gz     entries 1 to <size>
//	delta/<from>-<to>.jsonl.gz   entries <from>+1 to <to>
//
// Each file is gzip of JSON lines, one per entry in seq order, exactly
// {"seq":<n>,"jws":"<compact JWS>"} and a line feed. Anyone can rebuild
// the registry from a snapshot and later deltas, and check them against
// the log: the leaf hashes SHA-256(0x00 || jws) of entries 1 to <size>
// give the tree of <size> leaves, whose root must equal the root that the
// signed checkpoint's tiles give for that size (tlog.TreeHash over
// tlog.TileHashReader); ReadBulk parses a file, CheckBulk does the check.
// A file is written once and never changes.
type SnapshotPolicy struct {
	Every      uint64 // entries between two snapshots; 0: no snapshots
	DeltaEvery uint64 // entries between two deltas; 0: no deltas

	last      uint64 // size of the newest snapshot (once known)
	lastDelta uint64 // end of the newest delta
	known     bool
}

// write writes the snapshot and delta that are due at size.
func (sp *SnapshotPolicy) write(ctx context.Context, s *Store, l Log, size uint64) error {
	if sp.Every == 0 && sp.DeltaEvery == 0 {
		return nil
	}
	if !sp.known {
		var err error
		if sp.last, err = newest(ctx, s, "snapshot/"); err != nil {
			return err
		}
		if sp.lastDelta, err = newest(ctx, s, "delta/"); err != nil {
			return err
		}
		sp.known = true
	}
	if sp.DeltaEvery > 0 && size >= sp.lastDelta+sp.DeltaEvery {
		if err := writeBulk(ctx, s, l, fmt.Sprintf("delta/%d-%d.jsonl.gz", sp.lastDelta, size), sp.lastDelta, size); err != nil {
			return err
		}
		sp.lastDelta = size
	}
	if sp.Every > 0 && size >= sp.last+sp.Every {
		if err := writeBulk(ctx, s, l, fmt.Sprintf("snapshot/%d.jsonl.gz", size), 0, size); err != nil {
			return err
		}
		sp.last = size
	}
	return nil
}

// newest returns the largest tree size named under prefix (0 if none).
func newest(ctx context.Context, s *Store, prefix string) (uint64, error) {
	var max uint64
	it := s.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return max, nil
		}
		if err != nil {
			return 0, err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), ".jsonl.gz")
		if _, to, ok := strings.Cut(name, "-"); ok {
			name = to
		}
		if n, err := strconv.ParseUint(name, 10, 64); err == nil && n > max {
			max = n
		}
	}
}

// bulkLine is one line of a snapshot or delta.
type bulkLine struct {
	Seq uint64 `json:"seq"`
	JWS string `json:"jws"`
}

// writeBulk streams entries from+1 to to into path.
func writeBulk(ctx context.Context, s *Store, l Log, path string, from, to uint64) (err error) {
	// A write that fails part way must publish nothing: gocloud's Close
	// completes the upload unless the writer's context was cancelled, and
	// a cut-off file under an immutable name would never be replaced.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, path, &blob.WriterOptions{ContentType: "application/gzip", CacheControl: cacheImmutable})
	if err != nil {
		return fmt.Errorf("tiles: %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			cancel()
		}
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("tiles: %s: %w", path, cerr)
		}
	}()
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for after := from; after < to; {
		es, _, err := l.Feed(ctx, after, int(min(to-after, 1000)))
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return fmt.Errorf("tiles: %s: the feed ends at seq %d, want %d", path, after, to)
		}
		for _, e := range es {
			if e.Seq != after+1 {
				return fmt.Errorf("tiles: %s: the feed gave seq %d, want %d", path, e.Seq, after+1)
			}
			if err := enc.Encode(bulkLine{Seq: e.Seq, JWS: e.JWS}); err != nil {
				return err
			}
			after++
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// MaxBulkLine bounds one line of a bulk file.
const MaxBulkLine = MaxEntrySize + 64

// ReadBulk reads a snapshot or delta (gzip of JSON lines, see
// SnapshotPolicy) whose first entry is seq from+1, calling fn for each
// entry in order. It checks the format strictly: each line exactly the
// encoding ReadBulk's writer gives, seqs consecutive. It returns the seq
// of the last entry. Errors wrap registry.ErrInvalid.
func ReadBulk(r io.Reader, from uint64, fn func(seq uint64, jws []byte) error) (uint64, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return from, fmt.Errorf("bulk: %v: %w", err, registry.ErrInvalid)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), MaxBulkLine+1)
	sc.Split(splitLF)
	next := from + 1
	for sc.Scan() {
		var l bulkLine
		line := sc.Bytes()
		if err := json.Unmarshal(line, &l); err != nil {
			return next - 1, fmt.Errorf("bulk: line of seq %d: %v: %w", next, err, registry.ErrInvalid)
		}
		want, _ := json.Marshal(l)
		if string(want) != string(line) || l.Seq != next || l.JWS == "" || len(l.JWS) > MaxEntrySize {
			return next - 1, fmt.Errorf("bulk: line %q is not {\"seq\":%d,\"jws\":...}: %w", clip(string(line)), next, registry.ErrInvalid)
		}
		if err := fn(l.Seq, []byte(l.JWS)); err != nil {
			return next - 1, err
		}
		next++
	}
	if err := sc.Err(); err != nil {
		return next - 1, fmt.Errorf("bulk: %v: %w", err, registry.ErrInvalid)
	}
	return next - 1, nil
}

// errNoLF: the last line of a bulk file has no line feed.
var errNoLF = errors.New("the last line has no line feed")

// splitLF splits lines at a line feed only, as they are written: unlike
// bufio.ScanLines it keeps a carriage return (the line then fails the
// comparison with its encoding) and refuses a last line with no line feed.
func splitLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return 0, nil, errNoLF
	}
	return 0, nil, nil
}

// BulkName is what a bulk file's name says it holds: entries From+1 to To.
// A snapshot has From 0. Delta marks a file named as a delta: the first
// delta a publisher writes starts at 0 (delta/0-<to>.jsonl.gz) and holds
// what a snapshot of its size holds, and is checked as one.
type BulkName struct {
	From, To uint64
	Delta    bool
}

// Path returns the file's path under a log's prefix:
// snapshot/<To>.jsonl.gz, or delta/<From>-<To>.jsonl.gz.
func (b BulkName) Path() string {
	if b.From == 0 && !b.Delta {
		return fmt.Sprintf("snapshot/%d.jsonl.gz", b.To)
	}
	return fmt.Sprintf("delta/%d-%d.jsonl.gz", b.From, b.To)
}

// ParseBulkName reads a bulk file's name: its last element is
// <size>.jsonl.gz (a snapshot) or <from>-<to>.jsonl.gz (a delta), sizes in
// canonical decimal, from < to. Errors wrap registry.ErrInvalid.
func ParseBulkName(name string) (BulkName, error) {
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	stem, ok := strings.CutSuffix(base, ".jsonl.gz")
	num := func(s string) (uint64, bool) {
		n, err := strconv.ParseUint(s, 10, 64)
		return n, err == nil && strconv.FormatUint(n, 10) == s
	}
	if ok {
		if a, b, isDelta := strings.Cut(stem, "-"); isDelta {
			from, ok1 := num(a)
			to, ok2 := num(b)
			if ok1 && ok2 && from < to {
				return BulkName{From: from, To: to, Delta: true}, nil
			}
		} else if to, ok := num(stem); ok && to > 0 {
			return BulkName{To: to}, nil
		}
	}
	return BulkName{}, fmt.Errorf("bulk: %q is not named <size>.jsonl.gz or <from>-<to>.jsonl.gz: %w", clip(base), registry.ErrInvalid)
}

// CheckBulk checks a bulk file that holds entries name.From+1 to name.To
// against vt, a tree verified against the log's signed checkpoint: the
// file must parse (ReadBulk) and hold exactly those entries, each hashing
// to the tree's leaf at its place (a missing, extra, reordered or altered
// entry is ErrTampered; a file that ends early is truncated), and for a
// snapshot the root recomputed from its entries alone must equal the
// tree's root at name.To, so that a snapshot and a checkpoint of the same
// size need nothing else. name.To beyond the tree is refused (a checkpoint
// that does not cover the file cannot vouch for it). each, if not nil, is
// called with every entry after its leaf matched, in order (the caller
// verifies the JWS against the log's keys there); its error stops the check.
func CheckBulk(ctx context.Context, r io.Reader, name BulkName, vt *VerifiedTree, each func(seq uint64, jws []byte) error) error {
	if name.To > uint64(vt.tree.N) {
		return fmt.Errorf("bulk %s: entries up to seq %d, but the verified checkpoint covers %d: check it against a newer checkpoint: %w",
			name.Path(), name.To, vt.tree.N, registry.ErrInvalid)
	}
	var rb rootBuilder
	batch := make([][]byte, 0, TileWidth) // entries whose leaves are not checked yet
	first := name.From + 1                // seq of batch[0]
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		idx := make([]int64, len(batch))
		for i := range batch {
			idx[i] = tlog.StoredHashIndex(0, int64(first)-1+int64(i))
		}
		hashes, err := vt.hr.ReadHashes(idx)
		if err != nil {
			return vt.tileErr(err)
		}
		for i, e := range batch {
			h := tlog.RecordHash(e)
			if h != hashes[i] {
				return misbehaved(ErrTampered, "bulk %s: the entry on the line of seq %d is not the log's entry of that seq", name.Path(), first+uint64(i))
			}
			if name.From == 0 {
				rb.add(h)
			}
			if each != nil {
				if err := each(first+uint64(i), e); err != nil {
					return err
				}
			}
		}
		first += uint64(len(batch))
		batch = batch[:0]
		return ctx.Err()
	}
	last, err := ReadBulk(r, name.From, func(seq uint64, jws []byte) error {
		if seq > name.To {
			return misbehaved(ErrTampered, "bulk %s: a line of seq %d after the last entry the name gives", name.Path(), seq)
		}
		batch = append(batch, jws)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if last != name.To {
		return fmt.Errorf("bulk %s: ends after seq %d, want %d (truncated): %w", name.Path(), last, name.To, registry.ErrInvalid)
	}
	if name.From == 0 {
		want, err := tlog.TreeHash(int64(name.To), vt.hr)
		if err != nil {
			return vt.tileErr(err)
		}
		if got := rb.root(); got != want {
			return misbehaved(ErrTampered, "bulk %s: its entries give root %s, the signed tree %s", name.Path(), got, want)
		}
	}
	return nil
}

// rootBuilder computes the RFC 6962 root of leaves added one by one,
// keeping one hash per level (the roots of the complete subtrees so far).
type rootBuilder struct {
	n     uint64
	stack []tlog.Hash
}

func (b *rootBuilder) add(leaf tlog.Hash) {
	b.stack = append(b.stack, leaf)
	b.n++
	for m := b.n; m&1 == 0; m >>= 1 {
		k := len(b.stack)
		b.stack[k-2] = tlog.NodeHash(b.stack[k-2], b.stack[k-1])
		b.stack = b.stack[:k-1]
	}
}

func (b *rootBuilder) root() tlog.Hash {
	if len(b.stack) == 0 {
		return tlog.Hash{}
	}
	h := b.stack[len(b.stack)-1]
	for i := len(b.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(b.stack[i], h)
	}
	return h
}
