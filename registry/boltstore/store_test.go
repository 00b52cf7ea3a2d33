package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/registry"
)

var bg = context.Background()

// entry returns a test entry; its JWS is unique per (log content) position.
func entry(seq uint64, kind registry.Kind, id string, ver uint64) registry.Entry {
	return registry.Entry{
		Iss:    "CA-QC",
		Seq:    seq,
		Kind:   kind,
		ID:     id,
		Ver:    ver,
		Iat:    1700000000 + int64(seq),
		Record: []byte(fmt.Sprintf(`{"id": %q, "ver": %d}`, id, ver)),
		JWS:    fmt.Sprintf("eyJhbGciOiJFZERTQSJ9.%s-%s-%d-%d.c2ln", kind, id, ver, seq),
	}
}

func openTest(t testing.TB, path string) *DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "store.db")
	}
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// appendAll appends es, in one transaction, to the log name.
func appendAll(t testing.TB, db *DB, name string, es ...registry.Entry) {
	t.Helper()
	err := db.Update(bg, func(tx *Tx) error {
		l := tx.Log(name)
		for _, e := range es {
			if err := l.Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
}

func view(t testing.TB, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.View(bg, fn); err != nil {
		t.Fatal(err)
	}
}

func seqs(es []registry.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestAppendReadRoundTrip(t *testing.T) {
	db := openTest(t, "")
	es := []registry.Entry{
		entry(1, registry.KindEmployer, "E1", 1),
		entry(2, registry.KindEmployer, "E2", 1),
		entry(3, registry.KindEmployer, "E1", 2),
		entry(4, registry.KindCertificate, "C1", 1),
		entry(5, registry.KindEmployer, "E1", 3),
	}
	es[1].Record = []byte("{ \"spaces\" :  true }") // kept byte for byte
	appendAll(t, db, "self", es...)

	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		if got, want := l.Size(), uint64(5); got != want {
			t.Errorf("Size: got %d, want %d", got, want)
		}
		for _, want := range es {
			got, err := l.Entry(want.Seq)
			if err != nil {
				t.Fatalf("Entry(%d): %v", want.Seq, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Entry(%d): got %+v, want %+v", want.Seq, got, want)
			}
		}
		if _, err := l.Entry(6); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Entry(6): got %v, want ErrNotFound", err)
		}
		if _, err := l.Entry(0); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Entry(0): got %v, want ErrNotFound", err)
		}

		for _, tc := range []struct {
			name  string
			after uint64
			limit int
			want  []uint64
		}{
			{"all", 0, registry.MaxScan, []uint64{1, 2, 3, 4, 5}},
			{"after 2", 2, registry.MaxScan, []uint64{3, 4, 5}},
			{"limit 2", 0, 2, []uint64{1, 2}},
			{"after 3 limit 1", 3, 1, []uint64{4}},
			{"after last", 5, 10, nil},
			{"after max", ^uint64(0), 10, nil},
		} {
			t.Run("Entries/"+tc.name, func(t *testing.T) {
				got, err := l.Entries(tc.after, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(seqs(got), tc.want) {
					t.Errorf("got seqs %v, want %v", seqs(got), tc.want)
				}
			})
		}

		t.Run("Latest", func(t *testing.T) {
			got, err := l.Latest(registry.KindEmployer, "E1")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, es[4]) {
				t.Errorf("got %+v, want %+v", got, es[4])
			}
			if _, err := l.Latest(registry.KindCertificate, "E1"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("Latest of another kind: got %v, want ErrNotFound", err)
			} else if want := fmt.Sprintf("log %q: certificate E1: not found", l.Name()); err.Error() != want {
				t.Errorf("Latest of another kind: error %q, want %q", err, want)
			}
		})
		t.Run("Version", func(t *testing.T) {
			got, err := l.Version(registry.KindEmployer, "E1", 2)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != 3 {
				t.Errorf("got seq %d, want 3", got.Seq)
			}
			if _, err := l.Version(registry.KindEmployer, "E1", 4); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("Version 4: got %v, want ErrNotFound", err)
			}
		})
		t.Run("Versions", func(t *testing.T) {
			got, err := l.Versions(registry.KindEmployer, "E1")
			if err != nil {
				t.Fatal(err)
			}
			if want := []uint64{1, 3, 5}; !slices.Equal(seqs(got), want) {
				t.Errorf("got seqs %v, want %v", seqs(got), want)
			}
			if _, err := l.Versions(registry.KindEmployer, "E9"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("Versions of missing: got %v, want ErrNotFound", err)
			}
		})
		t.Run("Count", func(t *testing.T) {
			if got, want := l.Count(registry.KindEmployer), 2; got != want {
				t.Errorf("employers: got %d, want %d", got, want)
			}
			if got, want := l.Count(registry.KindCertificate), 1; got != want {
				t.Errorf("certificates: got %d, want %d", got, want)
			}
			if got, want := l.Count(registry.KindAgreement), 0; got != want {
				t.Errorf("agreements: got %d, want %d", got, want)
			}
		})
		return nil
	})
}

