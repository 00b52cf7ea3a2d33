package tiles_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// flakyFeed fails the feed read after entry 1000 while fail is set.
type flakyFeed struct {
	*nodetest.Node
	fail bool
}

func (f *flakyFeed) Feed(ctx context.Context, after uint64, limit int) ([]registry.Entry, uint64, error) {
	if f.fail && after == 1000 {
		return nil, 0, errors.New("transient store error")
	}
	return f.Node.Feed(ctx, after, limit)
}

// TestFailedSnapshotPublishesNothing: a snapshot whose write fails part
// way (the feed read fails after 1,000 entries) leaves no file under its
// immutable name; the next round publishes a whole one. Before, the
// blob writer's Close completed the upload: a cut-off snapshot stayed
// published for good.
func TestFailedSnapshotPublishesNothing(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	grow(t, n, 1100)
	size, _ := n.Size(ctx)
	l := &flakyFeed{Node: n, fail: true}
	dir := t.TempDir()
	store, err := tiles.OpenStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: l, Store: store, PartialGrace: -1, Snapshots: tiles.SnapshotPolicy{Every: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var published uint64
	if err := p.Publish(ctx, &published); err == nil {
		t.Fatal("publish with a failing feed: no error")
	}
	name := filepath.Join(dir, "snapshot", strconv.FormatUint(size, 10)+".jsonl.gz")
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("%s exists after the failed write (%v)", name, err)
	}
	l.fail = false
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatalf("after the retry: %v", err)
	}
	defer f.Close()
	last, err := tiles.ReadBulk(f, 0, func(uint64, []byte) error { return nil })
	if err != nil || last != size {
		t.Errorf("the retried snapshot: last seq %d, %v; want %d", last, err, size)
	}
}

// TestReadBulkTakesLinesAsWritten: a bulk file's lines end in a line feed
// and nothing else: a carriage return before it, or a last line without
// it, is refused (bufio's default split accepted both).
func TestReadBulkTakesLinesAsWritten(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"{\"seq\":1,\"jws\":\"a.b.c\"}\n{\"seq\":2,\"jws\":\"d.e.f\"}\n", true},
		{"{\"seq\":1,\"jws\":\"a.b.c\"}\r\n{\"seq\":2,\"jws\":\"d.e.f\"}\r\n", false},
		{"{\"seq\":1,\"jws\":\"a.b.c\"}\n{\"seq\":2,\"jws\":\"d.e.f\"}", false},
	} {
		last, err := tiles.ReadBulk(bytes.NewReader(gzipped(c.text)), 0, func(uint64, []byte) error { return nil })
		if (err == nil) != c.ok || (c.ok && last != 2) || (!c.ok && !errors.Is(err, registry.ErrInvalid)) {
			t.Errorf("%q: last %d, %v; want ok %v", c.text, last, err, c.ok)
		}
	}
}

// TestRetriedRoundsQueueOnePrune: a round that fails after its checkpoint
// (here its snapshot) is retried over the same tree, and queues the
// partials that tree superseded once, not once per retry. Before, the
// ranges waiting for PartialGrace grew by one each failed round.
func TestRetriedRoundsQueueOnePrune(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	grow(t, n, 1100)
	l := &flakyFeed{Node: n, fail: true}
	store, err := tiles.OpenStore(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: l, Store: store, PartialGrace: time.Hour, Snapshots: tiles.SnapshotPolicy{Every: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var published uint64
	for i := range 3 {
		if err := p.Publish(ctx, &published); err == nil {
			t.Fatalf("round %d with a failing snapshot: no error", i)
		}
	}
	l.fail = false
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	if got := tiles.PendingPrunes(p); got != 1 {
		t.Errorf("%d ranges wait for PartialGrace after three failed rounds and one that succeeded, all of one tree; want 1", got)
	}
}
