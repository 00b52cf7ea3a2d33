package boltstore

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
)

// dump returns every key and value of the file, by bucket path.
func dump(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(path string, b *bbolt.Bucket)
	walk = func(path string, b *bbolt.Bucket) {
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(path+"/"+string(k), b.Bucket(k))
			} else {
				out[fmt.Sprintf("%s/%q", path, k)] = string(v)
			}
			return nil
		})
	}
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			walk(string(name), b)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func key(name, value string) IndexKey { return IndexKey{Name: name, Value: value} }

// TestAppendBatch checks that AppendBatch stores exactly what the same
// Appends one by one store, for records new in the batch, updated from a
// stored version and updated more than once in the batch, with index keys
// kept, changed, removed and put back.
func TestAppendBatch(t *testing.T) {
	stored := []registry.Entry{
		entry(1, "certificate", "a1", 1), entry(2, "certificate", "a2", 1),
		entry(3, "certificate", "a3", 1), entry(4, "certificate", "a4", 1),
	}
	storedKeys := [][]IndexKey{
		{key("name", "alpha"), key("st", "x"), key("emp", "E1")},
		{key("name", "beta")},
		{key("name", "gamma")},
		{key("name", "eps"), key("st", "x")},
	}
	batch := []registry.Entry{
		entry(5, "certificate", "a1", 2),  // same keys
		entry(6, "certificate", "a2", 2),  // a key changed
		entry(7, "certificate", "n1", 1),  // new
		entry(8, "certificate", "n1", 2),  // a key removed, previous in the batch
		entry(9, "certificate", "a1", 3),  // previous in the batch
		entry(10, "certificate", "n1", 3), // the removed key back
		entry(11, "certificate", "a3", 2), // every key removed
		entry(12, "employer", "a1", 1),    // another kind, same id
		entry(13, "certificate", "a4", 2), // a key removed, then
		entry(14, "certificate", "a4", 3), // put back
	}
	batchKeys := [][]IndexKey{
		{key("name", "alpha"), key("st", "x"), key("emp", "E1")},
		{key("name", "beta2")},
		{key("name", "delta"), key("emp", "E1"), key("emp", "E1"), key("st", "")},
		{key("name", "delta")},
		{key("name", "alpha"), key("st", "y")},
		{key("name", "delta"), key("emp", "E1")},
		nil,
		{key("name", "alpha")},
		{key("name", "eps")},
		{key("name", "eps"), key("st", "x")},
	}
	write := func(t *testing.T, how string) *DB {
		db := openTest(t, "")
		err := db.Update(bg, func(tx *Tx) error {
			for i, e := range stored {
				if err := tx.Log("self").Append(e, storedKeys[i]...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(bg, func(tx *Tx) error {
			l := tx.Log("self")
			switch how {
			case "batch":
				_, err := l.AppendBatch(batch, batchKeys)
				return err
			case "prepared":
				_, err := l.AppendPrepared(prepareAll(db, batch, batchKeys))
				return err
			}
			for i, e := range batch {
				if err := l.Append(e, batchKeys[i]...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	one := dump(t, write(t, "appends"))
	for _, how := range []string{"batch", "prepared"} {
		many := dump(t, write(t, how))
		for _, k := range slices.Sorted(maps.Keys(one)) {
			if many[k] != one[k] {
				t.Errorf("%s: %s stored %q, appends %q", k, how, many[k], one[k])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(many)) {
			if _, ok := one[k]; !ok {
				t.Errorf("%s: %s stored %q, appends nothing", k, how, many[k])
			}
		}
	}

	db := write(t, "prepared")
	cert := func(id string) RecordRef { return RecordRef{Kind: "certificate", ID: id} }
	for _, c := range []struct {
		name, value string
		want        []RecordRef
	}{
		{"name", "alpha", []RecordRef{cert("a1"), {Kind: "employer", ID: "a1"}}},
		{"st", "x", []RecordRef{cert("a4")}},
		{"st", "y", []RecordRef{cert("a1")}},
		{"emp", "E1", []RecordRef{cert("n1")}},
		{"name", "beta", nil},
		{"name", "gamma", nil},
	} {
		view(t, db, func(tx *Tx) error {
			got, err := tx.Log("self").Lookup(c.name, c.value, false, 10)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("Lookup(%s=%s) = %v, %v; want %v", c.name, c.value, got, err, c.want)
			}
			return nil
		})
	}
}

// TestAppendBatchRefused checks that a batch with an entry the checks
// refuse writes nothing and blames that entry.
func TestAppendBatchRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		batch []registry.Entry
		keys  [][]IndexKey
		blame int
		want  error
	}{
		{"seq gap", []registry.Entry{entry(2, "c", "x", 1), entry(4, "c", "y", 1)}, nil, 1, registry.ErrConflict},
		{"ver after one in the batch", []registry.Entry{entry(2, "c", "x", 1), entry(3, "c", "x", 1)}, nil, 1, registry.ErrConflict},
		{"ver of a stored record", []registry.Entry{entry(2, "c", "y", 1), entry(3, "c", "s", 1)}, nil, 1, registry.ErrConflict},
		{"bad key", []registry.Entry{entry(2, "c", "x", 1), entry(3, "c", "y", 1)},
			[][]IndexKey{nil, {key("", "v")}}, 1, registry.ErrInvalid},
		{"empty id", []registry.Entry{entry(2, "c", "", 1)}, nil, 0, registry.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t, "")
			appendAll(t, db, "self", entry(1, "c", "s", 1))
			before := dump(t, db)
			err := db.Update(bg, func(tx *Tx) error {
				i, err := tx.Log("self").AppendBatch(c.batch, c.keys)
				if !errors.Is(err, c.want) || i != c.blame {
					t.Errorf("AppendBatch = %d, %v; want %d, %v", i, err, c.blame, c.want)
				}
				i, err = tx.Log("self").AppendPrepared(prepareAll(db, c.batch, c.keys))
				if !errors.Is(err, c.want) || i != c.blame {
					t.Errorf("AppendPrepared = %d, %v; want %d, %v", i, err, c.blame, c.want)
				}
				return nil // commit: whatever they wrote would stay
			})
			if err != nil {
				t.Fatal(err)
			}
			if after := dump(t, db); !maps.Equal(before, after) {
				t.Errorf("the refused batch changed the file")
			}
		})
	}
}

// prepareAll prepares es (es[i] with keys[i]) as a writer does: each in a
// goroutine of its own, through the registry.Store of db.
func prepareAll(db *DB, es []registry.Entry, keys [][]IndexKey) []registry.PreparedAppend {
	ps := make([]registry.PreparedAppend, len(es))
	prep := db.Store().(registry.PreparingStore)
	var wg sync.WaitGroup
	for i, e := range es {
		var ks []IndexKey
		if i < len(keys) {
			ks = keys[i]
		}
		wg.Go(func() { ps[i] = prep.PrepareAppend(e, ks) })
	}
	wg.Wait()
	return ps
}

// notPrepared is a registry.PreparedAppend that boltstore did not make.
type notPrepared struct{ e registry.Entry }

func (p notPrepared) Entry() registry.Entry { return p.e }

// TestAppendPreparedForeign checks that AppendPrepared refuses, writing
// nothing, a prepared entry that another store (or none) made.
func TestAppendPreparedForeign(t *testing.T) {
	db := openTest(t, "")
	appendAll(t, db, "self", entry(1, "c", "s", 1))
	before := dump(t, db)
	ps := prepareAll(db, []registry.Entry{entry(2, "c", "x", 1)}, nil)
	ps = append(ps, notPrepared{entry(3, "c", "y", 1)})
	err := db.Update(bg, func(tx *Tx) error {
		i, err := tx.Log("self").AppendPrepared(ps)
		if !errors.Is(err, registry.ErrInvalid) || i != 1 {
			t.Errorf("AppendPrepared = %d, %v; want 1, ErrInvalid", i, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := dump(t, db); !maps.Equal(before, after) {
		t.Errorf("the refused batch changed the file")
	}
}
