package tiles

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gocloud.dev/blob"

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
	w, err := s.b.NewWriter(ctx, path, &blob.WriterOptions{ContentType: "application/gzip", CacheControl: cacheImmutable})
	if err != nil {
		return fmt.Errorf("tiles: %s: %w", path, err)
	}
	defer func() {
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
