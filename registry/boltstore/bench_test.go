package boltstore

import (
	"fmt"
	"github.com/corfed/corfed/registry/jose"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
)

// Benchmarks report ratios against a baseline measured in the same run:
// this machine is noisy, so absolute times are only indicative, and no test
// asserts on them.

const benchWriters = 64

// runWriters calls op b.N times in total from benchWriters goroutines and
// returns the elapsed time.
func runWriters(b *testing.B, op func(i int64) error) time.Duration {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for range benchWriters {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := op(i); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkAppend measures durable appends per second from 64 goroutines:
// the baseline is raw bbolt with one fsync'd transaction per put
// (bbolt's DB.Update); "update" is this package's Update (group commit) and
// Log.Append with two index keys. "x_baseline" is update's rate divided by
// the baseline's, from the same run.
func BenchmarkAppend(b *testing.B) {
	var baseline float64
	sample := encodeEntry(entry(1, registry.KindCertificate, "C000001", 1), nil)

	b.Run("baseline-bolt-update-per-put", func(b *testing.B) {
		raw, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		raw.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("entries")); return err })
		d := runWriters(b, func(i int64) error {
			return raw.Update(func(tx *bbolt.Tx) error {
				return tx.Bucket([]byte("entries")).Put(u64(uint64(i)), sample)
			})
		})
		baseline = float64(b.N) / d.Seconds()
		b.ReportMetric(baseline, "appends/s")
	})

	b.Run("update-64-goroutines", func(b *testing.B) {
		db, err := Open(filepath.Join(b.TempDir(), "store.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		d := runWriters(b, func(i int64) error {
			id := fmt.Sprintf("C%06d", i)
			return db.Update(bg, func(tx *Tx) error {
				l := tx.Log("self")
				e := entry(l.Size()+1, registry.KindCertificate, id, 1)
				return l.Append(e, IndexKey{Name: "number", Value: id}, IndexKey{Name: "bn", Value: fmt.Sprint(i % 1000)})
			})
		})
		rate := float64(b.N) / d.Seconds()
		b.ReportMetric(rate, "appends/s")
		if baseline > 0 {
			b.ReportMetric(rate/baseline, "x_baseline")
		}
	})
}

