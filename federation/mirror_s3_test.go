package federation_test

import (
	"context"
	"net/http/httptest"
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
// the same verified tree arrives at each step.
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
}