// snapshot is what a failed Append must leave unchanged.
type snapshot struct {
	Size    uint64
	Entries []registry.Entry
	E1      []registry.Entry
	Lookup  []RecordRef
	Tree    string
	Count   int
}

func takeSnapshot(t *testing.T, db *DB) snapshot {
	t.Helper()
	var s snapshot
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		s.Size = l.Size()
		var err error
		if s.Entries, err = l.Entries(0, registry.MaxScan); err != nil {
			return err
		}
		if s.E1, err = l.Versions(registry.KindEmployer, "E1"); err != nil {
			return err
		}
		if s.Lookup, err = l.Lookup("bn", "", true, registry.MaxScan); err != nil {
			return err
		}
		h, err := l.TreeHash(l.Size())
		s.Tree = h.String()
		s.Count = l.Count(registry.KindEmployer)
		return err
	})
	return s
}

func TestAppendRefused(t *testing.T) {
	db := openTest(t, "")
	err := db.Update(bg, func(tx *Tx) error {
		l := tx.Log("self")
		if err := l.Append(entry(1, registry.KindEmployer, "E1", 1), IndexKey{Name: "bn", Value: "111"}); err != nil {
			return err
		}
		return l.Append(entry(2, registry.KindEmployer, "E1", 2), IndexKey{Name: "bn", Value: "222"})
	})
	if err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, db)

	noJWS := entry(3, registry.KindEmployer, "E2", 1)
	noJWS.JWS = ""
	for _, tc := range []struct {
		name string
		e    registry.Entry
		keys []IndexKey
		want error
	}{
		{"seq gap", entry(4, registry.KindEmployer, "E2", 1), nil, registry.ErrConflict},
		{"seq replayed", entry(2, registry.KindEmployer, "E2", 1), nil, registry.ErrConflict},
		{"seq zero", entry(0, registry.KindEmployer, "E2", 1), nil, registry.ErrConflict},
		{"version replayed", entry(3, registry.KindEmployer, "E1", 2), nil, registry.ErrConflict},
		{"version skipped", entry(3, registry.KindEmployer, "E1", 4), nil, registry.ErrConflict},
		{"new record not version 1", entry(3, registry.KindEmployer, "E2", 2), nil, registry.ErrConflict},
		{"new record version 0", entry(3, registry.KindEmployer, "E2", 0), nil, registry.ErrConflict},
		{"empty JWS", noJWS, nil, registry.ErrConflict},
		{"empty kind", entry(3, "", "E2", 1), nil, registry.ErrInvalid},
		{"empty id", entry(3, registry.KindEmployer, "", 1), nil, registry.ErrInvalid},
		{"NUL in id", entry(3, registry.KindEmployer, "E\x002", 1), nil, registry.ErrInvalid},
		{"empty key name", entry(3, registry.KindEmployer, "E2", 1), []IndexKey{{Name: "", Value: "x"}}, registry.ErrInvalid},
		{"NUL in key value", entry(3, registry.KindEmployer, "E2", 1), []IndexKey{{Name: "bn", Value: "1\x002"}}, registry.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var appendErr error
			// Commit the transaction whatever Append says: a refused Append
			// must have written nothing.
			err := db.Update(bg, func(tx *Tx) error {
				appendErr = tx.Log("self").Append(tc.e, tc.keys...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(appendErr, tc.want) {
				t.Errorf("Append: got %v, want %v", appendErr, tc.want)
			}
			if after := takeSnapshot(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("store changed:\ngot  %+v\nwant %+v", after, before)
			}
		})
	}
}

func TestIndexKeys(t *testing.T) {
	db := openTest(t, "")
	err := db.Update(bg, func(tx *Tx) error {
		l := tx.Log("self")
		for _, a := range []struct {
			e    registry.Entry
			keys []IndexKey
		}{
			{entry(1, registry.KindEmployer, "E1", 1), []IndexKey{{Name: "bn", Value: "111"}, {Name: "name", Value: "beton quebec"}}},
			{entry(2, registry.KindEmployer, "E2", 1), []IndexKey{{Name: "bn", Value: "222"}, {Name: "name", Value: "beton abitibi"}, {Name: "name", Value: "beton a"}}},
			{entry(3, registry.KindCertificate, "C1", 1), []IndexKey{{Name: "number", Value: "000266"}, {Name: "bn", Value: "111"}}},
			{entry(4, registry.KindEmployer, "E3", 1), []IndexKey{{Name: "bn", Value: "333"}, {Name: "name", Value: "construction x"}, {Name: "empty", Value: ""}}},
			// New version of E1: new bn, new name; the old ones must no longer find it.
			{entry(5, registry.KindEmployer, "E1", 2), []IndexKey{{Name: "bn", Value: "444"}, {Name: "name", Value: "beton quebec inc"}}},
			// New version of E3 without keys.
			{entry(6, registry.KindEmployer, "E3", 2), nil},
		} {
			if err := l.Append(a.e, a.keys...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	E1 := RecordRef{Kind: registry.KindEmployer, ID: "E1"}
	E2 := RecordRef{Kind: registry.KindEmployer, ID: "E2"}
	C1 := RecordRef{Kind: registry.KindCertificate, ID: "C1"}
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		for _, tc := range []struct {
			name, key, value string
			prefix           bool
			limit            int
			want             []RecordRef
		}{
			{"old bn no longer finds", "bn", "111", false, registry.MaxScan, []RecordRef{C1}},
			{"new bn finds", "bn", "444", false, registry.MaxScan, []RecordRef{E1}},
			{"exact is not prefix", "bn", "44", false, registry.MaxScan, nil},
			{"old name gone", "name", "beton quebec", false, registry.MaxScan, nil},
			{"prefix ordered by value", "name", "beton", true, registry.MaxScan, []RecordRef{E2, E1}},
			{"prefix dedups a record", "name", "beton a", true, registry.MaxScan, []RecordRef{E2}},
			{"prefix limit", "name", "beton", true, 1, []RecordRef{E2}},
			{"prefix all bn ordered by value", "bn", "", true, registry.MaxScan, []RecordRef{C1, E2, E1}},
			{"keys of older version removed", "bn", "333", false, registry.MaxScan, nil},
			{"empty value ignored", "empty", "", true, registry.MaxScan, nil},
			{"other name", "number", "000266", false, registry.MaxScan, []RecordRef{C1}},
			{"no match", "bn", "999", true, registry.MaxScan, nil},
			{"unknown name", "nope", "x", true, registry.MaxScan, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := l.Lookup(tc.key, tc.value, tc.prefix, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("Lookup(%q, %q, %v, %d): got %v, want %v", tc.key, tc.value, tc.prefix, tc.limit, got, tc.want)
				}
			})
		}
		if _, err := l.Lookup("", "x", false, registry.MaxScan); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Lookup with empty name: got %v, want ErrInvalid", err)
		}
		for _, limit := range []int{0, -1, registry.MaxScan + 1} {
			if _, err := l.Lookup("bn", "", true, limit); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Lookup limit %d: got %v, want ErrInvalid (there is no \"all\")", limit, err)
			}
			if _, err := l.Entries(0, limit); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Entries limit %d: got %v, want ErrInvalid (there is no \"all\")", limit, err)
			}
		}
		keys, err := l.Keys(registry.KindEmployer, "E1")
		if err != nil {
			t.Fatal(err)
		}
		if want := []IndexKey{{Name: "bn", Value: "444"}, {Name: "name", Value: "beton quebec inc"}}; !slices.Equal(keys, want) {
			t.Errorf("Keys(E1): got %v, want %v", keys, want)
		}
		return nil
	})
}

