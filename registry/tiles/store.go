package tiles

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob:// destinations
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // gs:// destinations
	_ "gocloud.dev/blob/s3blob"  // s3:// destinations, any S3-compatible store with endpoint=
	"gocloud.dev/gcerrors"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/atomicfile"
)

// Source is where tiles are read from: a Store, or a URL over HTTP(S).
type Source interface {
	// Get returns the object at path (relative to the log's prefix),
	// reading at most max bytes; a missing object wraps
	// registry.ErrNotFound, a larger one registry.ErrInvalid.
	Get(ctx context.Context, path string, max int64) ([]byte, error)
}

// Store is a destination for a log's tiles: a directory or any
// gocloud.dev/blob bucket. Safe for concurrent use.
type Store struct {
	b    *blob.Bucket
	name string
	// dir is the directory of a local store (a path or a file:// URL),
	// "" for a bucket: objects are written there by writeFile, each
	// fsynced, with its directory, before the write returns (fileblob
	// does neither).
	dir string
	// known are the directories below dir whose own entry is known to be
	// durable (fsynced in its parent by this store).
	known sync.Map
}

// OpenStore opens dest: a gocloud.dev/blob URL (file:///dir, s3://bucket
// with ?endpoint=...&use_path_style=true for any S3-compatible server and
// the AWS SDK's usual credentials, gs://bucket, azblob://container), or
// else a plain directory path, created if missing. A directory store
// writes only the objects themselves (no metadata side files), so that any
// static file server can serve it.
//
// A directory (or file:// URL) writes each object to a temporary file
// beside it, fsyncs it and renames it into place, then fsyncs its
// directory: objects reach the disk in the order they are written, so
// that after a power loss a checkpoint never names a tile that was lost,
// and a write that fails (a full disk) leaves the object as it was. A
// crash can leave a ".NAME.tmp-*" file beside an object (atomicfile).
// fileblob reads them (its no_tmp_dir is set for a file:// URL all the
// same).
func OpenStore(ctx context.Context, dest string) (*Store, error) {
	if dest == "" {
		return nil, fmt.Errorf("tiles: no destination: %w", registry.ErrInvalid)
	}
	var b *blob.Bucket
	var dir string
	var err error
	if u, perr := url.Parse(dest); perr == nil && u.Scheme != "" && strings.Contains(dest, "://") {
		if u.Scheme == fileblob.Scheme {
			dir = filepath.FromSlash(u.Path)
			if u.Host == "." {
				dir = strings.TrimPrefix(dir, string(filepath.Separator))
			}
			q := u.Query()
			if q.Get("no_tmp_dir") == "" {
				q.Set("no_tmp_dir", "true")
				u.RawQuery = q.Encode()
			}
			b, err = blob.OpenBucket(ctx, u.String())
		} else {
			b, err = blob.OpenBucket(ctx, dest)
		}
	} else {
		if err = os.MkdirAll(dest, 0o755); err != nil {
			return nil, fmt.Errorf("tiles: %w", err)
		}
		dir = dest
		b, err = fileblob.OpenBucket(dest, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, NoTempDir: true})
	}
	if err != nil {
		return nil, fmt.Errorf("tiles: open %s: %w", dest, err)
	}
	if dir != "" {
		dir = filepath.Clean(dir)
	}
	return &Store{b: b, name: dest, dir: dir}, nil
}

// syncDirs makes the entry of the object at path durable (its file was
// fsynced before its rename): its directory is fsynced, and the entries
// of the directories above it that writeFile may have created (each once
// per Store) (a local store only).
func (s *Store) syncDirs(path string) error {
	p := filepath.Join(s.dir, filepath.FromSlash(path))
	if err := fsync(filepath.Dir(p)); err != nil {
		return err
	}
	for d := filepath.Dir(p); d != s.dir && filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, ok := s.known.Load(d); ok {
			break
		}
		if err := fsync(filepath.Dir(d)); err != nil {
			return err
		}
		s.known.Store(d, true)
	}
	return nil
}

func fsync(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// String returns the destination the store was opened with.
func (s *Store) String() string { return s.name }

// Close closes the store.
func (s *Store) Close() error { return s.b.Close() }

// Get reads the object at path; see Source.
func (s *Store) Get(ctx context.Context, path string, max int64) ([]byte, error) {
	r, err := s.b.NewReader(ctx, path, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s: %s: %w", s.name, path, registry.ErrNotFound)
		}
		return nil, fmt.Errorf("%s: %s: %w", s.name, path, err)
	}
	defer r.Close()
	return readMax(r, max, path)
}

