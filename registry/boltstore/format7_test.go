package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// signedBy returns an entry of iss's log whose JWS key signs over payload
// (nil: the canonical envelope of the entry's fields).
func signedBy(t testing.TB, key *jose.Key, e registry.Entry, payload []byte) registry.Entry {
	t.Helper()
	if payload == nil {
		var err error
		if payload, err = registry.EncodeEnvelope(e.Envelope()); err != nil {
			t.Fatal(err)
		}
	}
	jws, err := key.Sign(payload, registry.EntryType)
	if err != nil {
		t.Fatal(err)
	}
	e.JWS = jws
	return e
}

func newKey(t testing.TB) *jose.Key {
	t.Helper()
	key, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestEnvelopeNotStored: an entry whose payload is the canonical envelope
// of its fields stores no payload (flag 0x10), and reads back byte for
// byte; any other payload is stored as it is.
func TestEnvelopeNotStored(t *testing.T) {
	key := newKey(t)
	base := registry.Entry{Iss: "CA-AB", Seq: 7, Kind: registry.KindEmployer, ID: "983124272", Ver: 2, Iat: 1796488089,
		By:     &registry.Author{Role: "admin", Token: "26c53a2eb92ff24f92f737b7"},
		Record: []byte(`{"bn":"983124272","legal_name":"Boréal Béton Ltée","note":"a \"quoted\" \\ name"}`)}
	tests := []struct {
		name     string
		edit     func(e *registry.Entry) []byte // the payload to sign (nil: the envelope)
		envelope bool                           // stored without its payload
	}{
		{"admin", func(e *registry.Entry) []byte { return nil }, true},
		{"cp with token", func(e *registry.Entry) []byte {
			e.By = &registry.Author{Role: "cp", CP: "ACSA", Token: "t1"}
			return nil
		}, true},
		{"cp without token", func(e *registry.Entry) []byte { e.By = &registry.Author{Role: "cp", CP: "ACSA"}; return nil }, true},
		{"no author", func(e *registry.Entry) []byte { e.By = nil; return nil }, true},
		{"big numbers", func(e *registry.Entry) []byte { e.Seq, e.Ver, e.Iat = 1<<40, 1<<33, -5; return nil }, true},
		{"id needing escapes", func(e *registry.Entry) []byte { e.ID = `a"b`; return nil }, false},
		{"non-ASCII token", func(e *registry.Entry) []byte { e.By.Token = "jeton-é"; return nil }, false},
		{"payload with spaces", func(e *registry.Entry) []byte {
			p, _ := registry.EncodeEnvelope(e.Envelope())
			return bytes.Replace(p, []byte(`"iss":`), []byte(`"iss": `), 1)
		}, false},
		{"payload of another seq", func(e *registry.Entry) []byte {
			o := *e
			o.Seq++
			p, _ := registry.EncodeEnvelope(o.Envelope())
			return p
		}, false},
		{"payload with another record", func(e *registry.Entry) []byte {
			o := *e
			o.Record = []byte(`{"bn":"1"}`)
			p, _ := registry.EncodeEnvelope(o.Envelope())
			return p
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			if e.By != nil {
				by := *e.By
				e.By = &by
			}
			e = signedBy(t, key, e, tt.edit(&e))
			v := encodeEntry(e, []IndexKey{{Name: "bn", Value: e.ID}})
			if got := v[1]&flagEnvelope != 0; got != tt.envelope {
				t.Errorf("flag 0x10 = %v, want %v", got, tt.envelope)
			}
			if tt.envelope && bytes.Contains(v, []byte(`"iat":`)) {
				t.Errorf("the value holds the envelope's members: %q", v)
			}
			if n := bytes.Count(v, e.Record); n != 1 {
				t.Errorf("the record is stored %d times, want once", n)
			}
			got, err := decodeEntry(e.Seq, v)
			if err != nil || !reflect.DeepEqual(got, e) {
				t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, e)
			}
		})
	}
}