// BenchmarkHashing measures what the Merkle log costs per appended entry:
// "append" is a whole Log.Append (entry, record index, two index keys and
// hashes) and "hashes-only" is tlog.StoredHashes plus the puts of the
// hashes. Both run without fsync in transactions of 1000 entries, so they
// measure CPU and page work, not the disk. "share_of_append" is
// hashes-only's ns/entry divided by append's, from the same run.
func BenchmarkHashing(b *testing.B) {
	const perTx = 1000
	var appendNs float64

	b.Run("append", func(b *testing.B) {
		db, err := Open(filepath.Join(b.TempDir(), "store.db"), Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.ResetTimer()
		for done := 0; done < b.N; {
			n := min(perTx, b.N-done)
			err := db.UpdateAlone(bg, func(tx *Tx) error {
				l := tx.Log("self")
				for range n {
					seq := l.Size() + 1
					id := fmt.Sprintf("C%06d", seq)
					if err := l.Append(entry(seq, registry.KindCertificate, id, 1),
						IndexKey{Name: "number", Value: id}, IndexKey{Name: "bn", Value: fmt.Sprint(seq % 1000)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			done += n
		}
		appendNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(appendNs, "ns/entry")
	})

	b.Run("hashes-only", func(b *testing.B) {
		raw, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bbolt.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		raw.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucketHashes); return err })
		l := &Log{name: "bench"}
		jws := make([][]byte, perTx)
		for i := range jws {
			jws[i] = []byte(entry(uint64(i+1), registry.KindCertificate, fmt.Sprintf("C%06d", i+1), 1).JWS)
		}
		b.ResetTimer()
		for done := 0; done < b.N; {
			n := min(perTx, b.N-done)
			err := raw.Update(func(tx *bbolt.Tx) error {
				hb := tx.Bucket(bucketHashes)
				for i := range n {
					if err := l.appendHashes(hb, int64(done+i), jws[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			done += n
		}
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(ns, "ns/entry")
		if appendNs > 0 {
			b.ReportMetric(ns/appendNs, "share_of_append")
		}
	})
}

// BenchmarkLogCostVsSign compares the Merkle log's cost per appended entry
// (tlog.StoredHashes and its one bbolt put, as Append does it) with the
// cost of signing that entry, in the same run. Target: <= 0.1x.
func BenchmarkLogCostVsSign(b *testing.B) {
	key, payload, jws := signedEntry(b)
	raw, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucketHashes); return err })
	l := &Log{name: "bench"}
	var signNs, logNs time.Duration
	const block = 1000
	var n int64
	for done := 0; done < b.N; done += block {
		start := time.Now()
		for range block {
			if _, err := key.Sign(payload, "corfed-entry+jws"); err != nil {
				b.Fatal(err)
			}
		}
		signNs += time.Since(start)
		start = time.Now()
		err := raw.Update(func(tx *bbolt.Tx) error {
			hb := tx.Bucket(bucketHashes)
			for range block {
				if err := l.appendHashes(hb, n, []byte(jws)); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		logNs += time.Since(start)
	}
	b.ReportMetric(float64(logNs.Nanoseconds())/float64(n), "log-ns/entry")
	b.ReportMetric(float64(signNs.Nanoseconds())/float64(n), "sign-ns/entry")
	b.ReportMetric(float64(logNs)/float64(signNs), "x-of-sign")
}

// BenchmarkMarginalLogCost measures what the Merkle log adds to a real
// Append (hashing and storing the hashes, in the same transaction as the
// entry, 1000 entries a transaction as group commit makes them), against
// signing the same entry, all in one run: appends with and without the
// log alternate in blocks. Target: <= 0.1x of the signature.
func BenchmarkMarginalLogCost(b *testing.B) {
	key, payload, jws := signedEntry(b)
	open := func(name string) *DB {
		db, err := Open(filepath.Join(b.TempDir(), name), Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	with, without := open("with.db"), open("without.db")
	appendBlock := func(db *DB, n int) time.Duration {
		start := time.Now()
		err := db.UpdateAlone(bg, func(tx *Tx) error {
			l := tx.Log("self")
			for range n {
				seq := l.Size() + 1
				e := registry.Entry{Iss: "CA-AB", Seq: seq, Kind: registry.KindCertificate, ID: fmt.Sprintf("C%08d", seq), Ver: 1, Record: payload, JWS: jws}
				if err := l.Append(e, IndexKey{Name: "number", Value: e.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	const block = 1000
	var tWith, tWithout, tSign time.Duration
	n := 0
	for done := 0; done < b.N; done += block {
		tWith += appendBlock(with, block)
		withoutMerkleLog = true
		tWithout += appendBlock(without, block)
		withoutMerkleLog = false
		start := time.Now()
		for range block {
			if _, err := key.Sign(payload, "corfed-entry+jws"); err != nil {
				b.Fatal(err)
			}
		}
		tSign += time.Since(start)
		n += block
	}
	marginal := float64((tWith - tWithout).Nanoseconds()) / float64(n)
	b.ReportMetric(marginal, "log-ns/entry")
	b.ReportMetric(float64(tSign.Nanoseconds())/float64(n), "sign-ns/entry")
	b.ReportMetric(marginal/(float64(tSign.Nanoseconds())/float64(n)), "x-of-sign")
}

// signedEntry returns a key and a typical ~1.1 KB entry JWS it signed.
func signedEntry(b *testing.B) (*jose.Key, []byte, string) {
	key, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"iss":"CA-AB","seq":1,"kind":"certificate","id":"ACSA-20250417","ver":1,"iat":1795608000,"record":{"note":"` +
		strings.Repeat("x", 700) + `"}}`)
	jws, err := key.Sign(payload, "corfed-entry+jws")
	if err != nil {
		b.Fatal(err)
	}
	return key, payload, jws
}

// BenchmarkAppendBatch compares, per entry, a 1000-entry transaction of
// Appends with one AppendBatch of the same entries, on a log that already
// holds 10,000 records: each entry has 11 index keys whose values come in
// no order, like an import's certificates (3 unique to it, 8 shared). No fsync: the CPU of the commit
// stage (appends and bbolt's commit) is what it measures.
func BenchmarkAppendBatch(b *testing.B) {
	const batch, keysPer, prefill = 1000, 11, 10000
	mk := func(seq uint64) (registry.Entry, []IndexKey) {
		e := entry(seq, "certificate", fmt.Sprintf("QC-%08d", seq*2654435761%1000003), 1)
		keys := make([]IndexKey, keysPer)
		for k := range keys {
			// 3 unique values (number, bn, wcb), 8 shared (status spans, dates)
			v := fmt.Sprintf("%x", (seq*uint64(k+7)*40503)%65521)
			if k >= 3 {
				v = fmt.Sprintf("%d", (seq*uint64(k+7)*40503)%uint64(20*k))
			}
			keys[k] = IndexKey{Name: fmt.Sprintf("k%d", k), Value: v}
		}
		return e, keys
	}
	for _, batched := range []bool{false, true} {
		name := map[bool]string{false: "appends", true: "batch"}[batched]
		b.Run(name, func(b *testing.B) {
			db := openTest(b, "")
			write := func(from uint64) error {
				es, ks := make([]registry.Entry, batch), make([][]IndexKey, batch)
				for i := range es {
					es[i], ks[i] = mk(from + uint64(i))
				}
				return db.UpdateAlone(bg, func(tx *Tx) error {
					l := tx.Log("self")
					if batched {
						_, err := l.AppendBatch(es, ks)
						return err
					}
					for i, e := range es {
						if err := l.Append(e, ks[i]...); err != nil {
							return err
						}
					}
					return nil
				})
			}
			seq := uint64(1)
			for ; seq <= prefill; seq += batch {
				if err := write(seq); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				if err := write(seq); err != nil {
					b.Fatal(err)
				}
				seq += batch
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/entry")
		})
	}
}
