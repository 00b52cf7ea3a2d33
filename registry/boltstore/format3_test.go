package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// signedEntries returns n entries of log iss signed with a real Ed25519
// key, with versions: every third entry is a new version of an earlier
// record.
func signedEntries(t testing.TB, iss registry.Jurisdiction, n int) ([]registry.Entry, [][]IndexKey) {
	t.Helper()
	key, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var es []registry.Entry
	var keys [][]IndexKey
	vers := map[string]uint64{}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("C%05d", i)
		if i%3 == 0 {
			id = fmt.Sprintf("C%05d", i-1)
		}
		vers[id]++
		rec := fmt.Sprintf(`{"id":%q,"name":"Builders \"%d\" Ltd.","note":"%s"}`, id, i, strings.Repeat("x", i%40))
		env := registry.Envelope{Iss: iss, Seq: uint64(i), Kind: registry.KindCertificate, ID: id, Ver: vers[id], Iat: 1700000000 + int64(i),
			Record: []byte(rec)}
		if i%2 == 0 {
			env.By = &registry.Author{Role: "cp", CP: "ACSA", Token: fmt.Sprint("jti-", i)}
		}
		payload, err := registry.EncodeEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		jws, err := key.Sign(payload, registry.EntryType)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, registry.Entry{Iss: env.Iss, Seq: env.Seq, Kind: env.Kind, ID: env.ID, Ver: env.Ver, Iat: env.Iat, By: env.By,
			Record: env.Record, JWS: jws})
		keys = append(keys, []IndexKey{{Name: "name", Value: fmt.Sprintf("builders %d", i)}, {Name: "status", Value: "active"}})
	}
	return es, keys
}

// TestEntryStoredOnce: a signed entry's value holds the JWS once, decoded,
// and not the record beside it; it reads back exactly.
func TestEntryStoredOnce(t *testing.T) {
	es, keys := signedEntries(t, "CA-AB", 6)
	for i, e := range es {
		v := encodeEntry(e, keys[i])
		if len(v) >= len(e.JWS) {
			t.Errorf("entry %d: value is %d bytes, the JWS alone %d: want the JWS stored decoded, once", e.Seq, len(v), len(e.JWS))
		}
		if bytes.Contains(v, []byte(e.JWS)) || bytes.Count(v, e.Record) != 1 {
			t.Errorf("entry %d: the record is stored %d times, want once (inside the payload)", e.Seq, bytes.Count(v, e.Record))
		}
		got, err := decodeEntry(e.Seq, v)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("entry %d: round trip: %v\n got %+v\nwant %+v", e.Seq, err, got, e)
		}
		if ks, err := entryKeys(v); err != nil || !reflect.DeepEqual(ks, keys[i]) {
			t.Errorf("entry %d: keys %v, %v; want %v", e.Seq, ks, err, keys[i])
		}
	}
	// What cannot be derived is stored as given: a JWS that is not
	// canonical base64url, a record other than the payload's.
	e := es[0]
	for name, f := range map[string]func(*registry.Entry){
		"padded JWS":     func(e *registry.Entry) { e.JWS += "==" },
		"not a JWS":      func(e *registry.Entry) { e.JWS = "not.a.jws!" },
		"other record":   func(e *registry.Entry) { e.Record = []byte(`{"other":true}`) },
		"no record":      func(e *registry.Entry) { e.Record = nil },
		"record prefix":  func(e *registry.Entry) { e.Record = e.Record[:len(e.Record)-1] },
		"four segments":  func(e *registry.Entry) { e.JWS += ".x" },
		"non-canonical":  func(e *registry.Entry) { e.JWS = e.JWS[:len(e.JWS)-1] + "B" },
		"empty segments": func(e *registry.Entry) { e.JWS = ".." },
	} {
		e := e
		f(&e)
		got, err := decodeEntry(e.Seq, encodeEntry(e, nil))
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("%s: round trip: %v\n got %+v\nwant %+v", name, err, got, e)
		}
	}
}

// FuzzDecodeEntry: any value decodes or fails without panicking, and a
// decoded entry encodes to a value that decodes to the same entry.
func FuzzDecodeEntry(f *testing.F) {
	es, keys := signedEntries(f, "CA-AB", 4)
	for i, e := range es {
		f.Add(encodeEntry(e, keys[i]))
	}
	f.Add(encodeEntry(entry(1, "certificate", "X", 1), nil))
	f.Add(encodeEntry(entry(2, "certificate", "Y", 1), statusLikeKeys))
	f.Add([]byte{entryEncodingV3, 0xff})
	if v := encodeEntry(es[0], keys[0]); v[1]&flagEnvelope == 0 {
		f.Fatal("a signed entry is not stored as its envelope")
	} else if start, end, ok := headerSpan(v); ok {
		f.Add(withHeaderRef(v, start, end, 1))
		f.Add(withHeaderRef(v, start, end, 2))
	}
	// Ref 1 is a header of the table, as a log's would be.
	table := func(ref uint64) ([]byte, error) {
		if ref == 1 {
			return []byte(`{"alg":"EdDSA","kid":"k1","typ":"corfed-entry+jws"}`), nil
		}
		return nil, errCorrupt
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		e, err := decodeEntryWith(7, v, table)
		if err != nil {
			return
		}
		ks, err := entryKeys(v)
		if err != nil {
			t.Fatalf("decodes but its keys do not: %v", err)
		}
		again, err := decodeEntry(7, encodeEntry(e, ks))
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("re-encoding: %v\n got %+v\nwant %+v", err, again, e)
		}
		if ks2, err := entryKeys(encodeEntry(e, ks)); err != nil || len(ks2) != len(ks) || (len(ks) > 0 && !reflect.DeepEqual(ks2, ks)) {
			t.Fatalf("re-encoding the keys: %v\n got %q\nwant %q", err, ks2, ks)
		}
	})
}

