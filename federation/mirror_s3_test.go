package federation_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// TestTilesThroughS3 publishes a node's tiles to a real S3 API server
// (gofakes3, in process: the S3 HTTP protocol over loopback, reached
// through gocloud.dev/blob's s3blob with endpoint= and path-style URLs,
// static credentials from the environment), mirrors them from the
// bucket's HTTP URL into a second bucket, and mirrors that bucket again:
// the same verified tree arrives at each step. Then two more copies are
// tampered in the bucket (an entry bundle, the checkpoint's signature),
// and a peer syncs from the three copies over HTTP while the node is
// down: the tampered ones are skipped with their reason, and every entry
// arrives from the good mirror.
// TestTilesThroughS3 runs tilesThroughS3 against gofakes3, an S3 API
// server in the test's process (the S3 HTTP protocol over loopback): quick,
// and it runs everywhere. TestTilesThroughVersityGW runs the same against a
// separate S3 server process.
func TestTilesThroughS3(t *testing.T) {
	s3 := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true)).Server())
	defer s3.Close()
	tilesThroughS3(t, s3.URL, func(string) {})
}

// tilesThroughS3 publishes a node's tiles to the S3 API server at
// endpoint (reached through gocloud.dev/blob's s3blob with endpoint= and
// path-style URLs, static credentials from the environment), mirrors them
// from the bucket's HTTP URL into a second bucket, and mirrors that bucket
// again: the same verified tree arrives at each step. Then two more copies
// are tampered in the bucket (an entry bundle, the checkpoint's
// signature), and a peer syncs from the three copies over HTTP while the
// node is down: the tampered ones are skipped with their reason, and every
// entry arrives from the good mirror. newBucket makes a bucket whose
// objects anyone may read over plain HTTP, as a bucket behind a CDN is.
func tilesThroughS3(t *testing.T, endpoint string, newBucket func(name string)) {
	ctx := context.Background()
	t.Setenv("AWS_ACCESS_KEY_ID", s3Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3Secret)
	t.Setenv("AWS_REGION", "us-east-1")
	bucket := func(name string) string {
		return "s3://" + name + "?endpoint=" + endpoint + "&use_path_style=true&disable_https=true&region=us-east-1"
	}
	for _, b := range []string{"ab-tiles", "ab-mirror", "ab-mirror2", "ab-bad-bundle", "ab-bad-checkpoint"} {
		newBucket(b)
	}

	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	growNamed(t, n, "S3 Builders", 300)
	store, err := tiles.OpenStore(ctx, bucket("ab-tiles"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	var published uint64
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatalf("publish to S3: %v", err)
	}

	hop := func(from, to string) federation.MirrorResult {
		t.Helper()
		src, err := tiles.NewHTTPSource(from)
		if err != nil {
			t.Fatal(err)
		}
		dst, err := tiles.OpenStore(ctx, bucket(to))
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		m, err := federation.NewMirror(ctx, federation.MirrorConfig{Iss: "CA-AB", Keys: n.PublicKeys(), From: src, To: dst})
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Once(ctx)
		if err != nil {
			t.Fatalf("mirror %s -> %s: %v", from, to, err)
		}
		return res
	}
	root, err := n.TreeHash(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range [][2]string{{endpoint + "/ab-tiles", "ab-mirror"}, {endpoint + "/ab-mirror", "ab-mirror2"}} {
		if res := hop(step[0], step[1]); res.To != 300 || res.Root != root {
			t.Fatalf("%s -> %s: size %d root %s, want 300 %s", step[0], step[1], res.To, res.Root, root)
		}
	}
	// Two copies, tampered in the bucket: a partial entry bundle, and the
	// checkpoint's signature.
	hop(endpoint+"/ab-mirror", "ab-bad-bundle")
	hop(endpoint+"/ab-mirror", "ab-bad-checkpoint")
	tamper := func(name, path string, off int) {
		st, err := tiles.OpenStore(ctx, bucket(name))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		b, err := st.Get(ctx, path, tiles.MaxBundleSize)
		if err != nil {
			t.Fatal(err)
		}
		if off < 0 {
			off += len(b)
		}
		b[off] ^= 0x01
		if path == tiles.CheckpointPath {
			err = st.PutCheckpoint(ctx, b)
		} else {
			err = st.PutTile(ctx, path, b, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	tamper("ab-bad-bundle", "tile/entries/001.p/44", 30)
	tamper("ab-bad-checkpoint", tiles.CheckpointPath, -6)
	f := newTileFollower(t, n, nil, downURL(t), endpoint+"/ab-bad-bundle", endpoint+"/ab-bad-checkpoint", endpoint+"/ab-mirror2")
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err != nil || st.Seq != 300 {
		t.Fatalf("sync from the mirrors: seq %d, %v; want 300", st.Seq, err)
	}
	// Every source's checkpoint is read first (the largest tree is synced
	// first): the tampered checkpoint is skipped then, the tampered bundle
	// when its entries are read.
	if sk := f.skipped(); len(sk) != 2 || !strings.Contains(sk[0], "checkpoint") || !strings.Contains(sk[1], "tampered") {
		t.Fatalf("skipped sources: %q; want the tampered checkpoint and bundle", sk)
	}
	feed, got := feedOf(t, n.Node), replicaOf(t, f.n.Node, "CA-AB")
	if len(got) != len(feed) || got[299].JWS != feed[299].JWS {
		t.Fatalf("replica holds %d entries, want the node's %d", len(got), len(feed))
	}
}

// The credentials of the test's S3 servers.
const (
	s3Access = "corfed-test"
	s3Secret = "corfed-test-secret"
)
