package tiles

import (
	"context"
	"testing"

	_ "gocloud.dev/blob/memblob"
)

// TestBucketCacheControl: in a bucket (which a CDN fronts), tiles are
// long-lived and immutable, partial ones too (C2SP tlog-tiles: the tile
// endpoints are immutable; a partial's path names its width, so what it
// holds never changes), and the checkpoint and note key are revalidated.
func TestBucketCacheControl(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutTile(ctx, "tile/0/000", make([]byte, 8192), true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTile(ctx, "tile/0/001.p/5", make([]byte, 160), false); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTile(ctx, "tile/entries/001.p/5", []byte("bundle"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCheckpoint(ctx, []byte("o\n261\nroot\n\n— o sig\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutNoteKey(ctx, "o+01234567+key"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"tile/0/000", cacheImmutable},
		{"tile/0/001.p/5", cacheImmutable},
		{"tile/entries/001.p/5", cacheImmutable},
		{CheckpointPath, cacheMutable},
		{NoteKeyPath, cacheMutable},
	} {
		a, err := s.b.Attributes(ctx, tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if a.CacheControl != tc.want {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, a.CacheControl, tc.want)
		}
	}
}