// writeFormat2 writes a format-2 file as the builds before format 3 did
// (their Append, with the "keys" bucket and every version listed).
func writeFormat2(t *testing.T, path string, logs map[string][]registry.Entry, keys map[string][][]IndexKey, meta map[string]string) {
	t.Helper()
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	err = raw.Update(func(tx *bbolt.Tx) error {
		st, _ := tx.CreateBucket(bucketStore)
		st.Put(keyFormat, []byte("2"))
		root, _ := tx.CreateBucket(bucketLogs)
		for name, es := range logs {
			b, _ := root.CreateBucket([]byte(name))
			for _, s := range append(subBuckets, bucketKeys) {
				b.CreateBucket(s)
			}
			hashes := map[int64]tlog.Hash{}
			for i, e := range es {
				rk := recordKey(e.Kind, e.ID)
				b.Bucket(bucketEntries).Put(u64(e.Seq), encodeEntryV2(e))
				b.Bucket(bucketRecords).Put(rk, binary.BigEndian.AppendUint64(u64(e.Ver), e.Seq))
				b.Bucket(bucketVersions).Put(versionKey(e.Kind, e.ID, e.Ver), u64(e.Seq))
				if e.Ver == 1 {
					c := b.Bucket(bucketCounts)
					var n uint64
					if v := c.Get([]byte(e.Kind)); len(v) == 8 {
						n = binary.BigEndian.Uint64(v)
					}
					c.Put([]byte(e.Kind), u64(n+1))
				}
				if old := b.Bucket(bucketKeys).Get(rk); old != nil {
					oks, _ := decodeKeys(old)
					for _, k := range oks {
						b.Bucket(bucketIndex).Delete(indexKey(k, rk))
					}
				}
				for _, k := range keys[name][i] {
					b.Bucket(bucketIndex).Put(indexKey(k, rk), nil)
				}
				b.Bucket(bucketKeys).Put(rk, encodeKeys(keys[name][i]))
				hs, err := tlog.StoredHashes(int64(i), []byte(e.JWS), tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
					out := make([]tlog.Hash, len(ix))
					for j, x := range ix {
						out[j] = hashes[x]
					}
					return out, nil
				}))
				if err != nil {
					return err
				}
				var v []byte
				for j, h := range hs {
					hashes[tlog.StoredHashIndex(0, int64(i))+int64(j)] = h
					v = append(v, h[:]...)
				}
				b.Bucket(bucketHashes).Put(u64(uint64(i)), v)
			}
			for k, v := range meta {
				b.Bucket(bucketMeta).Put([]byte(k), []byte(v))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// encodeEntryV2 is a format-2 entry value.
func encodeEntryV2(e registry.Entry) []byte {
	b := []byte{entryEncodingV1}
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendUvarint(b, e.Ver)
	b = binary.AppendVarint(b, e.Iat)
	b = appendBytes(b, string(e.Iss))
	b = appendBytes(b, string(e.Kind))
	b = appendBytes(b, e.ID)
	b = appendBytes(b, string(e.Record))
	b = appendBytes(b, e.JWS)
	if e.By != nil {
		b = append(b, entryAuthor)
		b = appendBytes(b, e.By.Role)
		b = appendBytes(b, e.By.CP)
		b = appendBytes(b, e.By.Token)
	}
	return b
}

func encodeKeys(keys []IndexKey) []byte {
	var b []byte
	for _, k := range keys {
		b = appendBytes(b, k.Name)
		b = appendBytes(b, k.Value)
	}
	return b
}

// TestMigrateFormat2: Open migrates a format-2 file to format 3 in place;
// every entry, version, index key, count, meta value and tree hash reads
// the same, and the log takes new appends.
func TestMigrateFormat2(t *testing.T) {
	self, selfKeys := signedEntries(t, "CA-AB", 40)
	peer, peerKeys := signedEntries(t, "CA-BC", 25)
	peer[4].JWS = "h.unsplittable-" + peer[4].ID + ".s" // stored as given
	logs := map[string][]registry.Entry{"self": self, "peer/CA-BC": peer}
	keys := map[string][][]IndexKey{"self": selfKeys, "peer/CA-BC": peerKeys}
	path := filepath.Join(t.TempDir(), "store.db")
	writeFormat2(t, path, logs, keys, map[string]string{"cursor": "17"})
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	db := openTest(t, path)
	if _, err := os.Stat(path + ".format3"); !os.IsNotExist(err) {
		t.Errorf("the migration's temporary file is left: %v", err)
	}
	err = db.View(bg, func(tx *Tx) error {
		if v := string(tx.tx.Bucket(bucketStore).Get(keyFormat)); v != fmt.Sprint(FormatVersion) {
			t.Errorf("format %q after migration, want %d", v, FormatVersion)
		}
		for name, es := range logs {
			l := tx.Log(name)
			if l.Size() != uint64(len(es)) {
				t.Fatalf("%s: size %d, want %d", name, l.Size(), len(es))
			}
			got, err := l.Entries(0, len(es))
			if err != nil || !reflect.DeepEqual(got, es) {
				t.Errorf("%s: entries differ after migration: %v", name, err)
			}
			var leaves []tlog.Hash
			for _, e := range es {
				leaves = append(leaves, tlog.RecordHash([]byte(e.JWS)))
			}
			th, err := l.TreeHash(uint64(len(es)))
			if want := treeOf(leaves); err != nil || th != want {
				t.Errorf("%s: tree hash %v, %v; want %v", name, th, err, want)
			}
			latest := map[string]int{}
			for i, e := range es {
				latest[e.ID] = i
				v, err := l.Version(e.Kind, e.ID, e.Ver)
				if err != nil || !reflect.DeepEqual(v, e) {
					t.Errorf("%s: version %s/%d: %v", name, e.ID, e.Ver, err)
				}
			}
			for id, i := range latest {
				ks, err := l.Keys(registry.KindCertificate, id)
				if err != nil || !reflect.DeepEqual(ks, keys[name][i]) {
					t.Errorf("%s: keys of %s: %v, %v; want %v", name, id, ks, err, keys[name][i])
				}
				vs, err := l.Versions(registry.KindCertificate, id)
				if err != nil || uint64(len(vs)) != es[i].Ver {
					t.Errorf("%s: %s has %d versions (%v), want %d", name, id, len(vs), err, es[i].Ver)
				}
				refs, err := l.Lookup("name", keys[name][i][0].Value, false, 10)
				if err != nil || len(refs) != 1 || refs[0].ID != id {
					t.Errorf("%s: lookup of %s: %v, %v", name, id, refs, err)
				}
			}
			if n := l.Count(registry.KindCertificate); n != len(latest) {
				t.Errorf("%s: count %d, want %d", name, n, len(latest))
			}
			if m, err := l.Meta("cursor"); err != nil || string(m) != "17" {
				t.Errorf("%s: meta %q, %v", name, m, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// New versions after the migration: of a record with one version, of
	// one with two.
	next := self[len(self)-1].Seq
	err = db.Update(bg, func(tx *Tx) error {
		e := self[0]
		e.Seq, e.Ver, e.JWS = next+1, 2, "h.new-1.s"
		if err := tx.Log("self").Append(e, IndexKey{Name: "name", Value: "renamed"}); err != nil {
			return err
		}
		e = self[2] // C00002 version 2
		e.Seq, e.Ver, e.JWS = next+2, 3, "h.new-2.s"
		return tx.Log("self").Append(e)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(bg, func(tx *Tx) error {
		l := tx.Log("self")
		for id, n := range map[string]int{"C00001": 2, "C00002": 3} {
			if vs, err := l.Versions(registry.KindCertificate, id); err != nil || len(vs) != n || vs[0].Seq != map[string]uint64{"C00001": 1, "C00002": 2}[id] {
				t.Errorf("%s: versions after migration and append: %d, %v", id, len(vs), err)
			}
		}
		if refs, _ := l.Lookup("name", selfKeys[0][0].Value, false, 10); len(refs) != 0 {
			t.Errorf("the old version's key still finds the record: %v", refs)
		}
		if refs, _ := l.Lookup("name", "renamed", false, 10); len(refs) != 1 {
			t.Errorf("the new version's key does not find the record: %v", refs)
		}
		return nil
	})
	db.Close()
	after, _ := os.Stat(path)
	t.Logf("format 2: %d bytes; migrated to format 3: %d bytes", before.Size(), after.Size())
}

func treeOf(leaves []tlog.Hash) tlog.Hash {
	hashes := map[int64]tlog.Hash{}
	r := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for j, x := range ix {
			out[j] = hashes[x]
		}
		return out, nil
	})
	for i := range leaves {
		hs, _ := tlog.StoredHashesForRecordHash(int64(i), leaves[i], r)
		for j, x := range hs {
			hashes[tlog.StoredHashIndex(0, int64(i))+int64(j)] = x
		}
	}
	th, _ := tlog.TreeHash(int64(len(leaves)), r)
	return th
}