func readMax(r io.Reader, max int64, path string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: more than %d bytes: %w", path, max, registry.ErrInvalid)
	}
	return b, nil
}

// Cache-Control of the two kinds of object C2SP tlog-tiles names: tiles
// (full or partial: a partial's path names its width, so what it holds
// never changes either; it is only deleted once the full tile exists) and
// the checkpoint.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheMutable   = "no-cache, max-age=5"
)

// put writes data at path. Immutable objects (full tiles) are written
// once: an existing one that holds data already is kept, and one that
// does not (planted or left by another history: whoever can write the
// destination must not make a mirror republish or cosign what it did not
// verify) is replaced.
func (s *Store) put(ctx context.Context, path string, data []byte, contentType string, immutable bool) error {
	if immutable {
		if old, err := s.Get(ctx, path, int64(len(data))); err == nil && bytes.Equal(old, data) {
			return nil
		}
	}
	cc := cacheMutable
	if immutable || strings.Contains(path, ".p/") {
		cc = cacheImmutable
	}
	var err error
	if s.dir != "" {
		err = s.writeFile(path, data)
	} else {
		err = s.writeBlob(ctx, path, data, &blob.WriterOptions{ContentType: contentType, CacheControl: cc})
	}
	if err != nil {
		return fmt.Errorf("%s: write %s: %w", s.name, path, err)
	}
	return nil
}

// writeFile writes data at path in a local store (atomicfile.Write: a
// temporary file beside it, fsynced, renamed into place), then fsyncs the
// directories (syncDirs). A write that fails (a full disk) leaves the
// object as it was: the checkpoint stays the last one written whole.
// (fileblob renames whatever reached its temporary file into place when
// the write fails, and fsyncs nothing.)
func (s *Store) writeFile(path string, data []byte) error {
	p := filepath.Join(s.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(p, data, 0o644); err != nil {
		return err
	}
	return s.syncDirs(path)
}

// writeBlob writes data at path in a bucket. A write that fails is
// aborted (its context canceled before Close, as gocloud.dev/blob asks),
// so the object keeps what it held; Bucket.WriteAll closes the writer
// after a failed write, which commits what was written.
func (s *Store) writeBlob(ctx context.Context, path string, data []byte, opts *blob.WriterOptions) error {
	sum := md5.Sum(data)
	opts.ContentMD5 = sum[:]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(ctx, path, opts)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	return w.Close()
}

// PutTile writes a hash tile or entry bundle (full ones once, partial ones
// replaced).
func (s *Store) PutTile(ctx context.Context, path string, data []byte, full bool) error {
	return s.put(ctx, path, data, "application/octet-stream", full)
}

// PutCheckpoint writes the checkpoint note.
func (s *Store) PutCheckpoint(ctx context.Context, msg []byte) error {
	return s.put(ctx, CheckpointPath, msg, "text/plain; charset=utf-8", false)
}

// PutNoteKey writes the note verifier key (NoteKeyPath), replacing the
// one there.
func (s *Store) PutNoteKey(ctx context.Context, vkey string) error {
	return s.put(ctx, NoteKeyPath, []byte(vkey+"\n"), "text/plain; charset=utf-8", false)
}

// PutNoteKeys writes the vkeys of the log's keys (NoteKeysPath), one a
// line, replacing the ones there.
func (s *Store) PutNoteKeys(ctx context.Context, vkeys []string) error {
	return s.put(ctx, NoteKeysPath, []byte(strings.Join(vkeys, "\n")+"\n"), "text/plain; charset=utf-8", false)
}

// PutFile writes any other object (snapshots).
func (s *Store) PutFile(ctx context.Context, path string, data []byte, contentType string) error {
	return s.put(ctx, path, data, contentType, true)
}

// deletePrefix deletes every object whose key starts with prefix.
func (s *Store) deletePrefix(ctx context.Context, prefix string) error {
	it := s.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.b.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return err
		}
	}
}

var _ Source = (*Store)(nil)
var _ Source = (*HTTPSource)(nil)
