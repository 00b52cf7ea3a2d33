package federation_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// bulkFixture is a node publishing tiles with snapshots every 300 entries
// and deltas every 100, served over HTTP.
type bulkFixture struct {
	n   *nodetest.Node
	dir string
	src tiles.Source
}

func newBulkFixture(t *testing.T) *bulkFixture {
	t.Helper()
	ctx := context.Background()
	f := &bulkFixture{n: nodetest.New(t, "CA-AB", nodetest.Options{}), dir: t.TempDir()}
	store, err := tiles.OpenStore(ctx, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: f.n, Store: store, Interval: time.Millisecond,
		Snapshots: tiles.SnapshotPolicy{Every: 300, DeltaEvery: 100}})
	if err != nil {
		t.Fatal(err)
	}
	var published uint64
	for _, size := range []uint64{100, 200, 300, 400, 450} {
		growNamed(t, f.n, "Bulk Builders", size)
		if err := p.Publish(ctx, &published); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(f.dir)))
	t.Cleanup(srv.Close)
	if f.src, err = tiles.NewHTTPSource(srv.URL); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *bulkFixture) read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *bulkFixture) check(data []byte, path string) error {
	name, err := tiles.ParseBulkName(path)
	if err != nil {
		return err
	}
	_, err = federation.CheckBulk(context.Background(), bytes.NewReader(data), name, "CA-AB", f.n.PublicKeys(), f.src)
	return err
}

// lines returns the lines of a gzipped bulk file; gz writes them back.
func lines(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
}

func gz(ls []string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range ls {
		if !strings.HasSuffix(l, "\n") {
			l += "\n"
		}
		zw.Write([]byte(l))
	}
	zw.Close()
	return buf.Bytes()
}

// TestBulkRebuildsTheFeed: the snapshot and the deltas the publisher wrote
// hold exactly the node's entries, in order, and rebuild its feed.
func TestBulkRebuildsTheFeed(t *testing.T) {
	f := newBulkFixture(t)
	feed, _, err := f.n.Feed(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var rebuilt []string
	collect := func(path string, from uint64) {
		last, err := tiles.ReadBulk(bytes.NewReader(f.read(t, path)), from, func(seq uint64, jws []byte) error {
			rebuilt = append(rebuilt, string(jws))
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if name, _ := tiles.ParseBulkName(path); last != name.To {
			t.Fatalf("%s ends at seq %d", path, last)
		}
	}
	collect("snapshot/300.jsonl.gz", 0)
	collect("delta/300-400.jsonl.gz", 300)
	if len(rebuilt) != 400 {
		t.Fatalf("rebuilt %d entries, want 400", len(rebuilt))
	}
	for i, jws := range rebuilt {
		if jws != feed[i].JWS {
			t.Fatalf("entry %d differs from the feed's seq %d", i, feed[i].Seq)
		}
	}
	// The deltas chain: 0-100, 100-200, 200-300, 300-400.
	for _, p := range []string{"delta/0-100.jsonl.gz", "delta/100-200.jsonl.gz", "delta/200-300.jsonl.gz", "delta/300-400.jsonl.gz"} {
		if err := f.check(f.read(t, p), p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestCheckBulk: a good snapshot or delta passes against the log's newer
// checkpoint; a truncated, reordered, altered or misnamed one is refused
// with the reason.
func TestCheckBulk(t *testing.T) {
	f := newBulkFixture(t)
	snap := f.read(t, "snapshot/300.jsonl.gz")
	if err := f.check(snap, "snapshot/300.jsonl.gz"); err != nil {
		t.Fatalf("good snapshot: %v", err)
	}
	delta := f.read(t, "delta/300-400.jsonl.gz")
	if err := f.check(delta, "delta/300-400.jsonl.gz"); err != nil {
		t.Fatalf("good delta: %v", err)
	}
	ls := lines(t, snap)
	swapped := append([]string(nil), ls...)
	swapped[10], swapped[11] = swapped[11], swapped[10]
	jwsOf := func(l string) string { return l[strings.Index(l, `"jws":"`)+7 : strings.LastIndex(l, `"`)] }
	reordered := append([]string(nil), ls...) // seq fields kept in order, entries swapped
	reordered[10] = strings.Replace(ls[10], jwsOf(ls[10]), jwsOf(ls[11]), 1)
	reordered[11] = strings.Replace(ls[11], jwsOf(ls[11]), jwsOf(ls[10]), 1)
	altered := append([]string(nil), ls...)
	j := jwsOf(ls[42])
	mid := strings.Index(j, ".") + 5 // a payload character
	flip := byte('A')
	if j[mid] == 'A' {
		flip = 'B'
	}
	altered[42] = strings.Replace(ls[42], j, j[:mid]+string(flip)+j[mid+1:], 1)
	cutGzip := snap[:len(snap)/2]
	for _, tc := range []struct {
		name, path string
		data       []byte
		want       error
		says       string
	}{
		{"truncated lines", "snapshot/300.jsonl.gz", gz(ls[:299]), registry.ErrInvalid, "truncated"},
		{"truncated gzip", "snapshot/300.jsonl.gz", cutGzip, registry.ErrInvalid, ""},
		{"lines swapped", "snapshot/300.jsonl.gz", gz(swapped), registry.ErrInvalid, "seq"},
		{"entries reordered", "snapshot/300.jsonl.gz", gz(reordered), tiles.ErrTampered, "seq 11"},
		{"entry altered", "snapshot/300.jsonl.gz", gz(altered), tiles.ErrTampered, "seq 43"},
		{"extra line", "snapshot/300.jsonl.gz", gz(append(append([]string(nil), ls...), lines(t, delta)[0])), tiles.ErrTampered, "after the last"},
		{"named smaller", "snapshot/299.jsonl.gz", snap, tiles.ErrTampered, "after the last"},
		{"named larger", "snapshot/301.jsonl.gz", snap, registry.ErrInvalid, "truncated"},
		{"beyond the checkpoint", "snapshot/5000.jsonl.gz", snap, registry.ErrInvalid, "newer checkpoint"},
		{"delta misplaced", "delta/200-300.jsonl.gz", delta, registry.ErrInvalid, "seq"},
		{"snapshot as a delta", "delta/0-300.jsonl.gz", snap, nil, ""},
		{"not a bulk name", "snapshot/latest.jsonl.gz", snap, registry.ErrInvalid, "is not named"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.check(tc.data, tc.path)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want an error wrapping %q that says %q", err, tc.want, tc.says)
			}
		})
	}
}

// TestCheckBulkVerifiesEntries: a snapshot checked with keys that are not
// the log's is refused (the checkpoint and each JWS).
func TestCheckBulkVerifiesEntries(t *testing.T) {
	f := newBulkFixture(t)
	other := nodetest.New(t, "CA-AB", nodetest.Options{})
	name, _ := tiles.ParseBulkName("snapshot/300.jsonl.gz")
	_, err := federation.CheckBulk(context.Background(), bytes.NewReader(f.read(t, "snapshot/300.jsonl.gz")), name, "CA-AB", other.PublicKeys(), f.src)
	if !errors.Is(err, registry.ErrUnverified) {
		t.Fatalf("checked with another node's keys: %v, want unverified", err)
	}
}