func TestScan(t *testing.T) {
	db := openTest(t, "")
	appendAll(t, db, "self",
		entry(1, registry.KindEmployer, "E3", 1),
		entry(2, registry.KindEmployer, "E1", 1),
		entry(3, registry.KindCertificate, "C1", 1),
		entry(4, registry.KindEmployer, "E2", 1),
		entry(5, registry.KindEmployer, "E1", 2),
		entry(6, registry.Kind("employerz"), "E0", 1), // a kind that starts with "employer"
	)
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		for _, tc := range []struct {
			name string
			stop int // stop after this many, 0 for never
			want []string
		}{
			{"all", 0, []string{"E1/2", "E2/1", "E3/1"}},
			{"stop after 2", 2, []string{"E1/2", "E2/1"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got []string
				err := l.Scan(registry.KindEmployer, func(e registry.Entry) bool {
					got = append(got, fmt.Sprintf("%s/%d", e.ID, e.Ver))
					return tc.stop == 0 || len(got) < tc.stop
				})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
		return nil
	})
}

func TestMeta(t *testing.T) {
	db := openTest(t, "")
	err := db.Update(bg, func(tx *Tx) error {
		l := tx.Log("peer/CA-BC")
		for k, v := range map[string]string{"cursor": "42", "checkpoint/1": "a", "checkpoint/2": "b", "empty": ""} {
			if err := l.SetMeta(k, []byte(v)); err != nil {
				return err
			}
		}
		if err := l.SetMeta("gone", []byte("x")); err != nil {
			return err
		}
		return l.DeleteMeta("gone")
	})
	if err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx *Tx) error {
		l := tx.Log("peer/CA-BC")
		for _, tc := range []struct {
			key  string
			want []byte
		}{
			{"cursor", []byte("42")},
			{"checkpoint/1", []byte("a")},
			{"empty", []byte{}},
			{"gone", nil},
			{"never", nil},
		} {
			t.Run(tc.key, func(t *testing.T) {
				got, err := l.Meta(tc.key)
				if err != nil {
					t.Fatal(err)
				}
				if (got == nil) != (tc.want == nil) || string(got) != string(tc.want) {
					t.Errorf("Meta(%q): got %q (nil %v), want %q (nil %v)", tc.key, got, got == nil, tc.want, tc.want == nil)
				}
			})
		}
		keys, err := l.MetaKeys("checkpoint/")
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"checkpoint/1", "checkpoint/2"}; !slices.Equal(keys, want) {
			t.Errorf("MetaKeys: got %v, want %v", keys, want)
		}
		if got, want := l.Size(), uint64(0); got != want {
			t.Errorf("Size of a meta-only log: got %d, want %d", got, want)
		}
		if err := l.SetMeta("x", nil); err == nil {
			t.Errorf("SetMeta in a read-only transaction: got nil error")
		}
		return nil
	})
	// Meta returns a copy that outlives the transaction.
	var v []byte
	view(t, db, func(tx *Tx) error {
		var err error
		v, err = tx.Log("peer/CA-BC").Meta("cursor")
		return err
	})
	if string(v) != "42" {
		t.Errorf("Meta after the transaction: got %q, want %q", v, "42")
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "store.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.Entry{
		entry(1, registry.KindEmployer, "E1", 1),
		entry(2, registry.KindEmployer, "E1", 2),
	}
	var wantTree string
	err = db.Update(bg, func(tx *Tx) error {
		l := tx.Log("self")
		if err := l.Append(want[0], IndexKey{Name: "bn", Value: "1"}); err != nil {
			return err
		}
		if err := l.Append(want[1], IndexKey{Name: "bn", Value: "2"}); err != nil {
			return err
		}
		h, err := l.TreeHash(2)
		wantTree = h.String()
		if err != nil {
			return err
		}
		return l.SetMeta("k", []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("file mode: got %v, want %v", got, want)
	}

	db = openTest(t, path)
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		got, err := l.Entries(0, registry.MaxScan)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Entries: got %+v, want %+v", got, want)
		}
		refs, _ := l.Lookup("bn", "2", false, registry.MaxScan)
		if want := []RecordRef{{Kind: registry.KindEmployer, ID: "E1"}}; !slices.Equal(refs, want) {
			t.Errorf("Lookup: got %v, want %v", refs, want)
		}
		h, _ := l.TreeHash(2)
		if h.String() != wantTree {
			t.Errorf("TreeHash: got %v, want %v", h, wantTree)
		}
		m, _ := l.Meta("k")
		if string(m) != "v" {
			t.Errorf("Meta: got %q, want %q", m, "v")
		}
		return nil
	})
	// The reopened file goes on where it stopped.
	appendAll(t, db, "self", entry(3, registry.KindEmployer, "E1", 3))
}

