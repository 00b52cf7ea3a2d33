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
func TestTilesThroughS3(t *testing.T) {
	ctx := context.Background()
	s3 := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true)).Server())
	defer s3.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "corfed-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "corfed-test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	bucket := func(name string) string {
		return "s3://" + name + "?endpoint=" + s3.URL + "&use_path_style=true&disable_https=true&region=us-east-1"
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
	for _, step := range [][2]string{{s3.URL + "/ab-tiles", "ab-mirror"}, {s3.URL + "/ab-mirror", "ab-mirror2"}} {
		if res := hop(step[0], step[1]); res.To != 300 || res.Root != root {
			t.Fatalf("%s -> %s: size %d root %s, want 300 %s", step[0], step[1], res.To, res.Root, root)
		}
	}
	// Two copies, tampered in the bucket: a partial entry bundle, and the
	// checkpoint's signature.
	hop(s3.URL+"/ab-mirror", "ab-bad-bundle")
	hop(s3.URL+"/ab-mirror", "ab-bad-checkpoint")
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
	f := newTileFollower(t, n, nil, downURL(t), s3.URL+"/ab-bad-bundle", s3.URL+"/ab-bad-checkpoint", s3.URL+"/ab-mirror2")
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err != nil || st.Seq != 300 {
		t.Fatalf("sync from the mirrors: seq %d, %v; want 300", st.Seq, err)
	}
	if sk := f.skipped(); len(sk) != 2 || !strings.Contains(sk[0], "tampered") || !strings.Contains(sk[1], "checkpoint") {
		t.Fatalf("skipped sources: %q; want the tampered bundle and checkpoint", sk)
	}
	feed, got := feedOf(t, n.Node), replicaOf(t, f.n.Node, "CA-AB")
	if len(got) != len(feed) || got[299].JWS != feed[299].JWS {
		t.Fatalf("replica holds %d entries, want the node's %d", len(got), len(feed))
	}
}
