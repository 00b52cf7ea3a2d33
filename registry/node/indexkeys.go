package node

import (
	"context"
	"strconv"

	"github.com/corfed/corfed/registry"
)

// IndexKeysVersion numbers the index keys this build gives a record
// (IndexKeys, and replicaKeys from them). A record's keys are computed
// when it is written, so a store written by a build with other keys finds
// its older records by the new keys only once corfed reindex has given
// every record this build's (or the record's next version has). The
// version is stamped in the own feed's meta: by New on an empty store, by
// corfed reindex after it rebuilds one; a store with entries and no stamp
// is version 1.
//
//  1. Every build before the stamp.
//  2. Employers are also indexed by each name's core and legal form
//     ("namecore"), which bulk match read names by.
//  3. An employer's "name" keys are registry.NameKey (without "and" and
//     "et", so a search finds "Paving and Grading" from "Paving &
//     Grading"); no "namecore" keys (a name's key now starts with its core).
//  4. A certificate based on an equivalency is indexed by it ("eqv"),
//     which a new certificate on the same equivalency is checked against.
const IndexKeysVersion = 4

// metaIndexKeys is the own feed's meta key of the stamp (decimal ASCII).
const metaIndexKeys = "index-keys"

// StoreIndexKeys returns the version of the index keys the store's records
// were given (see IndexKeysVersion).
func (n *Node) StoreIndexKeys(ctx context.Context) (int, error) {
	v := 0
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		var err error
		v, err = indexKeysOf(tx.Log(SelfLog))
		return err
	})
	return v, err
}

// indexKeysOf reads l's stamp: 0 for an empty log without one (a new
// store), 1 for a log with entries and no stamp.
func indexKeysOf(l registry.Log) (int, error) {
	raw, err := l.Meta(metaIndexKeys)
	if err != nil {
		return 0, err
	}
	if raw == nil {
		if l.Size() == 0 {
			return 0, nil
		}
		return 1, nil
	}
	return strconv.Atoi(string(raw))
}

// StampIndexKeys records in l, a store's own feed whose every record has
// this build's index keys (a new one, or one corfed reindex rebuilt), that
// they are IndexKeysVersion's.
func StampIndexKeys(l interface{ SetMeta(string, []byte) error }) error {
	return l.SetMeta(metaIndexKeys, strconv.AppendInt(nil, IndexKeysVersion, 10))
}

// stampNewStore stamps an empty store (New): every record it will hold
// gets this build's keys.
func (n *Node) stampNewStore(ctx context.Context) error {
	v, err := n.StoreIndexKeys(ctx)
	if err != nil || v != 0 {
		return err
	}
	return n.db.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
		l := tx.Log(SelfLog)
		if v, err := indexKeysOf(l); err != nil || v != 0 {
			return err
		}
		return StampIndexKeys(l)
	})
}