func TestLogsIndependent(t *testing.T) {
	db := openTest(t, "")
	appendAll(t, db, "self", entry(1, registry.KindEmployer, "E1", 1), entry(2, registry.KindEmployer, "E2", 1))
	bc := entry(1, registry.KindEmployer, "E1", 1)
	bc.Iss = "CA-BC"
	bc.JWS = "other.jws.sig"
	appendAll(t, db, "peer/CA-BC", bc)
	view(t, db, func(tx *Tx) error {
		if got, want := tx.Logs(), []string{"peer/CA-BC", "self"}; !slices.Equal(got, want) {
			t.Errorf("Logs: got %v, want %v", got, want)
		}
		for _, tc := range []struct {
			log  string
			size uint64
			iss  registry.Jurisdiction
		}{
			{"self", 2, "CA-QC"},
			{"peer/CA-BC", 1, "CA-BC"},
			{"peer/CA-ON", 0, ""},
		} {
			t.Run(tc.log, func(t *testing.T) {
				l := tx.Log(tc.log)
				if got := l.Size(); got != tc.size {
					t.Errorf("Size: got %d, want %d", got, tc.size)
				}
				e, err := l.Latest(registry.KindEmployer, "E1")
				if tc.size == 0 {
					if !errors.Is(err, registry.ErrNotFound) {
						t.Errorf("Latest in missing log: got %v, want ErrNotFound", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if e.Iss != tc.iss {
					t.Errorf("Latest.Iss: got %q, want %q", e.Iss, tc.iss)
				}
			})
		}
		return nil
	})
}

func TestMissingLogReadsEmpty(t *testing.T) {
	db := openTest(t, "")
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		if got := l.Size(); got != 0 {
			t.Errorf("Size: got %d, want 0", got)
		}
		if got := tx.Logs(); len(got) != 0 {
			t.Errorf("Logs: got %v, want none", got)
		}
		for name, err := range map[string]error{
			"Entry":    second(l.Entry(1)),
			"Latest":   second(l.Latest(registry.KindEmployer, "E1")),
			"Version":  second(l.Version(registry.KindEmployer, "E1", 1)),
			"Versions": second(l.Versions(registry.KindEmployer, "E1")),
		} {
			if !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", name, err)
			}
		}
		if es, err := l.Entries(0, registry.MaxScan); err != nil || len(es) != 0 {
			t.Errorf("Entries: got %v, %v; want none", es, err)
		}
		if refs, err := l.Lookup("bn", "1", true, registry.MaxScan); err != nil || len(refs) != 0 {
			t.Errorf("Lookup: got %v, %v; want none", refs, err)
		}
		if m, err := l.Meta("x"); err != nil || m != nil {
			t.Errorf("Meta: got %v, %v; want nil, nil", m, err)
		}
		if got := l.Count(registry.KindEmployer); got != 0 {
			t.Errorf("Count: got %d, want 0", got)
		}
		if _, err := l.TreeHash(0); err != nil {
			t.Errorf("TreeHash(0): %v", err)
		}
		if err := tx.Log("").Append(entry(1, registry.KindEmployer, "E1", 1)); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Append to log with empty name: got %v, want ErrInvalid", err)
		}
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

var errBoom = errors.New("boom")

func TestUpdateErrorLeavesNothing(t *testing.T) {
	db := openTest(t, "")
	appendAll(t, db, "self", entry(1, registry.KindEmployer, "E1", 1))
	for _, tc := range []struct {
		name   string
		update func(context.Context, func(*Tx) error) error
	}{
		{"Update", db.Update},
		{"UpdateAlone", db.UpdateAlone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.update(bg, func(tx *Tx) error {
				l := tx.Log("self")
				if err := l.Append(entry(2, registry.KindEmployer, "E1", 2), IndexKey{Name: "bn", Value: "2"}); err != nil {
					return err
				}
				if err := tx.Log("other").SetMeta("k", []byte("v")); err != nil {
					return err
				}
				return fmt.Errorf("after writing: %w", errBoom)
			})
			if !errors.Is(err, errBoom) {
				t.Fatalf("got %v, want errBoom", err)
			}
			view(t, db, func(tx *Tx) error {
				if got, want := tx.Log("self").Size(), uint64(1); got != want {
					t.Errorf("Size: got %d, want %d", got, want)
				}
				if got := tx.Logs(); !slices.Equal(got, []string{"self"}) {
					t.Errorf("Logs: got %v, want [self]", got)
				}
				if refs, _ := tx.Log("self").Lookup("bn", "2", false, registry.MaxScan); len(refs) != 0 {
					t.Errorf("Lookup: got %v, want none", refs)
				}
				return nil
			})
		})
	}
}

// TestConcurrentUpdate has many goroutines append through Update, with some
// calls failing inside the same batches: the successful appends get
// distinct, gapless seqs, and each is on disk, at its seq, after reopening.
func TestConcurrentUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(path, Options{}) // durable: fsync on
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 32, 10
	type result struct {
		id  string
		seq uint64
		err error
	}
	results := make([][]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("W%02d-%02d", w, i)
				fail := (w+i)%7 == 0
				var seq uint64 // assigned, not appended: fn may run more than once
				err := db.Update(bg, func(tx *Tx) error {
					l := tx.Log("self")
					seq = l.Size() + 1
					if err := l.Append(entry(seq, registry.KindCertificate, id, 1), IndexKey{Name: "id", Value: id}); err != nil {
						return err
					}
					if fail {
						return errBoom
					}
					return nil
				})
				results[w] = append(results[w], result{id, seq, err})
			}
		})
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	want := map[uint64]string{}
	failed := map[string]bool{}
	for w := range results {
		for _, r := range results[w] {
			if r.err != nil {
				if !errors.Is(r.err, errBoom) {
					t.Errorf("%s: got error %v, want nil or errBoom", r.id, r.err)
				}
				failed[r.id] = true
				continue
			}
			if other, dup := want[r.seq]; dup {
				t.Errorf("seq %d given to %s and %s", r.seq, other, r.id)
			}
			want[r.seq] = r.id
		}
	}
	if len(failed) == 0 {
		t.Fatal("no call failed; the test does not exercise batch retries")
	}
	n := uint64(len(want))
	for s := uint64(1); s <= n; s++ {
		if _, ok := want[s]; !ok {
			t.Errorf("seq %d: not returned to any call (gap)", s)
		}
	}

	db = openTest(t, path)
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		if got := l.Size(); got != n {
			t.Errorf("Size after reopen: got %d, want %d", got, n)
		}
		for s, id := range want {
			e, err := l.Entry(s)
			if err != nil {
				t.Errorf("Entry(%d): %v", s, err)
				continue
			}
			if e.ID != id {
				t.Errorf("Entry(%d).ID: got %s, want %s", s, e.ID, id)
			}
		}
		for id := range failed {
			if _, err := l.Latest(registry.KindCertificate, id); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("failed call %s: got %v, want ErrNotFound", id, err)
			}
		}
		if got, want := l.Count(registry.KindCertificate), len(want); got != want {
			t.Errorf("Count: got %d, want %d", got, want)
		}
		return nil
	})
}

