package webhook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/registry"
)

// TestTruncatedOutboxIsRefused: an outbox.db cut short (an unfinished
// copy or restore) is refused when the outbox opens, as corfed.db is,
// rather than mapped: a read of a page past the file's end is a SIGBUS
// that kills the node.
func TestTruncatedOutboxIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), OutboxFile)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("queue"))
		for i := range 4000 {
			if err == nil {
				err = b.Put(fmt.Appendf(nil, "msg-%06d", i), make([]byte, 200))
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// 4,000 messages of 200 bytes use some 200 pages of 4 KiB; keep 16.
	if err := os.Truncate(path, 16*4096); err != nil {
		t.Fatal(err)
	}
	o, err := openOutbox(path)
	if err == nil {
		o.db.Close()
		t.Fatal("a truncated outbox.db opened")
	}
	if !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("truncated outbox.db: %v, want an error wrapping ErrInvalid", err)
	}
}