// TestHeaderTable: entries keep a reference to their log's header table
// (flag 0x20), one header per signing key, up to maxHeaders, past which
// headers stay inline; every entry reads back exactly after a reopen, and
// a log's table is its own.
func TestHeaderTable(t *testing.T) {
	defer func(n int) { maxHeaders = n }(maxHeaders)
	maxHeaders = 2
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	keys := []*jose.Key{newKey(t), newKey(t), newKey(t)}
	var want []registry.Entry
	for i := range 9 {
		e := registry.Entry{Iss: "CA-AB", Seq: uint64(i + 1), Kind: registry.KindEmployer, ID: fmt.Sprint("E", i%4), Iat: 1796488089,
			Record: fmt.Appendf(nil, `{"bn":"E%d","n":%d}`, i%4, i)}
		e.Ver = uint64(i/4 + 1)
		want = append(want, signedBy(t, keys[i%3], e, nil))
	}
	appendAll(t, db, "self", want[:4]...)
	appendAll(t, db, "self", want[4:]...)
	// Another log's first header is its own table's ref 1.
	appendAll(t, db, "peer/CA-BC", signedBy(t, keys[2], registry.Entry{Iss: "CA-BC", Seq: 1, Kind: registry.KindEmployer, ID: "B1", Ver: 1,
		Iat: 1796488089, Record: []byte(`{"bn":"B1"}`)}, nil))
	db.Close()
	db = openTest(t, path)
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		got, err := l.Entries(0, 100)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Entries: %v\n got %+v\nwant %+v", err, got, want)
		}
		for i, e := range want {
			if got, err := l.Entry(e.Seq); err != nil || !reflect.DeepEqual(got, e) {
				t.Errorf("Entry(%d): %v\n got %+v\nwant %+v", e.Seq, err, got, e)
			}
			v := l.sub0(t, bucketEntries).Get(u64(e.Seq))
			if ref := v[1]&flagHeaderRef != 0; ref != (i%3 < 2) {
				t.Errorf("entry %d (key %d): header by reference = %v, want %v", e.Seq, i%3, ref, i%3 < 2)
			}
		}
		if n := l.sub0(t, bucketHeaders).Stats().KeyN; n != 2 {
			t.Errorf("self's header table holds %d headers, want 2", n)
		}
		p := tx.Log("peer/CA-BC")
		if e, err := p.Entry(1); err != nil || e.ID != "B1" {
			t.Errorf("peer entry: %+v, %v", e, err)
		}
		if v := p.sub0(t, bucketEntries).Get(u64(1)); v[1]&flagHeaderRef == 0 {
			t.Error("the peer's entry keeps its header inline, want a reference to its own table")
		}
		return nil
	})
}

// TestHeaderRefRolledBack: a prepared entry appended in a transaction
// that is rolled back (a batch that runs again) appends the same again:
// the table's new header left with the rollback, and the value as
// prepared is unchanged.
func TestHeaderRefRolledBack(t *testing.T) {
	db := openTest(t, "")
	e := signedBy(t, newKey(t), registry.Entry{Iss: "CA-AB", Seq: 1, Kind: registry.KindEmployer, ID: "E1", Ver: 1, Iat: 1796488089,
		Record: []byte(`{"bn":"E1"}`)}, nil)
	p := PrepareAppend(e, []IndexKey{{Name: "bn", Value: "E1"}})
	prepared := bytes.Clone(p.value)
	errAgain := errors.New("run again")
	for _, fail := range []bool{true, false} {
		err := db.Update(bg, func(tx *Tx) error {
			if _, err := tx.Log("self").AppendPrepared([]registry.PreparedAppend{p}); err != nil {
				return err
			}
			if fail {
				return errAgain
			}
			return nil
		})
		if fail != errors.Is(err, errAgain) || (!fail && err != nil) {
			t.Fatalf("fail %v: %v", fail, err)
		}
		if !bytes.Equal(p.value, prepared) {
			t.Fatal("appending changed the prepared value")
		}
	}
	view(t, db, func(tx *Tx) error {
		if got, err := tx.Log("self").Entry(1); err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("Entry: %v\n got %+v\nwant %+v", err, got, e)
		}
		return nil
	})
}