func TestContextAndClosed(t *testing.T) {
	db := openTest(t, "")
	ctx, cancel := context.WithCancel(bg)
	cancel()
	called := false
	fn := func(*Tx) error { called = true; return nil }
	for _, tc := range []struct {
		name string
		run  func(context.Context, func(*Tx) error) error
	}{
		{"Update", db.Update},
		{"UpdateAlone", db.UpdateAlone},
		{"View", db.View},
	} {
		t.Run(tc.name+"/cancelled", func(t *testing.T) {
			if err := tc.run(ctx, fn); !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			if called {
				t.Errorf("fn was called")
			}
		})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		run  func(context.Context, func(*Tx) error) error
	}{
		{"Update", db.Update},
		{"UpdateAlone", db.UpdateAlone},
		{"View", db.View},
	} {
		t.Run(tc.name+"/closed", func(t *testing.T) {
			err := tc.run(bg, fn)
			if !errors.Is(err, ErrClosed) || !errors.Is(err, registry.ErrUnavailable) {
				t.Errorf("got %v, want ErrClosed wrapping ErrUnavailable", err)
			}
		})
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	openTest(t, path)
	start := time.Now()
	db, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		db.Close()
		t.Fatal("second Open: got nil error, want the file to be locked")
	}
	if !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestFormatVersion(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(tx *bbolt.Tx) error // on a raw bbolt file, before Open
		ok    bool
	}{
		{"new file", nil, true},
		{"current version", func(tx *bbolt.Tx) error {
			b, _ := tx.CreateBucket([]byte("corfed"))
			return b.Put([]byte("format"), fmt.Appendf(nil, "%d", FormatVersion))
		}, true},
		{"version 1 (one hash per key)", func(tx *bbolt.Tx) error {
			b, _ := tx.CreateBucket([]byte("corfed"))
			return b.Put([]byte("format"), []byte("1"))
		}, false},
		{"unknown version", func(tx *bbolt.Tx) error {
			b, _ := tx.CreateBucket([]byte("corfed"))
			return b.Put([]byte("format"), []byte("99"))
		}, false},
		{"no version", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("corfed"))
			return err
		}, false},
		{"not a corfed store", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("something else"))
			return err
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "store.db")
			if tc.setup != nil {
				raw, err := bbolt.Open(path, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := raw.Update(tc.setup); err != nil {
					t.Fatal(err)
				}
				raw.Close()
			}
			db, err := Open(path, Options{NoSync: true})
			if tc.ok {
				if err != nil {
					t.Fatalf("Open: got %v, want nil", err)
				}
				db.Close()
				return
			}
			if err == nil {
				db.Close()
				t.Fatal("Open: got nil error, want the file refused")
			}
			if !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Open: got %v, want ErrInvalid", err)
			}
		})
	}
}

