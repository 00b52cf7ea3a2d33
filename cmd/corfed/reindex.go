package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/node"
)

func init() { extraCommands["reindex"] = runReindex }

// runReindex rebuilds the secondary index keys of a stopped node's store.
// A record's keys are computed when it is written, so a data directory
// written by a build whose index keys were fewer (before the status and
// program keys of certificate search, say) does not find its older records
// by the new keys until they are rewritten. reindex writes a new store next
// to the old one, replaying every entry of every log (same seq, version,
// JWS and meta, hence the same tree hashes) with the keys this build gives
// it, checks every log's size and tree hash against the old store, and
// renames the new file over the old one. Until the rename the old file is
// untouched.
func runReindex(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("reindex", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory; the node must be stopped")
	if err := parse(fl, args); err != nil {
		return err
	}
	path := filepath.Join(*dir, dbFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--data %s: no store (%s) to reindex", *dir, dbFile)
	}
	src, err := boltstore.Open(path, boltstore.Options{Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("%w (is the node running? stop it first)", err)
	}
	tmp := path + ".reindex"
	n, err := rebuildStore(ctx, src, tmp, reindexKeys)
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = stampIndexKeys(ctx, tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reindex: %w (the store is unchanged)", err)
	}
	fmt.Fprintf(stdout, "reindexed %s: %d entries in %d logs\n", path, n.entries, n.logs)
	return nil
}

// stampIndexKeys records in the rebuilt store at path that its records
// have this build's index keys (node.IndexKeysVersion), so that the node
// no longer warns that they predate them.
func stampIndexKeys(ctx context.Context, path string) error {
	db, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return err
	}
	err = db.UpdateAlone(ctx, func(tx *boltstore.Tx) error { return node.StampIndexKeys(tx.Log(node.SelfLog)) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// reindexKeys gives the newest version of a record the keys the node
// computes now (node.LogIndexKeys), or, in a log the node does not index
// by content, the keys it has. Older versions get none: only the newest
// version's keys are in the index.
func reindexKeys(log string, e registry.Entry, old *boltstore.Log) ([]registry.IndexKey, error) {
	if newest, err := old.Latest(e.Kind, e.ID); err != nil || newest.Seq != e.Seq {
		return nil, err
	}
	keys, ok, err := node.LogIndexKeys(log, e)
	if ok {
		return keys, err
	}
	return old.Keys(e.Kind, e.ID)
}

type rebuilt struct{ logs, entries int }

// rebuildStore writes a copy of src at path, each entry with the keys
// keyFn gives it, checks each log's size and tree hash, and syncs it.
func rebuildStore(ctx context.Context, src *boltstore.DB, path string,
	keyFn func(log string, e registry.Entry, old *boltstore.Log) ([]registry.IndexKey, error)) (rebuilt, error) {
	var n rebuilt
	os.Remove(path)
	dst, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return n, err
	}
	err = src.View(ctx, func(stx *boltstore.Tx) error {
		for _, name := range stx.Logs() {
			if err := copyLog(ctx, stx.Log(name), dst, keyFn, &n); err != nil {
				return fmt.Errorf("log %q: %w", name, err)
			}
			n.logs++
		}
		return nil
	})
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// copyChunk is how many entries or meta values one transaction copies.
const copyChunk = 2000

func copyLog(ctx context.Context, old *boltstore.Log, dst *boltstore.DB,
	keyFn func(log string, e registry.Entry, old *boltstore.Log) ([]registry.IndexKey, error), n *rebuilt) error {
	name := old.Name()
	for after := uint64(0); after < old.Size(); {
		es, err := old.Entries(after, copyChunk)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return fmt.Errorf("no entry after seq %d of %d", after, old.Size())
		}
		keys := make([][]registry.IndexKey, len(es))
		// A record's slot (a certificate's status list index) is set with
		// its first version; later versions carry it.
		type slotted struct {
			ids   []string
			slots []uint64
		}
		slots := map[registry.Kind]*slotted{}
		for i, e := range es {
			if keys[i], err = keyFn(name, e, old); err != nil {
				return fmt.Errorf("seq %d: %w", e.Seq, err)
			}
			if e.Ver != 1 {
				continue
			}
			if slot, ok, err := old.Slot(e.Kind, e.ID); err != nil {
				return fmt.Errorf("seq %d: %w", e.Seq, err)
			} else if ok {
				if slots[e.Kind] == nil {
					slots[e.Kind] = &slotted{}
				}
				s := slots[e.Kind]
				s.ids, s.slots = append(s.ids, e.ID), append(s.slots, slot)
			}
		}
		err = dst.UpdateAlone(ctx, func(tx *boltstore.Tx) error {
			l := tx.Log(name)
			for i, e := range es {
				if err := l.Append(e, keys[i]...); err != nil {
					return err
				}
			}
			for kind, s := range slots {
				if err := l.SetSlots(kind, s.ids, s.slots); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = es[len(es)-1].Seq
		n.entries += len(es)
	}
	metaKeys, err := old.MetaKeys("")
	if err != nil {
		return err
	}
	for len(metaKeys) > 0 {
		part := metaKeys[:min(copyChunk, len(metaKeys))]
		metaKeys = metaKeys[len(part):]
		err := dst.UpdateAlone(ctx, func(tx *boltstore.Tx) error {
			l := tx.Log(name)
			for _, k := range part {
				v, err := old.Meta(k)
				if err != nil {
					return err
				}
				if err := l.SetMeta(k, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	want, err := old.TreeHash(old.Size())
	if err != nil {
		return err
	}
	return dst.View(ctx, func(tx *boltstore.Tx) error {
		l := tx.Log(name)
		got, err := l.TreeHash(l.Size())
		if err != nil {
			return err
		}
		if l.Size() != old.Size() || got != want {
			return fmt.Errorf("the copy has %d entries and tree hash %x, the store %d and %x", l.Size(), got, old.Size(), want)
		}
		return nil
	})
}