// TestCorruptHeaderRef: a reference the table does not hold, or a value
// with a reference read without a table, is corrupt, not a panic.
func TestCorruptHeaderRef(t *testing.T) {
	e := signedBy(t, newKey(t), registry.Entry{Iss: "CA-AB", Seq: 1, Kind: registry.KindEmployer, ID: "E1", Ver: 1, Iat: 1,
		Record: []byte(`{"bn":"E1"}`)}, nil)
	v := encodeEntry(e, nil)
	start, end, ok := headerSpan(v)
	if !ok {
		t.Fatal("no header span")
	}
	ref := withHeaderRef(v, start, end, 3)
	if _, err := decodeEntry(1, ref); !errors.Is(err, errCorrupt) {
		t.Errorf("a reference without a table: %v, want corrupt", err)
	}
	missing := func(uint64) ([]byte, error) { return nil, errCorrupt }
	if _, err := decodeEntryWith(1, ref, missing); !errors.Is(err, errCorrupt) {
		t.Errorf("a reference the table lacks: %v, want corrupt", err)
	}
	hdr, _, _ := strings.Cut(e.JWS, ".")
	h, _ := jwsEncoding.DecodeString(hdr)
	table := func(r uint64) ([]byte, error) {
		if r == 3 {
			return h, nil
		}
		return nil, errCorrupt
	}
	if got, err := decodeEntryWith(1, ref, table); err != nil || !reflect.DeepEqual(got, e) {
		t.Errorf("with the table: %v\n got %+v\nwant %+v", err, got, e)
	}
}

// FuzzAppendEnvelope: for strings that need no escaping and a compact
// record, the format's frozen envelope is registry's canonical one.
func FuzzAppendEnvelope(f *testing.F) {
	f.Add("CA-AB", uint64(7), "employer", "983124272", uint64(1), int64(1796488089), "admin", "", "26c53a2e", `{"bn":"1","n":[1,2]}`)
	f.Add("CA-QC", uint64(1<<63), "certificate", "ESC-1", uint64(3), int64(-1), "", "", "", `"é"`)
	f.Add("CA-ON", uint64(0), "k", "", uint64(0), int64(0), "cp", "ACSA", "", `null`)
	f.Fuzz(func(t *testing.T, iss string, seq uint64, kind, id string, ver uint64, iat int64, role, cp, token, record string) {
		e := registry.Entry{Iss: registry.Jurisdiction(iss), Seq: seq, Kind: registry.Kind(kind), ID: id, Ver: ver, Iat: iat}
		if role != "" {
			e.By = &registry.Author{Role: role, CP: cp, Token: token}
		}
		var buf bytes.Buffer
		if !e.Envelope().Plain() || json.Compact(&buf, []byte(record)) != nil || buf.String() != record {
			return
		}
		e.Record = []byte(record)
		want, err := registry.EncodeEnvelope(e.Envelope())
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEnvelope(nil, e, e.Record); !bytes.Equal(got, want) {
			t.Fatalf("appendEnvelope\n got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkDecodeEntry: reading an entry back as format 6 stored it (the
// payload whole) and as format 7 does (rebuilt from the fields, the
// header from the table): what a read pays for the bytes saved.
func BenchmarkDecodeEntry(b *testing.B) {
	rec := `{"id":"ESC-39466108","jurisdiction":"CA-AB","issuer":"ESC","number":"39466108","program":"COR","employer_bn":"204329031",` +
		`"wcb_accounts":["1032792"],"industry_scope":["238220"],"sector":"energy","basis":"audit","basis_ref":"AUD-ESC-39466108",` +
		`"issued_on":"2023-12-20","term_months":36,"expires_on":"2026-12-20","status":"active","status_reason":"certification audit passed",` +
		`"history":[{"status":"active","on":"2023-12-20","reason":"certification audit passed","reason_fr":"audit de certification réussi"}]}`
	e := signedBy(b, newKey(b), registry.Entry{Iss: "CA-AB", Seq: 1007, Kind: registry.KindCertificate, ID: "ESC-39466108", Ver: 1,
		Iat: 1796488090, By: &registry.Author{Role: "admin", Token: "26c53a2eb92ff24f92f737b7"}, Record: []byte(rec)}, nil)
	v7 := encodeEntry(e, nil)
	start, end, _ := headerSpan(v7)
	hdr := v7[start+1 : end]
	v7 = withHeaderRef(v7, start, end, 1)
	parts, _ := splitJWS(e.JWS)
	v6 := bytes.Clone(v7[:start])
	v6[1] = v6[1]&^(flagEnvelope|flagHeaderRef) | flagRecordJWS
	for _, p := range parts {
		v6 = appendRaw(v6, p)
	}
	table := func(uint64) ([]byte, error) { return hdr, nil }
	for _, bc := range []struct {
		name string
		v    []byte
	}{{"format6", v6}, {"format7", v7}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportMetric(float64(len(bc.v)), "value-bytes")
			b.ReportAllocs()
			for b.Loop() {
				if got, err := decodeEntryWith(1007, bc.v, table); err != nil || got.JWS != e.JWS {
					b.Fatal(err)
				}
			}
		})
	}
}