// TestLogVersion: a log's version changes once a write transaction that
// appended to it has returned (Update or UpdateAlone), and not for
// transactions that wrote elsewhere or only read.
func TestLogVersion(t *testing.T) {
	db := openTest(t, "")
	defer db.Close()
	appendTo := func(name string) func(tx *Tx) error {
		return func(tx *Tx) error {
			l := tx.Log(name)
			return l.Append(entry(l.Size()+1, "employer", fmt.Sprint("e", l.Size()), 1))
		}
	}
	for _, tc := range []struct {
		name    string
		run     func() error
		changed bool
	}{
		{"UpdateAlone appends to self", func() error { return db.UpdateAlone(bg, appendTo("self")) }, true},
		{"Update appends to self", func() error { return db.Update(bg, appendTo("self")) }, true},
		{"Update appends to another log", func() error { return db.Update(bg, appendTo("replica/CA-QC")) }, false},
		{"View reads self", func() error {
			return db.View(bg, func(tx *Tx) error { tx.Log("self").Size(); return nil })
		}, false},
		{"UpdateAlone writes meta only", func() error {
			return db.UpdateAlone(bg, func(tx *Tx) error { return tx.Log("self").SetMeta("k", []byte("v")) })
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := db.LogVersion("self")
			if err := tc.run(); err != nil {
				t.Fatal(err)
			}
			if after := db.LogVersion("self"); (after != before) != tc.changed {
				t.Errorf("version %d -> %d, want changed=%v", before, after, tc.changed)
			}
		})
	}
}
